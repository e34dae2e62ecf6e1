import { blocks, isSet, isTrue, toNumber, type TerraformResourceView } from "../model";
import type { Rule, RuleContext, StackModel } from "./rule-kit";
import { backupSelectionCovers } from "./backup-coverage";

const DB = ["aws_db_instance"];

/** AWS-managed keys (`alias/aws/rds`) cannot be scoped by key policy or shared across accounts. */
function isCustomerKey(value: unknown): boolean {
  return isSet(value) && !(typeof value === "string" && value.includes("alias/aws/"));
}

export const rdsRules: Rule[] = [
  {
    id: "SKY-RDS-001",
    severity: "error",
    description: "RDS storage is encrypted with a customer-managed KMS key.",
    why: "Snapshots, replicas and automated backups inherit the storage key; a customer key lets you control and audit who can decrypt them and copy them across regions.",
    fix: "Set `storage_encrypted = true` and `kms_key_id` to a customer KMS key ARN (Database prop `kmsKey`).",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_16", trivy: "AVD-AWS-0080", cdkNag: "AwsSolutions-RDS2" },
    check: ({ attrs }) => {
      if (!isTrue(attrs.storage_encrypted)) return "storage_encrypted is not true";
      if (!isCustomerKey(attrs.kms_key_id)) return "kms_key_id is not a customer-managed key";
      return undefined;
    },
  },
  {
    id: "SKY-RDS-002",
    severity: "error",
    description: "Performance Insights, when enabled, is encrypted with a customer-managed KMS key.",
    why: "Performance Insights stores query text, which can hold personal data; it must be under the same key control as the database.",
    fix: "Set `performance_insights_kms_key_id` to the database's customer KMS key ARN.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_354", trivy: "AVD-AWS-0078" },
    check: ({ attrs }) =>
      isTrue(attrs.performance_insights_enabled) && !isCustomerKey(attrs.performance_insights_kms_key_id)
        ? "performance_insights_enabled is true but performance_insights_kms_key_id is not a customer key"
        : undefined,
  },
  {
    id: "SKY-RDS-003",
    severity: "error",
    description: "RDS instances are not publicly accessible.",
    why: "A public endpoint exposes the database to the internet; the toolkit reaches it from private subnets only.",
    fix: "Set `publicly_accessible = false` (the default) and place the instance in private subnets.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_17", trivy: "AVD-AWS-0180" },
    check: ({ attrs }) => (isTrue(attrs.publicly_accessible) ? "publicly_accessible is true" : undefined),
  },
  {
    id: "SKY-RDS-004",
    severity: "warning",
    description: "RDS instances run Multi-AZ.",
    why: "A single-AZ instance is down for the whole of an AZ outage or a host replacement.",
    fix: "Set `multi_az = true` (Database prop `multiAz`); suppress with a reason in non-production environments.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_157", cdkNag: "AwsSolutions-RDS3" },
    check: ({ attrs }) => (isTrue(attrs.multi_az) ? undefined : "multi_az is not true"),
  },
  {
    id: "SKY-RDS-005",
    severity: "error",
    description: "RDS instances have deletion protection.",
    why: "Deletion protection stops a mistaken `terraform destroy` or console click from deleting the database.",
    fix: "Set `deletion_protection = true` (Database prop `deletionProtection`).",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_293", trivy: "AVD-AWS-0177", cdkNag: "AwsSolutions-RDS10" },
    check: ({ attrs }) => (isTrue(attrs.deletion_protection) ? undefined : "deletion_protection is not true"),
  },
  {
    id: "SKY-RDS-006",
    severity: "error",
    description: "RDS automated backups are kept for at least 7 days.",
    why: "Point-in-time recovery only reaches back as far as the retention period; 0 disables backups entirely.",
    fix: "Set `backup_retention_period` to 7 or more (Database prop `backupRetentionDays`).",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_133", trivy: "AVD-AWS-0077", cdkNag: "AwsSolutions-RDS13" },
    check: ({ attrs }) => {
      const days = toNumber(attrs.backup_retention_period);
      return days >= 7
        ? undefined
        : `backup_retention_period is ${String(attrs.backup_retention_period ?? "unset")}`;
    },
  },
  {
    id: "SKY-RDS-007",
    severity: "error",
    description: "RDS IAM database authentication is enabled.",
    why: "IAM authentication gives short-lived, auditable credentials to services instead of long-lived passwords.",
    fix: "Set `iam_database_authentication_enabled = true`.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_161", trivy: "AVD-AWS-0176", cdkNag: "AwsSolutions-RDS6" },
    check: ({ attrs }) =>
      isTrue(attrs.iam_database_authentication_enabled)
        ? undefined
        : "iam_database_authentication_enabled is not true",
  },
  {
    id: "SKY-RDS-008",
    severity: "warning",
    description: "RDS enhanced monitoring is enabled.",
    why: "Enhanced monitoring shows OS-level metrics (CPU steal, memory, I/O) that CloudWatch's hypervisor metrics do not.",
    fix: "Set `monitoring_interval` (e.g. 60) and `monitoring_role_arn` to a role with AmazonRDSEnhancedMonitoringRole.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_118" },
    check: ({ attrs }) =>
      toNumber(attrs.monitoring_interval) > 0 && isSet(attrs.monitoring_role_arn)
        ? undefined
        : "monitoring_interval and monitoring_role_arn are not both set",
  },
  {
    id: "SKY-RDS-009",
    severity: "error",
    description: "RDS exports its logs to CloudWatch Logs.",
    why: "Database logs (errors, slow queries, connections) are needed to investigate incidents and must outlive the instance.",
    fix: 'Set `enabled_cloudwatch_logs_exports` (e.g. `["postgresql", "upgrade"]` for PostgreSQL).',
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_129" },
    check: ({ attrs }) => (isSet(attrs.enabled_cloudwatch_logs_exports) ? undefined : "no log exports"),
  },
  {
    id: "SKY-RDS-010",
    severity: "warning",
    description: "RDS copies tags to snapshots.",
    why: "Tag-based backup selections, cost allocation and access policies only apply to snapshots that carry the tags.",
    fix: "Set `copy_tags_to_snapshot = true`.",
    resourceTypes: DB,
    mappings: { checkov: "CKV2_AWS_60" },
    check: ({ attrs }) =>
      isTrue(attrs.copy_tags_to_snapshot) ? undefined : "copy_tags_to_snapshot is not true",
  },
  {
    id: "SKY-RDS-011",
    severity: "error",
    description: "Every RDS instance is selected by an AWS Backup plan (by ARN or by tag).",
    why: "Automated RDS backups die with the instance and stay in one region; an AWS Backup plan keeps independent, copyable recovery points.",
    fix: "Add the database to a Backup construct (an `aws_backup_selection` listing its ARN, or a `selection_tag`/`condition` matching its tags). Read replicas (`replicate_source_db`) are covered through their source.",
    resourceTypes: DB,
    mappings: {},
    check: (db: TerraformResourceView, context: RuleContext) =>
      isSet(db.attrs.replicate_source_db) || backupSelectionCovers(db, context)
        ? undefined
        : "no aws_backup_selection selects this instance",
  },
  {
    id: "SKY-RDS-012",
    severity: "error",
    description: "RDS instances require TLS from clients (`rds.force_ssl = 1` in their parameter group).",
    why: "Without force_ssl, PostgreSQL accepts plaintext connections, so a misconfigured client sends credentials and data in the clear.",
    fix: 'Attach an `aws_db_parameter_group` with `parameter { name = "rds.force_ssl", value = "1" }` via `parameter_group_name`.',
    resourceTypes: DB,
    mappings: { checkov: "CKV2_AWS_69" },
    check: (db, { stack }) => forceSslProblem(db, stack),
  },
  {
    id: "SKY-RDS-013",
    severity: "warning",
    description: "RDS minor version upgrades are applied automatically.",
    why: "Minor versions carry security fixes; turning automatic upgrades off leaves known vulnerabilities in place until someone remembers.",
    fix: "Leave `auto_minor_version_upgrade` unset or true; control timing with `maintenance_window`.",
    resourceTypes: DB,
    mappings: { checkov: "CKV_AWS_226" },
    check: ({ attrs }) =>
      attrs.auto_minor_version_upgrade === false || attrs.auto_minor_version_upgrade === "false"
        ? "auto_minor_version_upgrade is false"
        : undefined,
  },
  {
    id: "SKY-RDS-014",
    severity: "error",
    description:
      "Cross-region replicated RDS backups are encrypted with a KMS key of the destination region.",
    why: "Backups copied to the DR region must stay encrypted under a key that exists (and is controlled) there.",
    fix: "Set `kms_key_id` on the `aws_db_instance_automated_backups_replication` to a customer key in its region.",
    resourceTypes: ["aws_db_instance_automated_backups_replication"],
    mappings: {},
    check: ({ attrs }) =>
      isCustomerKey(attrs.kms_key_id) ? undefined : "kms_key_id is not a customer-managed key",
  },
  {
    id: "SKY-RDSPROXY-001",
    severity: "error",
    description: "RDS Proxy requires TLS.",
    why: "The proxy terminates client connections; without require_tls it accepts them in plaintext.",
    fix: "Set `require_tls = true` on the `aws_db_proxy`.",
    resourceTypes: ["aws_db_proxy"],
    mappings: {},
    check: ({ attrs }) => (isTrue(attrs.require_tls) ? undefined : "require_tls is not true"),
  },
];

/** MySQL-family engines enforce TLS through `require_secure_transport`, the others through `rds.force_ssl`. */
function forceSslProblem(db: TerraformResourceView, stack: StackModel): string | undefined {
  const engine = String(db.attrs.engine ?? "");
  const [name, wanted] = /mysql|mariadb/.test(engine)
    ? ["require_secure_transport", ["1", "ON", "on", "true"]]
    : ["rds.force_ssl", ["1"]];
  const groups = stack.referencedBy(db.attrs.parameter_group_name, "aws_db_parameter_group");
  if (groups.length === 0)
    return "parameter_group_name does not reference an aws_db_parameter_group in this stack";
  const forced = blocks(groups[0].attrs.parameter).some(
    (p) => p.name === name && wanted.includes(String(p.value)),
  );
  return forced ? undefined : `parameter group ${groups[0].address} does not set ${name} = ${wanted[0]}`;
}

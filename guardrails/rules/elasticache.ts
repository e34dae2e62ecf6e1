import { isSet, isTrue, toNumber } from "../model";
import type { Rule } from "./rule-kit";

const CACHE = ["aws_elasticache_replication_group"];

export const elasticacheRules: Rule[] = [
  {
    id: "SKY-CACHE-001",
    severity: "error",
    description: "ElastiCache is encrypted at rest with a customer-managed KMS key.",
    why: "Cache nodes, swap and snapshots hold session and application data; a customer key puts them under the same key control as the database.",
    fix: "Set `at_rest_encryption_enabled = true` and `kms_key_id` to a customer KMS key ARN (Cache prop `kmsKey`).",
    resourceTypes: CACHE,
    mappings: { checkov: "CKV_AWS_191", trivy: "AVD-AWS-0045", cdkNag: "AwsSolutions-AEC3" },
    check: ({ attrs }) => {
      // Valkey encrypts at rest by default; Redis OSS only when asked.
      const defaultOn = attrs.engine === "valkey" && attrs.at_rest_encryption_enabled === undefined;
      if (!defaultOn && !isTrue(attrs.at_rest_encryption_enabled))
        return "at_rest_encryption_enabled is not true";
      if (!isSet(attrs.kms_key_id)) return "kms_key_id is not set";
      return undefined;
    },
  },
  {
    id: "SKY-CACHE-002",
    severity: "error",
    description: "ElastiCache requires TLS in transit.",
    why: "Without in-transit encryption, cache traffic (including AUTH tokens) crosses the VPC in plaintext.",
    fix: 'Set `transit_encryption_enabled = true` and leave `transit_encryption_mode` at "required".',
    resourceTypes: CACHE,
    mappings: { checkov: "CKV_AWS_30", trivy: "AVD-AWS-0051", cdkNag: "AwsSolutions-AEC3" },
    check: ({ attrs }) => {
      if (!isTrue(attrs.transit_encryption_enabled)) return "transit_encryption_enabled is not true";
      if (attrs.transit_encryption_mode === "preferred") return 'transit_encryption_mode is "preferred"';
      return undefined;
    },
  },
  {
    id: "SKY-CACHE-003",
    severity: "error",
    description: "ElastiCache clients must authenticate (AUTH token or RBAC user group).",
    why: "Without authentication anything that can reach the port can read and overwrite every key.",
    fix: "Set `auth_token` from Secrets Manager, or `user_group_ids` for RBAC.",
    resourceTypes: CACHE,
    mappings: { checkov: "CKV_AWS_31", cdkNag: "AwsSolutions-AEC6" },
    check: ({ attrs }) =>
      isSet(attrs.auth_token) || isSet(attrs.user_group_ids)
        ? undefined
        : "neither auth_token nor user_group_ids is set",
  },
  {
    id: "SKY-CACHE-004",
    severity: "warning",
    description: "ElastiCache runs Multi-AZ with automatic failover.",
    why: "A single-node or single-AZ cache loses every key and its endpoint with one node or AZ failure.",
    fix: "Set `automatic_failover_enabled = true`, `multi_az_enabled = true` and at least 2 cache clusters.",
    resourceTypes: CACHE,
    mappings: { cdkNag: "AwsSolutions-AEC4" },
    check: ({ attrs }) =>
      isTrue(attrs.automatic_failover_enabled) && isTrue(attrs.multi_az_enabled)
        ? undefined
        : "automatic_failover_enabled and multi_az_enabled are not both true",
  },
  {
    id: "SKY-CACHE-005",
    severity: "warning",
    description: "ElastiCache keeps automatic snapshots.",
    why: "A snapshot is the only way to restore cache contents after data corruption or an accidental FLUSHALL.",
    fix: "Set `snapshot_retention_limit` to 1 or more.",
    resourceTypes: CACHE,
    mappings: { checkov: "CKV_AWS_134", trivy: "AVD-AWS-0050" },
    check: ({ attrs }) =>
      toNumber(attrs.snapshot_retention_limit) >= 1 ? undefined : "snapshot_retention_limit is 0 or unset",
  },
  {
    id: "SKY-CACHE-006",
    severity: "error",
    description: "ElastiCache is placed in private subnets of the VPC (a subnet group is set).",
    why: "A cache without an explicit subnet group lands in the default VPC, outside the network the toolkit secures.",
    fix: "Set `subnet_group_name` to an `aws_elasticache_subnet_group` over the private subnets.",
    resourceTypes: CACHE,
    mappings: { cdkNag: "AwsSolutions-AEC1" },
    check: ({ attrs }) => (isSet(attrs.subnet_group_name) ? undefined : "subnet_group_name is not set"),
  },
];

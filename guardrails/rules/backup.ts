import {
  block,
  blocks,
  isExpression,
  isSet,
  toNumber,
  type Attrs,
  type TerraformResourceView,
} from "../model";
import type { Rule, StackModel } from "./rule-kit";

/** Region of a copy destination, or undefined when it cannot be known at synth (another stack, a variable). */
function destinationRegion(destination: unknown, stack: StackModel): string | undefined {
  if (typeof destination !== "string") return undefined;
  if (!isExpression(destination)) return destination.split(":")[3];
  return stack.referencedBy(destination, "aws_backup_vault")[0]?.region;
}

function copyProblems(plan: TerraformResourceView, stack: StackModel): string[] {
  return blocks(plan.attrs.rule).flatMap((rule: Attrs) => {
    const name = String(rule.rule_name ?? "?");
    const copies = blocks(rule.copy_action);
    if (copies.length === 0) return [`rule "${name}" has no copy_action`];
    const crossRegion = copies.some((c) => {
      const region = destinationRegion(c.destination_vault_arn, stack);
      return (
        isSet(c.destination_vault_arn) &&
        (region === undefined || plan.region === undefined || region !== plan.region)
      );
    });
    return crossRegion ? [] : [`rule "${name}" copies only within ${plan.region ?? "its own region"}`];
  });
}

export const backupRules: Rule[] = [
  {
    id: "SKY-BACKUP-001",
    severity: "error",
    description: "Backup vaults are encrypted with a customer-managed KMS key.",
    why: "Recovery points are only as safe as the key that encrypts them; a customer key can be kept out of reach of the workload account's admins.",
    fix: "Set `kms_key_arn` on the `aws_backup_vault`.",
    resourceTypes: ["aws_backup_vault"],
    mappings: { checkov: "CKV_AWS_166" },
    check: ({ attrs }) => (isSet(attrs.kms_key_arn) ? undefined : "kms_key_arn is not set"),
  },
  {
    id: "SKY-BACKUP-002",
    severity: "error",
    description: "Every backup plan rule copies its recovery points to a vault in another region.",
    why: "A regional outage or a compromised region takes its local recovery points with it; only a cross-region copy survives.",
    fix: "Add a `copy_action` with `destination_vault_arn` pointing at a vault created by the other region's provider.",
    resourceTypes: ["aws_backup_plan"],
    mappings: {},
    check: (plan, { stack }) => copyProblems(plan, stack),
  },
  {
    id: "SKY-BACKUP-003",
    severity: "warning",
    description: "Backup plan rules set a retention of at least 7 days.",
    why: "A retention shorter than a week can expire the last good copy before a silent corruption is noticed; an unset one keeps (and bills) recovery points forever.",
    fix: "Set `lifecycle { delete_after = 7 }` or more on each rule (and on each copy_action).",
    resourceTypes: ["aws_backup_plan"],
    mappings: {},
    check: ({ attrs }) =>
      blocks(attrs.rule)
        .filter((rule) => !(toNumber(block(rule.lifecycle).delete_after) >= 7))
        .map((rule) => `rule "${String(rule.rule_name ?? "?")}" has lifecycle.delete_after unset or below 7`),
  },
];

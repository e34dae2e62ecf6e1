import { isSet } from "../model";
import type { Rule } from "./rule-kit";

export const secretsManagerRules: Rule[] = [
  {
    id: "SKY-SM-001",
    severity: "error",
    description: "Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    why: "The default aws/secretsmanager key cannot be shared across accounts or replicated regions, nor scoped by key policy.",
    fix: "Set `kms_key_id` on the `aws_secretsmanager_secret` (and on each `replica`).",
    resourceTypes: ["aws_secretsmanager_secret"],
    mappings: { checkov: "CKV_AWS_149" },
    check: ({ attrs }) => (isSet(attrs.kms_key_id) ? undefined : "kms_key_id is not set"),
  },
  {
    id: "SKY-SM-002",
    severity: "warning",
    description: "Secrets Manager secrets rotate automatically.",
    why: "A credential that never rotates stays valid forever once leaked.",
    fix: "Add an `aws_secretsmanager_secret_rotation` for the secret, or use RDS-managed master passwords (`manage_master_user_password`).",
    resourceTypes: ["aws_secretsmanager_secret"],
    mappings: { checkov: "CKV2_AWS_57", cdkNag: "AwsSolutions-SMG4" },
    check: (secret, { stack }) =>
      stack
        .referrers(secret, "aws_secretsmanager_secret_rotation")
        .some((r) => stack.references(r.attrs.secret_id, secret))
        ? undefined
        : "no aws_secretsmanager_secret_rotation for this secret",
  },
];

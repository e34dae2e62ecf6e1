import { isSet, toNumber } from "../model";
import type { Rule } from "./rule-kit";

const LOG_GROUP = ["aws_cloudwatch_log_group"];

export const logRules: Rule[] = [
  {
    id: "SKY-LOG-001",
    severity: "error",
    description: "CloudWatch log groups are encrypted with a customer-managed KMS key.",
    why: "Application and flow logs can contain personal data and tokens; a customer key controls who can read them.",
    fix: "Set `kms_key_id` on the `aws_cloudwatch_log_group` (the key policy must allow logs.<region>.amazonaws.com).",
    resourceTypes: LOG_GROUP,
    mappings: { checkov: "CKV_AWS_158", trivy: "AVD-AWS-0017" },
    check: ({ attrs }) => (isSet(attrs.kms_key_id) ? undefined : "kms_key_id is not set"),
  },
  {
    id: "SKY-LOG-002",
    severity: "error",
    description: "CloudWatch log groups have a retention period.",
    why: "Without retention, logs are kept (and billed) forever; an explicit period is also what auditors ask for.",
    fix: "Set `retention_in_days` (e.g. 30 in staging, 365 in production).",
    resourceTypes: LOG_GROUP,
    mappings: { checkov: "CKV_AWS_66" },
    check: ({ attrs }) =>
      toNumber(attrs.retention_in_days) > 0 ? undefined : "retention_in_days is unset or 0 (never expire)",
  },
];

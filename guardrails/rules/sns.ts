import { isSet } from "../model";
import type { Rule } from "./rule-kit";

export const snsRules: Rule[] = [
  {
    id: "SKY-SNS-001",
    severity: "error",
    description: "SNS topics are encrypted with a customer-managed KMS key.",
    why: "Alarm notifications carry resource names and error text; the AWS-managed key cannot be shared with CloudWatch alarms or other accounts.",
    fix: "Set `kms_master_key_id` to a customer KMS key (not alias/aws/sns) whose policy allows cloudwatch.amazonaws.com.",
    resourceTypes: ["aws_sns_topic"],
    mappings: { checkov: "CKV_AWS_26", trivy: "AVD-AWS-0136", cdkNag: "AwsSolutions-SNS2" },
    check: ({ attrs }) => {
      if (!isSet(attrs.kms_master_key_id)) return "kms_master_key_id is not set";
      if (String(attrs.kms_master_key_id).includes("alias/aws/"))
        return "kms_master_key_id is an AWS-managed key";
      return undefined;
    },
  },
];

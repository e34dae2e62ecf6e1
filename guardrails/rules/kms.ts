import { isTrue } from "../model";
import type { Rule } from "./rule-kit";

export const kmsRules: Rule[] = [
  {
    id: "SKY-KMS-001",
    severity: "error",
    description: "Customer-managed KMS keys rotate automatically.",
    why: "Automatic rotation limits how much data one key version protects, without re-encrypting anything.",
    fix: "Set `enable_key_rotation = true` on the `aws_kms_key`.",
    resourceTypes: ["aws_kms_key"],
    mappings: { checkov: "CKV_AWS_7", trivy: "AVD-AWS-0065", cdkNag: "AwsSolutions-KMS5" },
    // Rotation is not supported for asymmetric and HMAC keys.
    check: ({ attrs }) =>
      (attrs.customer_master_key_spec ?? "SYMMETRIC_DEFAULT") !== "SYMMETRIC_DEFAULT" ||
      isTrue(attrs.enable_key_rotation)
        ? undefined
        : "enable_key_rotation is not true",
  },
];

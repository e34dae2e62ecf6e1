import { block, blocks, isSet, isTrue, type TerraformResourceView } from "../model";
import { deniesInsecureTransport, type Rule, type StackModel } from "./rule-kit";

const BUCKET = ["aws_s3_bucket"];

/** Companion resources (`aws_s3_bucket_<x>`) whose `bucket` argument points at this bucket. */
function companions(bucket: TerraformResourceView, stack: StackModel, type: string): TerraformResourceView[] {
  return stack.referrers(bucket, type).filter((c) => stack.references(c.attrs.bucket, bucket));
}

function encryptionDefaults(bucket: TerraformResourceView, stack: StackModel) {
  return companions(bucket, stack, "aws_s3_bucket_server_side_encryption_configuration").flatMap((c) =>
    blocks(c.attrs.rule).map((r) => block(r.apply_server_side_encryption_by_default)),
  );
}

export const s3Rules: Rule[] = [
  {
    id: "SKY-S3-001",
    severity: "error",
    description: "S3 buckets block all public access.",
    why: "One public ACL or bucket policy exposes every object; the public access block overrides both.",
    fix: "Add an `aws_s3_bucket_public_access_block` for the bucket with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true.",
    resourceTypes: BUCKET,
    mappings: { checkov: "CKV2_AWS_6", trivy: "AVD-AWS-0094", cdkNag: "AwsSolutions-S2" },
    check: (bucket, { stack }) => {
      const flags = [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
      ];
      const complete = companions(bucket, stack, "aws_s3_bucket_public_access_block").some((pab) =>
        flags.every((f) => isTrue(pab.attrs[f])),
      );
      return complete ? undefined : "no aws_s3_bucket_public_access_block with all four flags true";
    },
  },
  {
    id: "SKY-S3-002",
    severity: "error",
    description: "S3 buckets have versioning enabled.",
    why: "Versioning keeps overwritten and deleted objects recoverable (and is required for replication).",
    fix: 'Add an `aws_s3_bucket_versioning` for the bucket with `versioning_configuration { status = "Enabled" }`.',
    resourceTypes: BUCKET,
    mappings: { checkov: "CKV_AWS_21", trivy: "AVD-AWS-0090" },
    check: (bucket, { stack }) =>
      companions(bucket, stack, "aws_s3_bucket_versioning").some(
        (v) => block(v.attrs.versioning_configuration).status === "Enabled",
      )
        ? undefined
        : 'no aws_s3_bucket_versioning with status "Enabled"',
  },
  {
    id: "SKY-S3-003",
    severity: "error",
    description: "S3 buckets have a default server-side encryption configuration.",
    why: "An explicit configuration documents the encryption in code and stops a console change from weakening it silently.",
    fix: "Add an `aws_s3_bucket_server_side_encryption_configuration` for the bucket (aws:kms with a customer key where the writer supports it).",
    resourceTypes: BUCKET,
    mappings: { checkov: "CKV_AWS_19", trivy: "AVD-AWS-0088" },
    check: (bucket, { stack }) =>
      encryptionDefaults(bucket, stack).some((d) => isSet(d.sse_algorithm))
        ? undefined
        : "no aws_s3_bucket_server_side_encryption_configuration with an sse_algorithm",
  },
  {
    id: "SKY-S3-004",
    severity: "warning",
    description: "S3 buckets are encrypted with a customer-managed KMS key.",
    why: "A customer key lets you restrict and audit decryption separately from bucket access. ALB access-log buckets only support SSE-S3 and need a suppression.",
    fix: 'Set `sse_algorithm = "aws:kms"` (or aws:kms:dsse) and `kms_master_key_id` to a customer key in the encryption configuration.',
    resourceTypes: BUCKET,
    mappings: { checkov: "CKV_AWS_145", trivy: "AVD-AWS-0132" },
    check: (bucket, { stack }) =>
      encryptionDefaults(bucket, stack).some(
        (d) => String(d.sse_algorithm ?? "").startsWith("aws:kms") && isSet(d.kms_master_key_id),
      )
        ? undefined
        : "default encryption is not aws:kms with kms_master_key_id",
  },
  {
    id: "SKY-S3-005",
    severity: "warning",
    description: "S3 buckets have server access logging.",
    why: "Access logs are the record of who read or deleted objects. A bucket that is itself a log destination needs a suppression.",
    fix: "Add an `aws_s3_bucket_logging` for the bucket with a `target_bucket`.",
    resourceTypes: BUCKET,
    mappings: { checkov: "CKV_AWS_18", trivy: "AVD-AWS-0089", cdkNag: "AwsSolutions-S1" },
    check: (bucket, { stack }) =>
      companions(bucket, stack, "aws_s3_bucket_logging").some((l) => isSet(l.attrs.target_bucket))
        ? undefined
        : "no aws_s3_bucket_logging",
  },
  {
    id: "SKY-S3-006",
    severity: "error",
    description: "S3 bucket policies deny requests that do not use TLS.",
    why: "S3 still accepts plain-HTTP requests unless the bucket policy refuses them; TLS everywhere includes storage.",
    fix: 'Add an `aws_s3_bucket_policy` with a Deny statement on `"aws:SecureTransport": "false"` for the bucket and its objects.',
    resourceTypes: BUCKET,
    mappings: { cdkNag: "AwsSolutions-S10" },
    check: (bucket, { stack }) =>
      deniesInsecureTransport(companions(bucket, stack, "aws_s3_bucket_policy"), stack)
        ? undefined
        : "no bucket policy denies aws:SecureTransport = false",
  },
];

import type { TerraformStack } from "../../../engine";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { Fn } from "../../../engine";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { key } from "../fixtures";

type Part = "publicAccessBlock" | "versioning" | "encryption" | "kms" | "logging" | "tlsPolicy";

/** A bucket with every companion resource, minus the ones listed in `without`. */
function bucket(stack: TerraformStack, without: Part[] = [], blockAll = true): S3Bucket {
  const b = new S3Bucket(stack, "bucket", { bucket: "app-assets" });
  if (!without.includes("publicAccessBlock")) {
    new S3BucketPublicAccessBlock(stack, "pab", {
      bucket: b.id,
      blockPublicAcls: true,
      blockPublicPolicy: blockAll,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  }
  if (!without.includes("versioning")) {
    new S3BucketVersioningA(stack, "versioning", {
      bucket: b.id,
      versioningConfiguration: { status: "Enabled" },
    });
  }
  if (!without.includes("encryption")) {
    const kms = !without.includes("kms");
    new S3BucketServerSideEncryptionConfigurationA(stack, "sse", {
      bucket: b.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: kms
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: key(stack).arn }
            : { sseAlgorithm: "AES256" },
        },
      ],
    });
  }
  if (!without.includes("logging")) {
    new S3BucketLoggingA(stack, "logging", {
      bucket: b.id,
      targetBucket: "access-logs",
      targetPrefix: "assets/",
    });
  }
  if (!without.includes("tlsPolicy")) {
    new S3BucketPolicy(stack, "policy", {
      bucket: b.id,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [b.arn, `${b.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
  }
  return b;
}

ruleCase("SKY-S3-001", {
  pass: (stack) => bucket(stack),
  fail: (stack) => bucket(stack, ["publicAccessBlock"]),
});

describe("SKY-S3-001 partial block", () => {
  it("flags a public access block that leaves one flag off", () => {
    const { stack } = newStack();
    bucket(stack, [], false);
    expect(findingsOf(stack, "SKY-S3-001")).toHaveLength(1);
  });
  it("does not count a companion resource of another bucket", () => {
    const { stack } = newStack();
    bucket(stack);
    const other = new S3Bucket(stack, "other", { bucket: "other" });
    expect(findingsOf(stack, "SKY-S3-001").map((f) => f.constructPath)).toEqual([other.node.path]);
  });
});

ruleCase("SKY-S3-002", {
  pass: (stack) => bucket(stack),
  fail: (stack) => bucket(stack, ["versioning"]),
});

ruleCase("SKY-S3-003", {
  pass: (stack) => bucket(stack, ["kms"]),
  fail: (stack) => bucket(stack, ["encryption"]),
});

ruleCase("SKY-S3-004", {
  pass: (stack) => bucket(stack),
  fail: (stack) => bucket(stack, ["kms"]),
});

ruleCase("SKY-S3-005", {
  pass: (stack) => bucket(stack),
  fail: (stack) => bucket(stack, ["logging"]),
});

ruleCase("SKY-S3-006", {
  pass: (stack) => bucket(stack),
  fail: (stack) => bucket(stack, ["tlsPolicy"]),
});

describe("SKY-S3-006 policy documents", () => {
  it("reads the deny from a referenced aws_iam_policy_document", () => {
    const { stack } = newStack();
    const b = bucket(stack, ["tlsPolicy"]);
    const document = new DataAwsIamPolicyDocument(stack, "tls-only", {
      statement: [
        {
          effect: "Deny",
          actions: ["s3:*"],
          resources: [b.arn],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new S3BucketPolicy(stack, "policy", { bucket: b.id, policy: document.json });
    expect(findingsOf(stack, "SKY-S3-006")).toEqual([]);
  });

  it("flags a policy that only allows", () => {
    const { stack } = newStack();
    const b = bucket(stack, ["tlsPolicy"]);
    new S3BucketPolicy(stack, "policy", {
      bucket: b.id,
      policy: JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: "*",
          },
        ],
      }),
    });
    expect(findingsOf(stack, "SKY-S3-006")).toHaveLength(1);
  });
});

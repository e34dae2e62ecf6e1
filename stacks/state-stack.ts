import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import type { Construct } from "constructs";
import { Guardrails } from "../guardrails";
import { EncryptionKey } from "../constructs/encryption-key/encryption-key";
import { PrivateBucket } from "../constructs/private-bucket/private-bucket";
import type { EnvironmentConfig } from "./config/schema";
import { regionInfo } from "./config/regions";
import { defaultTags, SkylineStack } from "./skyline-stack";
import { stateStackName } from "./naming";
import { serviceTrustPolicy } from "../constructs/iam/assume-role";

/**
 * Where the state stack keeps its own state: `terraform.tfstate` in the folder Terraform runs in
 * (`cdktf.out/stacks/<stack>/`). Relative on purpose: cdktf's default is an absolute path of the
 * machine that ran synth, which breaks on any other machine (CI, a colleague, a DR workstation).
 */
export const STATE_STACK_STATE_FILE = "terraform.tfstate";

/**
 * First-time bootstrap: the S3 bucket every other stack keeps its state in, KMS-encrypted and
 * versioned, replicated to the first DR region when there is one. Its own state is local (the
 * bucket does not exist before its first apply) at a path relative to the stack folder; after the
 * first apply it is copied into the bucket it created (docs/operations.md, "First-time bootstrap").
 */
export class StateStack extends SkylineStack {
  readonly bucket: PrivateBucket;
  readonly bucketName: string;
  readonly replica?: PrivateBucket;
  /** The replica bucket and its region (the first DR region), when there is one. */
  readonly replicaLocation?: { readonly bucket: string; readonly region: string };

  constructor(scope: Construct, config: EnvironmentConfig) {
    const region = config.stateBackend.region;
    super(scope, stateStackName(config), { config, region, localState: true });
    // cdktf adds a local backend at an absolute path when a stack has none; pin a portable one.
    this.addOverride("terraform.backend.local.path", STATE_STACK_STATE_FILE);
    const bucketName = config.stateBackend.bucket;
    this.bucketName = bucketName;
    const key = new EncryptionKey(this, "state-key", {
      name: `${bucketName}`,
      description: `Terraform state of ${config.app} ${config.environment}`,
    });
    this.bucket = new PrivateBucket(this, "state-bucket", {
      name: bucketName,
      kmsKeyArn: key.arn,
      noncurrentVersionExpireDays: 365,
    });

    const stateAuditReason =
      "Terraform state access is audited with CloudTrail; server access logs would need a log bucket outside this bootstrap";
    Guardrails.suppress(this.bucket.bucket, "SKY-S3-005", stateAuditReason);

    const replicaRegion = config.drRegions.find((r) => r !== region);
    if (!replicaRegion) return;
    const replicaProvider = new AwsProvider(this, "aws-replica", {
      alias: "replica",
      region: replicaRegion,
      allowedAccountIds: [...config.accountIds],
      defaultTags: [{ tags: defaultTags(config) }],
    });
    const replicaKey = new EncryptionKey(this, "replica-key", {
      name: `${bucketName}-replica`,
      description: `Replica of the Terraform state of ${config.app} ${config.environment}`,
      provider: replicaProvider,
    });
    const replicaName = `${bucketName}-${regionInfo(replicaRegion).code}`;
    this.replicaLocation = { bucket: replicaName, region: replicaRegion };
    this.replica = new PrivateBucket(this, "state-replica", {
      name: replicaName,
      kmsKeyArn: replicaKey.arn,
      noncurrentVersionExpireDays: 365,
      provider: replicaProvider,
    });
    Guardrails.suppress(this.replica.bucket, "SKY-S3-005", stateAuditReason);
    const role = new IamRole(this, "replication-role", {
      name: `${bucketName}-replication`.slice(0, 64),
      assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com"),
    });
    new IamRolePolicy(this, "replication-policy", {
      role: role.id,
      name: "replicate-state",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resource: this.bucket.arn,
          },
          {
            Effect: "Allow",
            Action: [
              "s3:GetObjectVersionForReplication",
              "s3:GetObjectVersionAcl",
              "s3:GetObjectVersionTagging",
            ],
            Resource: `${this.bucket.arn}/*`,
          },
          {
            Effect: "Allow",
            Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            Resource: `${this.replica.arn}/*`,
          },
          { Effect: "Allow", Action: "kms:Decrypt", Resource: key.arn },
          { Effect: "Allow", Action: "kms:Encrypt", Resource: replicaKey.arn },
        ],
      }),
    });
    new S3BucketReplicationConfigurationA(this, "replication", {
      bucket: this.bucket.bucket.id,
      role: role.arn,
      rule: [
        {
          id: "state-to-dr-region",
          status: "Enabled",
          filter: { prefix: "" },
          deleteMarkerReplication: { status: "Enabled" },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: this.replica.arn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: replicaKey.arn },
          },
        },
      ],
      dependsOn: [this.bucket.versioning, this.replica.versioning],
    });
  }
}

import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketReplicationConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-replication-configuration";
import type { Construct } from "constructs";
import { Guardrails } from "../constructs/guardrails";
import { EncryptionKey } from "../constructs/encryption-key/encryption-key";
import { PrivateBucket } from "../constructs/private-bucket/private-bucket";
import type { EnvironmentConfig } from "./config/schema";
import { regionInfo } from "./config/regions";
import { defaultTags, SkylineStack } from "./skyline-stack";
import { stateStackName } from "./naming";
import { serviceTrustPolicy } from "../constructs/iam/assume-role";

/**
 * First-time bootstrap: the S3 bucket every other stack keeps its state in, KMS-encrypted and
 * versioned, replicated to the first DR region when there is one. Its own state is local: apply
 * it once from a workstation (README, "First-time set-up"), then keep its terraform.tfstate safe
 * or migrate it into the bucket it created.
 */
export class StateStack extends SkylineStack {
  readonly bucket: PrivateBucket;
  readonly replica?: PrivateBucket;

  constructor(scope: Construct, config: EnvironmentConfig) {
    const region = config.stateBackend.region;
    super(scope, stateStackName(config), { config, region, localState: true });
    const bucketName = config.stateBackend.bucket;
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

import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA as S3BucketEncryption } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA as S3BucketVersioning } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Lazy, type TerraformProvider } from "../../engine";
import { Construct } from "constructs";

export interface PrivateBucketProps {
  /** Globally unique bucket name. */
  readonly name: string;
  /**
   * Customer KMS key for default encryption. Leave unset only where AWS requires S3-managed
   * keys: ALB access logs cannot be delivered to an SSE-KMS bucket.
   * @default S3-managed keys (SSE-S3)
   */
  readonly kmsKeyArn?: string;
  /** Delete current objects after this many days. @default never */
  readonly expireAfterDays?: number;
  /** Delete non-current versions after this many days. @default 90 */
  readonly noncurrentVersionExpireDays?: number;
  /** Extra bucket-policy statements (e.g. log delivery). @default none */
  readonly policyStatements?: readonly object[];
  /** Provider for a bucket in another region. @default the stack's provider */
  readonly provider?: TerraformProvider;
}

/**
 * An S3 bucket nobody can make public: public access blocked, ACLs disabled, versioned,
 * encrypted by default, TLS-only by policy, old versions expired.
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioning;
  readonly policy: S3BucketPolicy;
  private readonly statements: object[];
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const provider = props.provider;
    this.bucket = new S3Bucket(this, "bucket", { provider, bucket: props.name, forceDestroy: false });
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;

    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    this.versioning = new S3BucketVersioning(this, "versioning", {
      provider,
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketEncryption(this, "encryption", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: Boolean(props.kmsKeyArn),
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      provider,
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-versions",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpireDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          ...(props.expireAfterDays ? { expiration: [{ days: props.expireAfterDays }] } : {}),
        },
      ],
    });
    const tlsOnly = {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    this.statements = [tlsOnly, ...(props.policyStatements ?? [])];
    this.policy = new S3BucketPolicy(this, "policy", {
      provider,
      bucket: this.bucket.id,
      // Rendered at synth, so statements added after construction are included.
      policy: Lazy.stringValue({
        produce: () => JSON.stringify({ Version: "2012-10-17", Statement: this.statements }),
      }),
      // A policy put before the public-access block exists can be refused as "public".
      dependsOn: [publicAccess],
    });
  }

  /** Adds a bucket-policy statement, e.g. one that names a resource created after the bucket. */
  addPolicyStatement(statement: object): void {
    this.statements.push(statement);
  }
}

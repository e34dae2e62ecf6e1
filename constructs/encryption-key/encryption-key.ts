import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { TerraformProvider } from "../../engine";
import { Construct } from "constructs";

export interface ServiceKeyUser {
  /** Service principal, e.g. `logs.us-east-1.amazonaws.com`. */
  readonly principal: string;
  /** Extra condition block scoping the grant (e.g. the log-group encryption context). */
  readonly condition?: Record<string, Record<string, string | string[]>>;
}

export interface EncryptionKeyProps {
  /** Alias without `alias/`, e.g. `skyline-production-use1-logs`. */
  readonly name: string;
  readonly description: string;
  /** AWS services that encrypt with this key on the account's behalf. @default none */
  readonly serviceUsers?: readonly ServiceKeyUser[];
  /** Days before a scheduled deletion takes effect. @default 30 (the maximum) */
  readonly deletionWindowDays?: number;
  /** Provider for a key in another region. @default the stack's provider */
  readonly provider?: TerraformProvider;
}

/**
 * A customer-managed KMS key with yearly rotation and an alias. The key policy keeps the account
 * root as administrator (so IAM policies decide who uses it) and grants only the named services.
 */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account", { provider: props.provider });
    const statements: object[] = [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      ...(props.serviceUsers ?? []).map((user, i) => ({
        Sid: `ServiceUse${i}`,
        Effect: "Allow",
        Principal: { Service: user.principal },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        ...(user.condition ? { Condition: user.condition } : {}),
      })),
    ];
    this.key = new KmsKey(this, "key", {
      provider: props.provider,
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    this.alias = new KmsAlias(this, "alias", {
      provider: props.provider,
      name: `alias/${props.name}`,
      targetKeyId: this.key.keyId,
    });
    this.arn = this.key.arn;
  }
}

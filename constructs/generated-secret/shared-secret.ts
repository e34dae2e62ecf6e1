import { DataAwsSecretsmanagerSecret } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret";
import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import type { Construct } from "constructs";
import { GeneratedSecret } from "./generated-secret";

export interface SharedSecretProps {
  /** Secret name, the same in every region. */
  readonly name: string;
  readonly description: string;
  /** True in the region that creates the secret; the others read their replica. */
  readonly owner: boolean;
  /** Customer key of the owning region. */
  readonly kmsKeyArn: string;
  /** Regions the owner replicates the secret to. */
  readonly replicaRegions: readonly string[];
  /** Length of the generated value. @default 48 */
  readonly length?: number;
}

/** A secret every region of an environment uses, as one region sees it. */
export interface SharedSecret {
  /** The secret's name, the same in every region. */
  readonly name: string;
  readonly arn: string;
  /** Reference to the value (never a literal), for resources that need it. */
  readonly value: string;
  /** The customer key, in the owning region; replicas use the region's AWS-managed key. */
  readonly kmsKeyArn?: string;
}

/**
 * One generated secret shared by the regions of an environment: the owning (primary) region
 * creates and replicates it; every other region reads its replica by name, which exists once the
 * owning region is applied. Construct ids are `id` (and `<id>-current` for the replica's version).
 */
export function sharedSecret(scope: Construct, id: string, props: SharedSecretProps): SharedSecret {
  if (props.owner) {
    const secret = new GeneratedSecret(scope, id, {
      name: props.name,
      description: props.description,
      kmsKeyArn: props.kmsKeyArn,
      length: props.length,
      replicaRegions: props.replicaRegions,
    });
    return {
      name: props.name,
      arn: secret.arn,
      value: secret.version.secretString,
      kmsKeyArn: props.kmsKeyArn,
    };
  }
  return secretReplica(scope, id, props.name);
}

/** This region's replica of a secret another region owns, read by name. */
export function secretReplica(scope: Construct, id: string, name: string): SharedSecret {
  const secret = new DataAwsSecretsmanagerSecret(scope, id, { name });
  const version = new DataAwsSecretsmanagerSecretVersion(scope, `${id}-current`, { secretId: secret.arn });
  return { name, arn: secret.arn, value: version.secretString };
}

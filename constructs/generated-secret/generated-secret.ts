import { DataAwsSecretsmanagerRandomPassword } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Construct } from "constructs";
import { Guardrails } from "../../guardrails";

export interface GeneratedSecretProps {
  /** Secret name, e.g. `skyline-production-use1-jwt`. */
  readonly name: string;
  readonly description: string;
  /** Customer KMS key that encrypts the secret. */
  readonly kmsKeyArn: string;
  /** Length of the generated value. @default 48 */
  readonly length?: number;
  /** Regions to replicate the secret to (same name there, that region's default key). @default none */
  readonly replicaRegions?: readonly string[];
  /** Days a deleted secret can still be restored. @default 30 */
  readonly recoveryWindowDays?: number;
}

/**
 * A Secrets Manager secret whose value AWS generates at the first apply. The value never appears
 * in the synthesized JSON; later plans keep it (`ignore_changes`) until someone rotates it.
 */
export class GeneratedSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly version: SecretsmanagerSecretVersion;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    // Alphanumeric only: the value travels in HTTP headers and connection strings.
    const generated = new DataAwsSecretsmanagerRandomPassword(this, "value", {
      passwordLength: props.length ?? 48,
      excludePunctuation: true,
      includeSpace: false,
    });
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.recoveryWindowDays ?? 30,
      replica: (props.replicaRegions ?? []).map((region) => ({ region })),
    });
    this.version = new SecretsmanagerSecretVersion(this, "version", {
      secretId: this.secret.id,
      secretString: generated.randomPassword,
      lifecycle: { ignoreChanges: ["secret_string"] },
    });
    this.arn = this.secret.arn;
    Guardrails.suppress(
      this.secret,
      "SKY-SM-002",
      "A shared generated value (origin header, JWT key, cache token): every consumer must change together, so it is rotated by the documented procedure, not by a rotation Lambda",
    );
  }
}

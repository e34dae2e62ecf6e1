import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn } from "../../engine";
import { Construct } from "constructs";
import { Guardrails } from "../../guardrails";

export interface ConnectionSecretProps {
  /** Secret name, e.g. `skyline-production-db-connection`. */
  readonly name: string;
  /** Customer KMS key of the secret in its own region. */
  readonly kmsKeyArn: string;
  /** References to the writer's attributes (never literals). */
  readonly username: string;
  readonly databaseName: string;
  /** Regions that get a replica of the secret (same name there). @default none */
  readonly replicaRegions?: readonly string[];
}

/**
 * The writer's connection settings without its password (`username`, `dbname`), replicated to
 * the DR regions. The RDS-managed master secret stays in the writer's region, so a DR task reads
 * its `DB_USER` from this secret's replica in its own region. Values are Terraform references.
 */
export class ConnectionSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ConnectionSecretProps) {
    super(scope, id);
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: props.name,
      description: "Database user and name of the primary writer (no password: clients use IAM auth)",
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: 30,
      replica: (props.replicaRegions ?? []).map((region) => ({ region })),
    });
    new SecretsmanagerSecretVersion(this, "version", {
      secretId: this.secret.id,
      secretString: Fn.jsonencode({ username: props.username, dbname: props.databaseName }),
    });
    this.arn = this.secret.arn;
    Guardrails.suppress(
      this.secret,
      "SKY-SM-002",
      "Holds the user and database names only; there is no password here to rotate (IAM auth)",
    );
  }
}

import { DbInstanceAutomatedBackupsReplication } from "@cdktf/provider-aws/lib/db-instance-automated-backups-replication";
import { Token } from "../../engine";
import { Construct } from "constructs";

export interface BackupReplicationProps {
  /** ARN of the source DB instance in the primary region (built from the config, known before apply). */
  readonly sourceDbInstanceArn: string;
  /** Customer KMS key in THIS (the destination) region that encrypts the replicated backups. */
  readonly kmsKeyArn: string;
  /** Days the replicated backups are kept. @default 7 */
  readonly retentionDays?: number;
}

/**
 * Copies a writer's automated backups (snapshots and transaction logs) into this stack's region,
 * so point-in-time restore still works when the primary region is gone. It belongs in the
 * destination region's stack; the source must exist first (apply the primary region first).
 */
export class BackupReplication extends Construct {
  readonly replication: DbInstanceAutomatedBackupsReplication;

  constructor(scope: Construct, id: string, props: BackupReplicationProps) {
    super(scope, id);
    const retention = props.retentionDays ?? 7;
    if (!Token.isUnresolved(retention) && (retention < 1 || retention > 35)) {
      throw new Error(`BackupReplication: retentionDays must be 1 to 35; got ${retention}`);
    }
    this.replication = new DbInstanceAutomatedBackupsReplication(this, "replication", {
      sourceDbInstanceArn: props.sourceDbInstanceArn,
      kmsKeyId: props.kmsKeyArn,
      retentionPeriod: retention,
    });
  }
}

/**
 * The one table that says how each AWS operation may be retried. awsSend() (aws-call.ts) looks the
 * operation up here; no command chooses its own retries.
 *
 * - `read`: Describe/Get/List. Retried on throttling, 5xx and dropped connections, with back-off.
 * - `idempotent`: a mutation that sets an absolute value (the same request twice has the effect of
 *   one), e.g. RegisterScalableTarget min/max. Retried like a read.
 * - `token`: idempotent only when the request carries the service's client token (`tokenField`).
 *   Retried like a read when the token is set; without it the call is treated as `once`.
 * - `once`: not idempotent. Retried only when AWS certainly did not act on it (throttling, or a
 *   connection that never opened). After a 5xx, a dropped connection or a timeout the call is NOT
 *   sent again (a second TestFailover or PromoteReadReplica can start a second failover): the
 *   caller re-reads the resource to learn whether the first call took effect.
 *
 * An operation missing from the table is a read when its name starts with Describe/Get/List and
 * `once` otherwise, so a new mutating call is never retried by accident.
 */

export type CallKind = "read" | "idempotent" | "token" | "once";

export interface OperationPolicy {
  readonly kind: CallKind;
  /** For `token`: the input field that carries the client token (e.g. `IdempotencyToken`). */
  readonly tokenField?: string;
  /** Why it is classified so (shown in docs/cli.md and by tests). */
  readonly why: string;
}

const once = (why: string): OperationPolicy => ({ kind: "once", why });
const idempotent = (why: string): OperationPolicy => ({ kind: "idempotent", why });
const token = (tokenField: string, why: string): OperationPolicy => ({ kind: "token", tokenField, why });

/** Mutating operations skyline sends (or the failover commands will), by SDK operation name. */
export const OPERATION_POLICIES: Readonly<Record<string, OperationPolicy>> = {
  // RDS
  PromoteReadReplica: once("a second promotion request can act on the instance again"),
  PromoteReadReplicaDBCluster: once("a second promotion request can act on the cluster again"),
  FailoverDBCluster: once("a second call starts a second failover"),
  FailoverGlobalCluster: once("a second call starts a second failover"),
  SwitchoverGlobalCluster: once("a second call starts a second switchover"),
  RebootDBInstance: once("ForceFailover: a second reboot is a second failover"),
  ModifyDBInstance: once("a second modification can be queued behind the first"),
  CreateDBSnapshot: once("no client token; the snapshot name makes a repeat fail, re-read instead"),
  CopyDBSnapshot: once("no client token; re-read the destination instead"),
  DeleteDBSnapshot: once("re-read: a deleted snapshot is gone or deleting"),
  CreateDBInstanceReadReplica: once("no client token; a repeat fails on the name, re-read instead"),
  AddTagsToResource: idempotent("sets absolute tag values"),
  // ElastiCache
  TestFailover: once("a second call starts a second failover"),
  FailoverGlobalReplicationGroup: once("a second call starts a second failover"),
  IncreaseReplicaCount: once("a second call can add replicas again"),
  DecreaseReplicaCount: once("a second call can remove replicas again"),
  ModifyReplicationGroup: once("a second modification can start another node replacement"),
  DisassociateGlobalReplicationGroup: once("re-read: a detached group is no longer a member"),
  // ECS
  UpdateService: once("may carry forceNewDeployment: a repeat starts another deployment"),
  StopServiceDeployment: once(
    "re-read the deployment's status: a repeat after the rollback began is refused",
  ),
  RunTask: token("clientToken", "ECS deduplicates RunTask calls with the same clientToken"),
  CreateService: token("clientToken", "ECS deduplicates CreateService calls with the same clientToken"),
  // Application Auto Scaling
  RegisterScalableTarget: idempotent("sets absolute min/max capacity"),
  // Route 53
  UpdateHealthCheck: idempotent("sets absolute Disabled/Inverted switches"),
  ChangeResourceRecordSets: once("CREATE and DELETE changes fail or differ when repeated"),
  CreateHealthCheck: token("CallerReference", "Route 53 deduplicates by CallerReference"),
  CreateHostedZone: token("CallerReference", "Route 53 deduplicates by CallerReference"),
  // AWS Backup
  StartBackupJob: token("IdempotencyToken", "AWS Backup deduplicates by IdempotencyToken"),
  StartCopyJob: token("IdempotencyToken", "AWS Backup deduplicates by IdempotencyToken"),
  StartRestoreJob: token("IdempotencyToken", "AWS Backup deduplicates by IdempotencyToken"),
  // SQS: a move task moves every message of the dead-letter queue; SQS allows one per queue at a time.
  StartMessageMoveTask: once("a second call starts a second move task, or fails while the first runs"),
  // CloudWatch: the journal's metric is best-effort and must never hold the operation up.
  PutMetricData: once("best-effort journal metric: never retried, never blocks"),
  SetAlarmState: idempotent("sets an absolute alarm state (the traffic switch)"),
  // Secrets Manager
  StopReplicationToReplica: once("re-read: a promoted replica has no primary region"),
  ReplicateSecretToRegions: once("re-read the secret's replication status instead"),
  PutSecretValue: token("ClientRequestToken", "Secrets Manager deduplicates by ClientRequestToken"),
};

const READ_PREFIX = /^(Describe|Get|List)/;

/**
 * The policy of `operation` for this request.
 * @param input the request (a `token` operation is only retry-safe when its token field is set)
 */
export function policyFor(operation: string, input: object = {}): OperationPolicy {
  const known = OPERATION_POLICIES[operation];
  if (!known) {
    return READ_PREFIX.test(operation)
      ? { kind: "read", why: "read-only" }
      : once("not in the policy table: treated as not idempotent");
  }
  if (known.kind === "token") {
    const value = (input as Record<string, unknown>)[known.tokenField as string];
    if (typeof value !== "string" || value === "") {
      return { ...known, kind: "once", why: `${known.tokenField} not set: treated as not idempotent` };
    }
  }
  return known;
}

/** Whether a call of this policy may be sent again after an answer that may have been lost. */
export function retrySafe(policy: OperationPolicy): boolean {
  return policy.kind !== "once";
}

/** Whether the operation changes something (everything but a read); mutating calls are journaled. */
export function isMutating(operation: string): boolean {
  return policyFor(operation).kind !== "read";
}

/** `PromoteReadReplicaCommand` → `PromoteReadReplica`. */
export function operationName(command: object): string {
  return command.constructor.name.replace(/Command$/, "");
}

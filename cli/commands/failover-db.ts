/**
 * `skyline failover db --to <region>`: promote the cross-region replica in <region> to a standalone
 * writer. Refuses unless the replica is available with no pending modifications, its ReplicaLag
 * (max over 5 min, fail closed on missing data) is within the manifest RPO, no alarm in the target
 * region is in ALARM and the target service is healthy. Lag beyond the RPO (or unknown) is accepted
 * only with --accept-data-loss plus the replica id typed.
 */
import { PromoteReadReplicaCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import { dbLabel, describeInstance, isReplica, pendingModifications } from "../core/database";
import { FailedError, UsageError } from "../core/errors";
import {
  alarmsInAlarm,
  kubernetesHealthDetail,
  maxReplicaLagSeconds,
  serviceHealth,
  targetHealth,
} from "../core/health";
import { formatElapsed } from "../core/output";
import { executePlan, type Check } from "../core/plan";
import { waitForChangeThenSettle } from "../core/waiter";

export interface FailoverDbOptions {
  readonly to: string;
  /** @default false */
  readonly acceptDataLoss?: boolean;
  /** @default undefined: prompt for the replica id */
  readonly confirmReplicaId?: string;
}

export async function run(ctx: Context, options: FailoverDbOptions): Promise<void> {
  const manifest = ctx.manifest();
  const target = ctx.regionManifest(options.to, "--to");
  const replica = target.database?.instances.find((i) => i.role === "cross-region-replica");
  if (!replica) {
    throw new UsageError(
      `--to ${options.to} has no cross-region replica in the manifest; choose a region with one ` +
        `(${Object.entries(manifest.regions)
          .filter(([, r]) => r.database?.instances.some((i) => i.role === "cross-region-replica"))
          .map(([name]) => name)
          .join(", ")}).`,
    );
  }
  if (options.confirmReplicaId !== undefined && !options.acceptDataLoss) {
    throw new UsageError("--confirm-replica-id only makes sense with --accept-data-loss.");
  }
  const region = options.to;
  const label = dbLabel(replica.id, region);
  const rpo = manifest.targets.rpoSeconds;

  const instance = await describeInstance(ctx, region, replica.id);
  const pending = pendingModifications(instance);
  const lag = await maxReplicaLagSeconds(ctx, region, replica.id);
  const firing = await alarmsInAlarm(ctx, region, target);
  // On EKS the pods' health is the ALB's view of them (the healthy targets below).
  const service = target.service ? await serviceHealth(ctx, region, target) : undefined;
  const targets = await targetHealth(ctx, region, target);
  const healthyTargets = targets.reduce((n, t) => n + t.healthy, 0);

  const lagOk = lag !== undefined && lag <= rpo;
  const checks: Check[] = [
    {
      name: "replica available",
      ok: instance.DBInstanceStatus === "available" && isReplica(instance),
      detail: `status ${instance.DBInstanceStatus}, ${
        isReplica(instance)
          ? `replicating from ${instance.ReadReplicaSourceDBInstanceIdentifier}`
          : "not a replica"
      }`,
    },
    {
      name: "no pending modifications",
      ok: pending.length === 0,
      detail: pending.length === 0 ? "none" : pending.join(", "),
    },
    {
      name: "replica lag within RPO",
      ok: lagOk,
      detail:
        lag === undefined
          ? `no usable ReplicaLag data in the last 5 minutes (RPO ${rpo} s); failing closed`
          : `max ReplicaLag ${lag} s over 5 minutes (RPO ${rpo} s)`,
      overridable: true,
    },
    {
      name: `no alarm in ALARM in ${region}`,
      ok: firing.length === 0,
      detail: firing.length === 0 ? "none" : firing.join(", "),
    },
    {
      name: `service healthy in ${region}`,
      ok: (service?.healthy ?? true) && healthyTargets > 0,
      detail:
        service && target.service
          ? `${target.service.service} ${service.status} ${service.running}/${service.desired} running, ${healthyTargets} healthy targets`
          : kubernetesHealthDetail(target.kubernetes!, healthyTargets),
    },
  ];

  const plan = {
    command: "failover db",
    action: `Promote ${replica.id} in ${region} to a standalone writer`,
    region,
    target: replica.id,
    impact: [
      `${replica.id} stops replicating from ${replica.sourceId ?? replica.sourceRegion} and becomes writable (irreversible).`,
      `Writes still going to ${replica.sourceRegion} after promotion are lost to ${region}; up to ${
        lag ?? "an unknown number of"
      } s of data is at risk.`,
      "The instance restarts during promotion: a few minutes of read unavailability in this region.",
    ],
    checks,
    steps: [
      `PromoteReadReplica ${replica.id}`,
      "wait for the change (modifying), then available and standalone",
      "verify: available, no replication source",
    ],
  };

  const started = ctx.rt.now();
  await executePlan(
    ctx,
    plan,
    async () => {
      await ctx.call(label, () =>
        ctx.clients.rds(region).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: replica.id })),
      );
      const { state } = await waitForChangeThenSettle<DBInstance>(
        {
          resource: label,
          read: () => describeInstance(ctx, region, replica.id),
          describe: (i) => `${i.DBInstanceStatus}${isReplica(i) ? ", still a replica" : ", standalone"}`,
          changed: (i) => i.DBInstanceStatus !== "available" || !isReplica(i),
          settled: (i) => i.DBInstanceStatus === "available" && !isReplica(i),
          settledText: "available and standalone",
        },
        ctx.waitClock(),
      );
      if (isReplica(state) || state.DBInstanceStatus !== "available") {
        throw new FailedError(
          `${label} did not become a standalone writer; check its events in the RDS console.`,
        );
      }
      const recoveryMs = ctx.rt.now() - started;
      const rtoMs = manifest.targets.rtoMinutes * 60_000;
      const proxy = target.database?.proxy?.name;
      const followUps = [
        `Repoint writers: update ${target.database?.secretName ?? "the database secret"}${
          proxy ? ` and RDS Proxy ${proxy}` : ""
        } to ${replica.id}, and shift DNS: skyline failover dns --to ${region}.`,
        `Fence the old primary ${replica.sourceId ?? ""} in ${replica.sourceRegion}: stop writes to it (scale its service to 0 or make it read-only).`,
        `Rebuild a replica of ${replica.id} in ${replica.sourceRegion} and make the config match: ${manifest.configFields.file} → ${manifest.configFields.primaryRegion} = "${region}".`,
      ];
      return {
        lines: [
          `${replica.id} is a standalone writer (status available, no replication source).`,
          `Measured recovery time ${formatElapsed(recoveryMs)} (RTO ${manifest.targets.rtoMinutes} min${
            recoveryMs > rtoMs ? ", EXCEEDED" : ""
          }).`,
          "Follow-ups:",
          ...followUps.map((f, i) => `  ${i + 1}. ${f}`),
        ],
        data: {
          instance: replica.id,
          region,
          standalone: true,
          status: state.DBInstanceStatus,
          recoveryMs,
          rtoMinutes: manifest.targets.rtoMinutes,
          maxReplicaLagSeconds: lag ?? null,
          followUps,
        },
      };
    },
    {
      overrideAccepted: options.acceptDataLoss === true,
      typed:
        options.acceptDataLoss && !lagOk
          ? {
              reason: `--accept-data-loss: up to ${lag ?? "an unknown amount of"} s of writes may be lost.`,
              expected: replica.id,
              given: options.confirmReplicaId,
              flag: "--confirm-replica-id",
            }
          : undefined,
    },
  );
}

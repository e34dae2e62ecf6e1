/**
 * `skyline failover db --to <region>`: promote the cross-region replica in <region> to a standalone
 * writer. The pre-checks are right during an outage (core/gates.ts): the replica must exist and be
 * available (never overridable); the alarms that say whether <region> can serve and its service
 * health may be overridden during a declared outage (--declare-outage <failed-region>, the region
 * typed to confirm); replica lag beyond the RPO, replication stopped, or no lag data at all (what a
 * replica reports while its source region is unreachable, shown as such) need --accept-data-loss
 * plus the replica id typed. Nothing is sent to a region declared down.
 */
import { PromoteReadReplicaCommand, type DBInstance } from "@aws-sdk/client-rds";
import type { Context } from "../core/context";
import { dbLabel, describeInstance, isReplica, pendingModifications } from "../core/database";
import { CliError, FailedError, UsageError } from "../core/errors";
import { canServeChecks, lagCheck, readReplicaLag, replicaAvailableCheck } from "../core/gates";
import { Outage, type OutageOptions } from "../core/outage";
import { formatElapsed } from "../core/output";
import { executePlan, type Check, type TypedConfirmation } from "../core/plan";
import { tookEffect, waitForChangeThenSettle, type WaitSpec } from "../core/waiter";

export interface FailoverDbOptions extends OutageOptions {
  readonly to: string;
  /** @default false */
  readonly acceptDataLoss?: boolean;
  /** @default undefined: prompt for the replica id */
  readonly confirmReplicaId?: string;
}

export async function run(ctx: Context, options: FailoverDbOptions): Promise<void> {
  const manifest = ctx.manifest();
  const target = ctx.regionManifest(options.to, "--to");
  const outage = new Outage(manifest, options);
  const replica = target.database?.instances.find((i) => i.role === "cross-region-replica");
  if (!replica) {
    const withReplica = Object.entries(manifest.regions)
      .filter(([, r]) => r.database?.instances.some((i) => i.role === "cross-region-replica"))
      .map(([name]) => name);
    throw new UsageError(
      withReplica.length
        ? `--to ${options.to} has no cross-region replica in the manifest; choose a region with one (${withReplica.join(", ")}).`
        : `The ${manifest.environment} environment has no cross-region replica in any region, so there is nothing to promote: ` +
            "`failover db` needs a multi-region environment. To fail the writer over to its standby in another AZ, use `skyline failover az`.",
    );
  }
  if (options.confirmReplicaId !== undefined && !options.acceptDataLoss) {
    throw new UsageError("--confirm-replica-id only makes sense with --accept-data-loss.");
  }
  if (!outage.reachable(options.to)) {
    throw new UsageError(`--to ${options.to} is the region declared down; pick a region that is up.`);
  }
  const region = options.to;
  const label = dbLabel(replica.id, region);
  const rpo = manifest.targets.rpoSeconds;

  // A replica that is not there is a failed pre-check with the whole plan shown (exit 3).
  let instance: DBInstance | undefined;
  try {
    instance = await describeInstance(ctx, region, replica.id);
  } catch (error) {
    if (!(error instanceof CliError && error.kind === "not-found")) throw error;
  }
  const pending = instance ? pendingModifications(instance) : [];
  const reading = instance && isReplica(instance) ? await readReplicaLag(ctx, region, replica.id) : undefined;
  const lag = reading ? lagCheck(reading, rpo, replica.sourceRegion) : undefined;
  const lagSeconds = reading?.kind === "ok" ? reading.maxSeconds : undefined;
  const lagOk = lag?.ok ?? true;

  const checks: Check[] = [
    replicaAvailableCheck(instance, replica.id),
    {
      name: "no pending modifications",
      ok: pending.length === 0,
      detail: pending.length === 0 ? "none" : pending.join(", "),
    },
    ...(lag ? [{ ...lag, overridable: options.acceptDataLoss === true }] : []),
    ...(await canServeChecks(ctx, region, target, outage)),
  ];
  const typed: TypedConfirmation[] = [];
  const ack = outage.acknowledgement();
  if (ack) typed.push(ack);
  if (options.acceptDataLoss && !lagOk) {
    typed.push({
      reason: `--accept-data-loss: up to ${lagSeconds ?? "an unknown number of"} s of writes may be lost.`,
      expected: replica.id,
      given: options.confirmReplicaId,
      flag: "--confirm-replica-id",
    });
  }

  const plan = {
    command: "failover db",
    action: `Promote ${replica.id} in ${region} to a standalone writer`,
    region,
    target: replica.id,
    check: label,
    // Re-running after an interrupted or killed promotion finds it done: nothing to do.
    noop:
      instance && instance.DBInstanceStatus === "available" && !isReplica(instance)
        ? `${replica.id} already is a standalone writer (available, no replication source); for the follow-ups see \`skyline runbook show database-failover\``
        : undefined,
    impact: [
      `${replica.id} stops replicating from ${replica.sourceId ?? replica.sourceRegion} and becomes writable (irreversible).`,
      `Writes still going to ${replica.sourceRegion} after promotion are lost to ${region}; up to ${
        lagSeconds ?? "an unknown number of"
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
      const wait: WaitSpec<DBInstance> = {
        resource: label,
        read: () => describeInstance(ctx, region, replica.id),
        describe: (i) => `${i.DBInstanceStatus}${isReplica(i) ? ", still a replica" : ", standalone"}`,
        changed: (i) => i.DBInstanceStatus !== "available" || !isReplica(i),
        settled: (i) => i.DBInstanceStatus === "available" && !isReplica(i),
        settledText: "available and standalone",
      };
      await ctx.send(
        label,
        ctx.clients.rds(region),
        new PromoteReadReplicaCommand({ DBInstanceIdentifier: replica.id }),
        { tookEffect: tookEffect(wait) },
      );
      const { state } = await waitForChangeThenSettle(wait, ctx.waitClock());
      if (isReplica(state) || state.DBInstanceStatus !== "available") {
        throw new FailedError(
          `${label} did not become a standalone writer; check its events in the RDS console.`,
        );
      }
      const recoveryMs = ctx.rt.now() - started;
      const rtoMs = manifest.targets.rtoMinutes * 60_000;
      const proxy = target.database?.proxy?.name;
      const followUps = [
        `Roll the API in ${region} (it already connects to ${replica.id}${proxy ? ` through ${proxy}` : ""}) and move traffic: ` +
          `skyline failover dns --to ${region}; or run the whole sequence with skyline failover region --to ${region}.`,
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
          maxReplicaLagSeconds: lagSeconds ?? null,
          followUps,
        },
      };
    },
    {
      overrideAccepted: options.acceptDataLoss === true || outage.declared,
      typed,
    },
  );
}

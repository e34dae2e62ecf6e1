/**
 * The pre-checks of `failover db|dns|region`, right during an outage (issue 13):
 *
 * - never overridable: the target's replica is missing or not available (nothing could take over);
 * - overridable during a declared outage (outage.ts): the alarms that say whether the TARGET region
 *   can serve (`alarms.canServe` and its region-unhealthy composite, never the lag alarms, which
 *   are facts about the source region) and the target's service health;
 * - overridable with --accept-data-loss (and the replica id typed): replica lag beyond the RPO,
 *   replication stopped (ReplicaLag -1), or no lag data at all, which is what a cross-region
 *   replica reports while its source region is unreachable: reported as such, not as a breach.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { DBInstance } from "@aws-sdk/client-rds";
import type { RegionManifest } from "../../manifest/schema";
import type { Context } from "./context";
import { isReplica } from "./database";
import { kubernetesHealthDetail, serviceHealth, targetHealth } from "./health";
import type { Outage } from "./outage";
import type { Check } from "./plan";

export type LagReading =
  | { readonly kind: "ok"; readonly maxSeconds: number }
  | { readonly kind: "stopped" }
  | { readonly kind: "no-data" };

/** The window lag is judged over, as before: the max of one-minute maxima over five minutes. */
export const LAG_WINDOW_MS = 5 * 60_000;

async function lagValues(
  ctx: Context,
  region: string,
  instanceId: string,
  windowMs: number,
): Promise<{ values: number[]; timestamps: Date[] }> {
  const end = new Date(ctx.rt.now());
  const response = await ctx.send(
    `ReplicaLag metric of ${instanceId} (${region})`,
    ctx.clients.cloudWatch(region),
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - windowMs),
      EndTime: end,
      MetricDataQueries: [
        {
          Id: "lag",
          MetricStat: {
            Metric: {
              Namespace: "AWS/RDS",
              MetricName: "ReplicaLag",
              Dimensions: [{ Name: "DBInstanceIdentifier", Value: instanceId }],
            },
            Period: 60,
            Stat: "Maximum",
          },
        },
      ],
    }),
  );
  const result = response.MetricDataResults?.[0];
  return { values: result?.Values ?? [], timestamps: result?.Timestamps ?? [] };
}

/** ReplicaLag of a replica over the last five minutes: a figure, stopped (-1), or no data. */
export async function readReplicaLag(ctx: Context, region: string, instanceId: string): Promise<LagReading> {
  const { values } = await lagValues(ctx, region, instanceId, LAG_WINDOW_MS);
  if (values.length === 0) return { kind: "no-data" };
  // RDS reports -1 while replication is not running.
  if (values.some((v) => v < 0)) return { kind: "stopped" };
  return { kind: "ok", maxSeconds: Math.max(...values) };
}

/**
 * The last ReplicaLag datapoint of the past hour: the data-loss window of a promotion is at most
 * this lag (what the replica had not yet received when its source went silent).
 */
export async function lastLagSeen(
  ctx: Context,
  region: string,
  instanceId: string,
): Promise<{ seconds: number; at: string } | undefined> {
  const { values, timestamps } = await lagValues(ctx, region, instanceId, 60 * 60_000);
  let latest = -1;
  timestamps.forEach((t, i) => {
    if (values[i] !== undefined && values[i] >= 0 && (latest < 0 || t > timestamps[latest])) latest = i;
  });
  return latest < 0 ? undefined : { seconds: values[latest], at: timestamps[latest].toISOString() };
}

/** The lag pre-check; overridable with --accept-data-loss only. */
export function lagCheck(reading: LagReading, rpoSeconds: number, sourceRegion: string | undefined): Check {
  const source = sourceRegion ?? "the source region";
  switch (reading.kind) {
    case "ok":
      return {
        name: "replica lag within RPO",
        ok: reading.maxSeconds <= rpoSeconds,
        detail: `max ReplicaLag ${reading.maxSeconds} s over 5 minutes (RPO ${rpoSeconds} s)`,
        overridable: true,
      };
    case "stopped":
      return {
        name: "replica lag within RPO",
        ok: false,
        detail: `replication stopped (ReplicaLag -1): writes since it stopped are not in the replica (RPO ${rpoSeconds} s); --accept-data-loss to promote anyway`,
        overridable: true,
      };
    case "no-data":
      return {
        name: "replica lag within RPO",
        ok: false,
        detail:
          `source region ${source} unreachable: no ReplicaLag data in 5 minutes, which is a fact about ${source}, ` +
          `not a breach in this region; the data-loss window cannot be measured (RPO ${rpoSeconds} s): --accept-data-loss to promote anyway`,
        overridable: true,
      };
  }
}

/** States an instance passes through and comes back from: a promotion waits for them. */
const TRANSITIONAL =
  /^(modifying|rebooting|backing-up|renaming|upgrading|maintenance|starting|configuring-.*|storage-optimization)$/;

/**
 * The replica that would take over must exist and be available (with `allowBusy`, for a command
 * that waits: also busy in a state it comes back from, e.g. a promotion already under way): never
 * overridable.
 */
export function replicaAvailableCheck(
  instance: DBInstance | undefined,
  id: string,
  options: { readonly allowBusy?: boolean } = {},
): Check {
  if (!instance) {
    return { name: "replica available", ok: false, detail: `${id} was not found`, overridable: false };
  }
  const status = instance.DBInstanceStatus ?? "unknown";
  return {
    name: "replica available",
    ok: status === "available" || (options.allowBusy === true && TRANSITIONAL.test(status)),
    detail: `status ${status}, ${
      isReplica(instance)
        ? `replicating from ${instance.ReadReplicaSourceDBInstanceIdentifier}`
        : "standalone"
    }`,
    overridable: false,
  };
}

/** Names of the alarms that say whether `region` can serve, currently in ALARM. */
export async function canServeAlarmsFiring(
  ctx: Context,
  region: string,
  entry: RegionManifest,
): Promise<string[]> {
  const names = [entry.alarms.regionUnhealthy, ...entry.alarms.canServe];
  const firing: string[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let token: string | undefined;
    do {
      const page = await ctx.send(
        `alarms in ${region}`,
        ctx.clients.cloudWatch(region),
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          StateValue: "ALARM",
          AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
          NextToken: token,
        }),
      );
      for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (a.AlarmName) firing.push(a.AlarmName);
      }
      token = page.NextToken;
    } while (token);
  }
  return firing.sort();
}

/**
 * Whether the target region can serve: its serving alarms and its service, both overridable
 * during a declared outage. Lag alarms are not read here (they describe the source region).
 */
export async function canServeChecks(
  ctx: Context,
  region: string,
  entry: RegionManifest,
  outage: Outage,
): Promise<Check[]> {
  const firing = await canServeAlarmsFiring(ctx, region, entry);
  const service = entry.service ? await serviceHealth(ctx, region, entry) : undefined;
  const healthyTargets = (await targetHealth(ctx, region, entry)).reduce((n, t) => n + t.healthy, 0);
  const overridable = outage.declared;
  return [
    {
      name: `${region} can serve (no serving alarm in ALARM)`,
      ok: firing.length === 0,
      detail:
        firing.length === 0
          ? "none of the alarms that gate a failover"
          : `${firing.join(", ")}; ${outage.hint}`,
      overridable,
    },
    {
      name: `service healthy in ${region}`,
      ok: (service?.healthy ?? true) && healthyTargets > 0,
      detail:
        (service && entry.service
          ? `${entry.service.service} ${service.status} ${service.running}/${service.desired} running, ${healthyTargets} healthy targets`
          : kubernetesHealthDetail(entry.kubernetes!, healthyTargets)) +
        ((service?.healthy ?? true) && healthyTargets > 0 ? "" : `; ${outage.hint}`),
      overridable,
    },
  ];
}

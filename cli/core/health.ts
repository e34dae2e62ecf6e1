/**
 * Read-only health probes shared by `status` and the failover pre-checks: alarms in ALARM,
 * ECS service counts, ALB target health and RDS replica lag. On EKS (a manifest region with
 * `kubernetes` instead of `service`) skyline reads no Kubernetes API: the pods' health is what the
 * ALB's target group says about them.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type {
  KubernetesManifest,
  RegionManifest,
  ServiceManifest,
} from "../../constructs/runbooks/manifest-schema";
import type { Context } from "./context";
import { UsageError } from "./errors";

/** Names of the region's manifest alarms currently in ALARM. */
export async function alarmsInAlarm(ctx: Context, region: string, entry: RegionManifest): Promise<string[]> {
  const names = [entry.alarms.regionUnhealthy, ...entry.alarms.names];
  const firing: string[] = [];
  // DescribeAlarms takes at most 100 names per call.
  for (let i = 0; i < names.length; i += 100) {
    const batch = names.slice(i, i + 100);
    let token: string | undefined;
    do {
      const page = await ctx.call(`alarms in ${region}`, () =>
        ctx.clients.cloudWatch(region).send(
          new DescribeAlarmsCommand({
            AlarmNames: batch,
            StateValue: "ALARM",
            AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
            NextToken: token,
          }),
        ),
      );
      for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (a.AlarmName) firing.push(a.AlarmName);
      }
      token = page.NextToken;
    } while (token);
  }
  return firing.sort();
}

export interface ServiceHealth {
  readonly status: string;
  readonly running: number;
  readonly desired: number;
  readonly pending: number;
  readonly deployments: number;
  /** ACTIVE, at least one task desired and all desired tasks running. */
  readonly healthy: boolean;
}

/**
 * The region's ECS service, for commands that act on ECS.
 * @param action what the caller was about to do, for the message, e.g. `scale service`
 * @throws UsageError (exit 2) naming the kubectl equivalent when the region runs the API on EKS
 */
export function ecsService(entry: RegionManifest, region: string, action: string): ServiceManifest {
  if (entry.service) return entry.service;
  const k = entry.kubernetes;
  throw new UsageError(
    k
      ? `${region} runs the API on EKS (cluster ${k.cluster}), not ECS: \`${action}\` acts on ECS services only. ` +
          `Use kubectl against ${k.cluster}: ${kubectlHint(k)}.`
      : `${region} has no service in the manifest; regenerate it with npm run synth.`,
  );
}

/** The kubectl lines that do on EKS what `scale service` does on ECS. */
export function kubectlHint(k: KubernetesManifest): string {
  return (
    `kubectl -n ${k.namespace} get deployment,hpa ${k.deployment}; ` +
    `kubectl -n ${k.namespace} patch hpa ${k.horizontalPodAutoscaler} -p '{"spec":{"minReplicas":<min>,"maxReplicas":<max>}}'`
  );
}

/** Failover pre-check detail on EKS: the healthy targets are the ready pods the ALB can reach. */
export function kubernetesHealthDetail(k: KubernetesManifest, healthyTargets: number): string {
  return (
    `EKS deployment ${k.namespace}/${k.deployment} in ${k.cluster}: ${healthyTargets} healthy pods in the ALB target group ` +
    `(replica counts: kubectl -n ${k.namespace} get deployment ${k.deployment})`
  );
}

export async function serviceHealth(
  ctx: Context,
  region: string,
  entry: RegionManifest,
): Promise<ServiceHealth> {
  const { cluster, service } = ecsService(entry, region, "service health");
  const response = await ctx.call(`ECS service ${service} (${region})`, () =>
    ctx.clients.ecs(region).send(new DescribeServicesCommand({ cluster, services: [service] })),
  );
  const s = response.services?.[0];
  if (!s) {
    return { status: "MISSING", running: 0, desired: 0, pending: 0, deployments: 0, healthy: false };
  }
  const running = s.runningCount ?? 0;
  const desired = s.desiredCount ?? 0;
  return {
    status: s.status ?? "UNKNOWN",
    running,
    desired,
    pending: s.pendingCount ?? 0,
    deployments: s.deployments?.length ?? 0,
    healthy: s.status === "ACTIVE" && desired > 0 && running >= desired,
  };
}

export interface TargetHealthSummary {
  readonly targetGroup: string;
  readonly healthy: number;
  readonly total: number;
}

export async function targetHealth(
  ctx: Context,
  region: string,
  entry: RegionManifest,
): Promise<TargetHealthSummary[]> {
  const elb = ctx.clients.elbv2(region);
  const groups = await ctx.call(`target groups of ${entry.loadBalancer.name} (${region})`, () =>
    elb.send(new DescribeTargetGroupsCommand({ Names: entry.loadBalancer.targetGroups })),
  );
  const result: TargetHealthSummary[] = [];
  for (const group of groups.TargetGroups ?? []) {
    const health = await ctx.call(`target group ${group.TargetGroupName} (${region})`, () =>
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn })),
    );
    const targets = health.TargetHealthDescriptions ?? [];
    result.push({
      targetGroup: group.TargetGroupName ?? "?",
      healthy: targets.filter((t) => t.TargetHealth?.State === "healthy").length,
      total: targets.length,
    });
  }
  return result;
}

/** Window over which replica lag is judged: the max over the last five minutes. */
export const LAG_WINDOW_MS = 5 * 60_000;

/**
 * Max `ReplicaLag` (seconds) of an RDS replica over the last five minutes, from one-minute maxima.
 * @returns undefined when CloudWatch has no datapoints (callers fail closed)
 */
export async function maxReplicaLagSeconds(
  ctx: Context,
  region: string,
  instanceId: string,
): Promise<number | undefined> {
  const end = new Date(ctx.rt.now());
  const start = new Date(end.getTime() - LAG_WINDOW_MS);
  const response = await ctx.call(`ReplicaLag metric of ${instanceId} (${region})`, () =>
    ctx.clients.cloudWatch(region).send(
      new GetMetricDataCommand({
        StartTime: start,
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
    ),
  );
  const values = (response.MetricDataResults ?? []).flatMap((r) => r.Values ?? []);
  // RDS reports -1 when replication is not running: that is not a usable lag figure.
  if (values.length === 0 || values.some((v) => v < 0)) return undefined;
  return Math.max(...values);
}

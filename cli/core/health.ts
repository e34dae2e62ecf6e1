/**
 * Read-only health probes shared by `status` and the failover pre-checks: alarms in ALARM,
 * ECS service counts and ALB target health (replica lag: gates.ts). On EKS (a manifest region with
 * `kubernetes` instead of `service`) skyline reads no Kubernetes API: the pods' health is what the
 * ALB's target group says about them.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { KubernetesManifest, RegionManifest, ServiceManifest } from "../../manifest/schema";
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
      const page = await ctx.send(
        `alarms in ${region}`,
        ctx.clients.cloudWatch(region),
        new DescribeAlarmsCommand({
          AlarmNames: batch,
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

/**
 * What `deploy status` and `deploy rollback` do on ECS, for an EKS Deployment: its rollout's state
 * and history, and the undo that puts the previous ReplicaSet back (readiness-gated like any rollout).
 */
export function rolloutHint(k: KubernetesManifest): string[] {
  const target = `deployment/${k.deployment}`;
  return [
    `kubectl -n ${k.namespace} rollout status ${target}`,
    `kubectl -n ${k.namespace} rollout history ${target}`,
    `kubectl -n ${k.namespace} rollout undo ${target}   # back to the previous revision; add --to-revision=<n> for an older one`,
  ];
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
  return ecsServiceHealth(ctx, region, cluster, service);
}

/** Counts of any ECS service (the API's or the queue workers'); MISSING when ECS does not know it. */
export async function ecsServiceHealth(
  ctx: Context,
  region: string,
  cluster: string,
  service: string,
): Promise<ServiceHealth> {
  const response = await ctx.send(
    `ECS service ${service} (${region})`,
    ctx.clients.ecs(region),
    new DescribeServicesCommand({ cluster, services: [service] }),
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
  const groups = await ctx.send(
    `target groups of ${entry.loadBalancer.name} (${region})`,
    elb,
    new DescribeTargetGroupsCommand({ Names: entry.loadBalancer.targetGroups }),
  );
  const result: TargetHealthSummary[] = [];
  for (const group of groups.TargetGroups ?? []) {
    const health = await ctx.send(
      `target group ${group.TargetGroupName} (${region})`,
      elb,
      new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }),
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

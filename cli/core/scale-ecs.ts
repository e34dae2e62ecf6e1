/**
 * Scaling an ECS service, shared by `scale service` (the API) and `scale workers` (the queue
 * workers): either set its Application Auto Scaling target's --min/--max or its --desired count,
 * then wait until the service is stable (one deployment, running = desired).
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { Context } from "./context";
import { UsageError } from "./errors";
import { ecsServiceHealth, type ServiceHealth } from "./health";
import { driftNotice, executePlan, type Check } from "./plan";
import { waitForChangeThenSettle } from "./waiter";

export interface ScaleOptions {
  readonly min?: number;
  readonly max?: number;
  readonly desired?: number;
}

/** The ECS service to scale and how the command talks about it. */
export interface EcsScaleTarget {
  /** `scale service`, `scale workers`. */
  readonly command: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  /** The service's autoscaling target; --min/--max need it. @default none (only --desired) */
  readonly autoscaling?: { readonly resourceId: string; readonly scalableDimension: string };
  /** Config fields the drift notice names for a range change and for a desired count. */
  readonly rangeFields: string;
  readonly desiredField: string;
  /** Extra impact lines (e.g. scale-in protection of workers). @default none */
  readonly impact?: readonly string[];
}

export async function scaleEcsService(
  ctx: Context,
  target: EcsScaleTarget,
  options: ScaleOptions,
): Promise<void> {
  const byRange = options.min !== undefined || options.max !== undefined;
  if (byRange === (options.desired !== undefined)) {
    throw new UsageError(
      "Pass either --min and --max (autoscaling range) or --desired (task count), not both or neither.",
    );
  }
  const { region, cluster, service, autoscaling } = target;
  const label = `ECS service ${service} (${region})`;
  if (byRange && !autoscaling) {
    throw new UsageError(
      `${label} has no autoscaling target in the manifest; use --desired instead of --min/--max.`,
    );
  }
  const health = () => ecsServiceHealth(ctx, region, cluster, service);

  const before = await health();
  let current: { min: number; max: number } | undefined;
  if (autoscaling) {
    const response = await ctx.send(
      `autoscaling target ${autoscaling.resourceId} (${region})`,
      ctx.clients.autoScaling(region),
      new DescribeScalableTargetsCommand({
        ServiceNamespace: "ecs",
        ResourceIds: [autoscaling.resourceId],
        ScalableDimension: autoscaling.scalableDimension as "ecs:service:DesiredCount",
      }),
    );
    const found = response.ScalableTargets?.[0];
    if (found) current = { min: found.MinCapacity ?? 0, max: found.MaxCapacity ?? 0 };
  }

  const min = options.min ?? current?.min ?? 0;
  const max = options.max ?? current?.max ?? 0;
  const checks: Check[] = [
    { name: "service active", ok: before.status === "ACTIVE", detail: `status ${before.status}` },
  ];
  if (byRange) {
    checks.push({ name: "min ≤ max", ok: min <= max, detail: `min ${min}, max ${max}` });
    checks.push({
      name: "autoscaling target exists",
      ok: current !== undefined,
      detail: current ? "registered" : "not registered",
    });
  } else if (current) {
    const desired = options.desired as number;
    checks.push({
      name: "desired within the autoscaling range",
      ok: desired >= current.min && desired <= current.max,
      detail: `desired ${desired}, range ${current.min}-${current.max} (autoscaling would undo it; change --min/--max instead)`,
    });
  }

  const plan = {
    command: target.command,
    action: byRange
      ? `Set ${service} autoscaling range to ${min}-${max} (now ${current ? `${current.min}-${current.max}` : "unknown"})`
      : `Set ${service} desired count to ${options.desired} (now ${before.desired})`,
    region,
    target: service,
    check: label,
    noop: byRange
      ? current && current.min === min && current.max === max
        ? `the autoscaling range of ${service} already is ${min}-${max}`
        : undefined
      : before.desired === options.desired
        ? `${service} already has a desired count of ${options.desired} (${before.running} running)`
        : undefined,
    impact: [
      `Tasks now ${before.running} running / ${before.desired} desired; tasks start or stop to match.`,
      ...(target.impact ?? []),
    ],
    checks,
    steps: [
      byRange
        ? `RegisterScalableTarget ${autoscaling?.resourceId} min=${min} max=${max}`
        : `UpdateService ${cluster}/${service} desiredCount=${options.desired}`,
      "wait until the service is stable (running = desired, one deployment)",
    ],
    notices: [driftNotice(ctx, byRange ? target.rangeFields : target.desiredField)],
  };

  await executePlan(ctx, plan, async () => {
    if (byRange && autoscaling) {
      await ctx.send(
        `autoscaling target ${autoscaling.resourceId} (${region})`,
        ctx.clients.autoScaling(region),
        new RegisterScalableTargetCommand({
          ServiceNamespace: "ecs",
          ResourceId: autoscaling.resourceId,
          ScalableDimension: autoscaling.scalableDimension as "ecs:service:DesiredCount",
          MinCapacity: min,
          MaxCapacity: max,
        }),
      );
    } else {
      await ctx.send(
        label,
        ctx.clients.ecs(region),
        new UpdateServiceCommand({ cluster, service, desiredCount: options.desired }),
        { tookEffect: async () => (await health()).desired === options.desired },
      );
    }
    const inRange = (s: ServiceHealth) =>
      byRange ? s.desired >= min && s.desired <= max : s.desired === options.desired;
    const { state } = await waitForChangeThenSettle<ServiceHealth>(
      {
        resource: label,
        read: health,
        describe: (s) =>
          `${s.running} running / ${s.desired} desired, ${s.pending} pending, ${s.deployments} deployments`,
        changed: inRange,
        settled: (s) => inRange(s) && s.running === s.desired && s.deployments <= 1,
        settledText: "stable (running = desired)",
        pollMs: 10_000,
        timeoutMs: 30 * 60_000,
      },
      ctx.waitClock(),
    );
    return {
      lines: [`${service} is stable: ${state.running} running / ${state.desired} desired.`],
      data: {
        service,
        region,
        running: state.running,
        desired: state.desired,
        ...(byRange ? { min, max } : {}),
      },
    };
  });
}

/**
 * `skyline scale service`: in --region (default: the primary) either set the autoscaling target's
 * --min/--max (when the manifest has one) or the service's --desired count, then wait until the
 * service is stable (one deployment, running = desired).
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { Context } from "../core/context";
import { UsageError } from "../core/errors";
import { ecsService, serviceHealth, type ServiceHealth } from "../core/health";
import { driftNotice, executePlan, type Check } from "../core/plan";
import { waitForChangeThenSettle } from "../core/waiter";

export interface ScaleServiceOptions {
  readonly min?: number;
  readonly max?: number;
  readonly desired?: number;
}

export async function run(ctx: Context, options: ScaleServiceOptions): Promise<void> {
  const byRange = options.min !== undefined || options.max !== undefined;
  if (byRange === (options.desired !== undefined)) {
    throw new UsageError(
      "Pass either --min and --max (autoscaling range) or --desired (task count), not both or neither.",
    );
  }
  const region = ctx.region();
  const entry = ctx.regionManifest(region, "--region");
  // On EKS the HorizontalPodAutoscaler owns the scale: exit 2 with the kubectl equivalent.
  const { cluster, service, autoscaling } = ecsService(entry, region, "scale service");
  const label = `ECS service ${service} (${region})`;
  const fields = ctx.manifest().configFields;
  if (byRange && !autoscaling) {
    throw new UsageError(
      `${label} has no autoscaling target in the manifest; use --desired instead of --min/--max.`,
    );
  }

  const before = await serviceHealth(ctx, region, entry);
  let current: { min: number; max: number } | undefined;
  if (autoscaling) {
    const response = await ctx.call(`autoscaling target ${autoscaling.resourceId} (${region})`, () =>
      ctx.clients.autoScaling(region).send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: "ecs",
          ResourceIds: [autoscaling.resourceId],
          ScalableDimension: autoscaling.scalableDimension,
        }),
      ),
    );
    const target = response.ScalableTargets?.[0];
    if (target) current = { min: target.MinCapacity ?? 0, max: target.MaxCapacity ?? 0 };
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
    command: "scale service",
    action: byRange
      ? `Set ${service} autoscaling range to ${min}-${max} (now ${current ? `${current.min}-${current.max}` : "unknown"})`
      : `Set ${service} desired count to ${options.desired} (now ${before.desired})`,
    region,
    target: service,
    impact: [
      `Tasks now ${before.running} running / ${before.desired} desired; tasks start or stop to match.`,
    ],
    checks,
    steps: [
      byRange
        ? `RegisterScalableTarget ${autoscaling?.resourceId} min=${min} max=${max}`
        : `UpdateService ${cluster}/${service} desiredCount=${options.desired}`,
      "wait until the service is stable (running = desired, one deployment)",
    ],
    notices: [
      byRange
        ? driftNotice(ctx, `${fields.serviceMinTasks} / ${fields.serviceMaxTasks}`)
        : driftNotice(ctx, fields.serviceDesiredTasks),
    ],
  };

  await executePlan(ctx, plan, async () => {
    if (byRange && autoscaling) {
      await ctx.call(`autoscaling target ${autoscaling.resourceId} (${region})`, () =>
        ctx.clients.autoScaling(region).send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: "ecs",
            ResourceId: autoscaling.resourceId,
            ScalableDimension: autoscaling.scalableDimension,
            MinCapacity: min,
            MaxCapacity: max,
          }),
        ),
      );
    } else {
      await ctx.call(label, () =>
        ctx.clients
          .ecs(region)
          .send(new UpdateServiceCommand({ cluster, service, desiredCount: options.desired })),
      );
    }
    const inRange = (s: ServiceHealth) =>
      byRange ? s.desired >= min && s.desired <= max : s.desired === options.desired;
    const { state } = await waitForChangeThenSettle<ServiceHealth>(
      {
        resource: label,
        read: () => serviceHealth(ctx, region, entry),
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

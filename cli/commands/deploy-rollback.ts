/**
 * `skyline deploy rollback`: put the API service of --region (default: the primary) back on the
 * release before the newest one.
 *
 * - A deployment in flight (PENDING or IN_PROGRESS, any strategy): StopServiceDeployment with
 *   stopType ROLLBACK. With BLUE_GREEN, CANARY or LINEAR, blue still runs until the bake ends, so ECS
 *   moves the production listener rule back to it; with ROLLING, ECS starts the old revision's
 *   tasks again. Then wait until ECS reports ROLLBACK_SUCCESSFUL.
 * - The newest deployment finished (SUCCESSFUL): UpdateService with the task definition it replaced:
 *   a new deployment through the configured strategy (test listener, canary, bake and alarms
 *   included). Then wait until it is SUCCESSFUL.
 * - The newest deployment was already rolled back or stopped, or is being rolled back: no-op.
 *
 * Verify: the service runs the previous task definition and is stable. Both calls are `once`: after
 * a lost answer they are never sent again; the deployments are re-read instead (a rollback requested,
 * or a new deployment of the previous task definition).
 *
 * On EKS: exit 2 with the kubectl rollout undo lines (skyline reads no Kubernetes API).
 */
import {
  DescribeServicesCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import type { Context } from "../core/context";
import {
  describeDeployment,
  IN_FLIGHT_STATUSES,
  recentDeployments,
  shortTaskDefinition,
  UNWINDING_STATUSES,
  type DeploymentView,
} from "../core/deployments";
import { FailedError, UsageError } from "../core/errors";
import { ecsServiceHealth, rolloutHint } from "../core/health";
import { executePlan, type Check } from "../core/plan";
import { tookEffect, waitForChangeThenSettle } from "../core/waiter";

/** Longest a rollback may take: ECS's bake (max 1440 min) is not part of a stop, a re-release's is. */
function deadlineMs(current: DeploymentView, stopping: boolean): number {
  const bake = stopping ? 0 : (current.bakeTimeMinutes ?? 0);
  return (30 + 2 * bake) * 60_000;
}

export async function run(ctx: Context): Promise<void> {
  const region = ctx.region();
  const entry = ctx.regionManifest(region, "--region");
  if (!entry.service) {
    const k = entry.kubernetes;
    throw new UsageError(
      k
        ? `${region} runs the API on EKS (cluster ${k.cluster}): \`deploy rollback\` acts on ECS services only. ` +
            `Undo the rollout with kubectl against ${k.cluster}: ${rolloutHint(k).join("; ")}.`
        : `${region} has no service in the manifest; regenerate it with npm run synth.`,
    );
  }
  const { cluster, service, deployment: expected } = entry.service;
  const label = `ECS service ${service} (${region})`;
  const ecs = ctx.clients.ecs(region);
  const [current, previous] = await recentDeployments(ctx, region, cluster, service, expected);
  if (!current) {
    throw new FailedError(`${label} has no deployment recorded by ECS: there is nothing to roll back.`);
  }
  const status = current.status;
  const stopping = IN_FLIGHT_STATUSES.has(status);
  const unwinding = UNWINDING_STATUSES.has(status);
  const target = current.previousTaskDefinitions[0] ?? null;
  const checks: Check[] = [
    {
      name: "a release to go back to",
      ok: target !== null,
      detail: target
        ? `${shortTaskDefinition(current.taskDefinition)} replaced ${shortTaskDefinition(target)}`
        : `ECS names no task definition that ${shortTaskDefinition(current.taskDefinition)} replaced (first deployment of the service?)`,
    },
  ];
  const noop = unwinding
    ? `the newest deployment is already being rolled back (${status}); watch it with skyline deploy status`
    : status === "ROLLBACK_SUCCESSFUL" || status === "STOPPED"
      ? `the newest deployment already ended ${status}; the service runs ${shortTaskDefinition(target)} again`
      : undefined;
  const strategy = current.strategy;
  const plan = {
    command: "deploy rollback",
    action: stopping
      ? `Stop the ${strategy} deployment of ${shortTaskDefinition(current.taskDefinition)} and roll ${service} back to ${shortTaskDefinition(target)}`
      : `Release ${shortTaskDefinition(target)} again on ${service} (undoing ${shortTaskDefinition(current.taskDefinition)})`,
    region,
    target: service,
    check: label,
    noop,
    impact: [
      `Now: ${describeDeployment(current)}.`,
      ...(previous ? [`Before it: ${describeDeployment(previous)}.`] : []),
      stopping
        ? strategy === "ROLLING"
          ? "ECS starts tasks of the previous revision again and stops the new ones, under the service's minimum healthy percent."
          : `Blue (${shortTaskDefinition(target)}) still runs: ECS points the production listener rule back at it (${current.percentShifted ?? "?"} % of traffic moves back at once), then stops green's tasks.`
        : `A new ${strategy} deployment through the same path as any release` +
          (strategy === "ROLLING"
            ? " (rolling, circuit breaker and alarms)."
            : ` (green on the test listener, traffic shift, ${current.bakeTimeMinutes ?? "?"} min bake watching the alarms).`),
      "Database migrations are not undone: the previous release must work with the current schema (docs/operations.md, Rollback).",
    ],
    checks,
    steps: [
      stopping
        ? `StopServiceDeployment ${current.arn} stopType=ROLLBACK`
        : `UpdateService ${cluster}/${service} taskDefinition=${target}`,
      stopping
        ? "wait until the deployment is ROLLBACK_SUCCESSFUL (ListServiceDeployments, DescribeServiceDeployments)"
        : `wait until the new deployment of ${shortTaskDefinition(target)} is SUCCESSFUL`,
      `verify: ${service} runs ${shortTaskDefinition(target)} and is stable`,
    ],
  };

  const latest = async () => (await recentDeployments(ctx, region, cluster, service, expected, 1))[0];
  // Stopping: ECS changes the deployment's status. Re-releasing: a newer deployment of the target.
  const changed = (d: DeploymentView | undefined) =>
    d !== undefined &&
    (stopping
      ? d.arn === current.arn && d.status !== status
      : d.arn !== current.arn && d.taskDefinition === target);
  const settled = (d: DeploymentView | undefined) =>
    changed(d) && !IN_FLIGHT_STATUSES.has(d!.status) && !UNWINDING_STATUSES.has(d!.status);

  await executePlan(ctx, plan, async () => {
    const effect = { tookEffect: tookEffect({ read: latest, changed }) };
    if (stopping) {
      await ctx.send(
        label,
        ecs,
        new StopServiceDeploymentCommand({ serviceDeploymentArn: current.arn, stopType: "ROLLBACK" }),
        effect,
      );
    } else {
      await ctx.send(
        label,
        ecs,
        new UpdateServiceCommand({ cluster, service, taskDefinition: target! }),
        effect,
      );
    }
    const { state } = await waitForChangeThenSettle<DeploymentView | undefined>(
      {
        resource: `deployment of ${service} (${region})`,
        read: latest,
        describe: (d) => (d ? describeDeployment(d) : "no deployment listed"),
        changed,
        settled,
        settledText: stopping ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL",
        pollMs: 15_000,
        timeoutMs: deadlineMs(current, stopping),
      },
      ctx.waitClock(),
    );
    const done = state as DeploymentView;
    const wanted = stopping ? "ROLLBACK_SUCCESSFUL" : "SUCCESSFUL";
    if (done.status !== wanted) {
      throw new FailedError(
        `The rollback of ${service} ended ${done.status}${done.reason ? ` (${done.reason})` : ""}, not ${wanted}. ` +
          "Read skyline deploy status and the service's events, then follow the deploy-rollback runbook.",
      );
    }
    const described = await ctx.send(
      label,
      ecs,
      new DescribeServicesCommand({ cluster, services: [service] }),
    );
    const running = described.services?.[0]?.taskDefinition ?? null;
    const health = await ecsServiceHealth(ctx, region, cluster, service);
    if (running !== target || !health.healthy) {
      throw new FailedError(
        `ECS reports ${wanted}, but ${service} runs ${shortTaskDefinition(running)} with ${health.running}/${health.desired} tasks; ` +
          `expected ${shortTaskDefinition(target)} and all desired tasks running. Check skyline status.`,
      );
    }
    return {
      lines: [
        `${service} runs ${shortTaskDefinition(target)} again (${done.status}); ${health.running}/${health.desired} tasks running.`,
        "The pipeline will release the newer image again on its next run: revert or fix it on main first.",
      ],
      data: {
        region,
        service,
        strategy,
        method: stopping ? "stop-deployment" : "redeploy-previous",
        rolledBack: current.taskDefinition,
        taskDefinition: target,
        deployment: done.arn,
        status: done.status,
        running: health.running,
        desired: health.desired,
      },
    };
  });
}

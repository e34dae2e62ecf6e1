/**
 * ECS service deployments as on-call reads them: the newest deployment of a service (ECS
 * ListServiceDeployments, DescribeServiceDeployments, and DescribeServiceRevisions for the task
 * definitions), with its strategy, lifecycle stage, the share of production traffic on the new
 * revision, the bake time left, the alarms watched and an outcome in plain words. Shared by
 * `deploy status`, `deploy rollback` and `status`.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import type { DeploymentManifest } from "../../manifest/schema";
import type { Context } from "./context";

/** Deployment statuses ECS still acts on: a rollback may stop these. */
export const IN_FLIGHT_STATUSES: ReadonlySet<string> = new Set(["PENDING", "IN_PROGRESS"]);
/** Statuses of a deployment being rolled back or stopped, not yet settled. */
export const UNWINDING_STATUSES: ReadonlySet<string> = new Set([
  "ROLLBACK_REQUESTED",
  "ROLLBACK_IN_PROGRESS",
  "STOP_REQUESTED",
]);

/** What a deployment came to (or is doing), in on-call's words. */
export type DeploymentOutcome =
  "in progress" | "baking" | "succeeded" | "rolling back" | "rolled back" | "rollback failed" | "stopped";

export interface DeploymentView {
  readonly arn: string;
  readonly status: string;
  readonly outcome: DeploymentOutcome;
  /** ECS lifecycle stage (SCALE_UP, TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME…), null when settled. */
  readonly stage: string | null;
  readonly strategy: string;
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  readonly finishedAt: string | null;
  /** Task definition the deployment releases. */
  readonly taskDefinition: string | null;
  /** Task definitions it replaces (blue). */
  readonly previousTaskDefinitions: readonly string[];
  /** Share of production traffic ECS asked for on the new revision, 0-100; null when ECS does not say. */
  readonly percentShifted: number | null;
  /** Share of test-listener traffic on the new revision, 0-100; null when ECS does not say. */
  readonly testPercent: number | null;
  readonly bakeTimeMinutes: number | null;
  /** While in BAKE_TIME: minutes left, counted from the stage's last update; otherwise null. */
  readonly bakeMinutesLeft: number | null;
  readonly alarms: {
    readonly watched: readonly string[];
    /** ECS's monitor status: MONITORING, TRIGGERED, MONITORING_COMPLETE, DISABLED. */
    readonly status: string | null;
    readonly triggered: readonly string[];
  };
  readonly circuitBreaker: { readonly status: string | null; readonly failures: number | null };
  readonly rollback: { readonly reason: string | null; readonly startedAt: string | null } | null;
  readonly reason: string | null;
}

const iso = (d: Date | undefined): string | null => (d ? new Date(d).toISOString() : null);

function outcomeOf(d: ServiceDeployment): DeploymentOutcome {
  switch (d.status) {
    case "SUCCESSFUL":
      return "succeeded";
    case "ROLLBACK_SUCCESSFUL":
      return "rolled back";
    case "ROLLBACK_FAILED":
      return "rollback failed";
    case "STOPPED":
      return "stopped";
    case "ROLLBACK_REQUESTED":
    case "ROLLBACK_IN_PROGRESS":
    case "STOP_REQUESTED":
      return "rolling back";
    default:
      return d.lifecycleStage === "BAKE_TIME" ? "baking" : "in progress";
  }
}

/** One deployment as a view, given the task definitions of its revisions (by revision ARN). */
export function deploymentView(
  d: ServiceDeployment,
  taskDefinitions: ReadonlyMap<string, string>,
  now: number,
  expected?: DeploymentManifest,
): DeploymentView {
  const target = d.targetServiceRevision;
  const config = d.deploymentConfiguration;
  const strategy = config?.strategy ?? expected?.strategy ?? "ROLLING";
  const bake = config?.bakeTimeInMinutes ?? expected?.bakeTimeMinutes ?? null;
  const settled = !IN_FLIGHT_STATUSES.has(d.status ?? "") && !UNWINDING_STATUSES.has(d.status ?? "");
  const stage = settled ? null : (d.lifecycleStage ?? null);
  const since = d.updatedAt ?? d.startedAt;
  const bakeLeft =
    stage === "BAKE_TIME" && bake !== null && since
      ? Math.max(0, Math.ceil(bake - (now - new Date(since).getTime()) / 60_000))
      : null;
  const revision = (arn: string | undefined) => (arn ? (taskDefinitions.get(arn) ?? null) : null);
  return {
    arn: d.serviceDeploymentArn ?? "",
    status: d.status ?? "UNKNOWN",
    outcome: outcomeOf(d),
    stage,
    strategy,
    startedAt: iso(d.startedAt ?? d.createdAt),
    updatedAt: iso(d.updatedAt),
    finishedAt: iso(d.finishedAt ?? d.stoppedAt),
    taskDefinition: revision(target?.arn),
    previousTaskDefinitions: (d.sourceServiceRevisions ?? [])
      .map((r) => revision(r.arn))
      .filter((t): t is string => t !== null),
    percentShifted: target?.requestedProductionTrafficWeight ?? null,
    testPercent: target?.requestedTestTrafficWeight ?? null,
    bakeTimeMinutes: bake,
    bakeMinutesLeft: bakeLeft,
    alarms: {
      watched: d.alarms?.alarmNames ?? [...(expected?.alarms ?? [])],
      status: d.alarms?.status ?? null,
      triggered: d.alarms?.triggeredAlarmNames ?? [],
    },
    circuitBreaker: {
      status: d.deploymentCircuitBreaker?.status ?? null,
      failures: d.deploymentCircuitBreaker?.failureCount ?? null,
    },
    rollback: d.rollback ? { reason: d.rollback.reason ?? null, startedAt: iso(d.rollback.startedAt) } : null,
    reason: d.statusReason ?? null,
  };
}

/** The newest `count` deployments of a service, newest first, described with their task definitions. */
export async function recentDeployments(
  ctx: Context,
  region: string,
  cluster: string,
  service: string,
  expected?: DeploymentManifest,
  count = 2,
): Promise<DeploymentView[]> {
  const label = `ECS service ${service} (${region})`;
  const client = ctx.clients.ecs(region);
  const listed = await ctx.send(
    `${label} deployments`,
    client,
    new ListServiceDeploymentsCommand({ cluster, service, maxResults: 20 }),
  );
  const briefs = [...(listed?.serviceDeployments ?? [])]
    .sort((a, b) => time(b.createdAt ?? b.startedAt) - time(a.createdAt ?? a.startedAt))
    .slice(0, count);
  const arns = briefs.map((b) => b.serviceDeploymentArn).filter((a): a is string => Boolean(a));
  if (arns.length === 0) return [];
  const described = await ctx.send(
    `${label} deployments`,
    client,
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns }),
  );
  const deployments = [...(described?.serviceDeployments ?? [])].sort(
    (a, b) => arns.indexOf(a.serviceDeploymentArn ?? "") - arns.indexOf(b.serviceDeploymentArn ?? ""),
  );
  const revisionArns = [
    ...new Set(
      deployments.flatMap((d) =>
        [d.targetServiceRevision?.arn, ...(d.sourceServiceRevisions ?? []).map((r) => r.arn)].filter(
          (a): a is string => Boolean(a),
        ),
      ),
    ),
  ];
  const taskDefinitions = new Map<string, string>();
  if (revisionArns.length) {
    const revisions = await ctx.send(
      `${label} revisions`,
      client,
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: revisionArns }),
    );
    for (const r of revisions?.serviceRevisions ?? []) {
      if (r.serviceRevisionArn && r.taskDefinition)
        taskDefinitions.set(r.serviceRevisionArn, r.taskDefinition);
    }
  }
  const now = ctx.rt.now();
  return deployments.map((d) => deploymentView(d, taskDefinitions, now, expected));
}

function time(d: Date | undefined): number {
  return d ? new Date(d).getTime() : 0;
}

/** `task-definition/<family>:<revision>` from an ARN, for people. */
export function shortTaskDefinition(arn: string | null): string {
  if (!arn) return "?";
  const i = arn.indexOf("task-definition/");
  return i >= 0 ? arn.slice(i + "task-definition/".length) : arn;
}

/** One line for a deployment: what, where it is, how much traffic, bake and alarms. */
export function describeDeployment(d: DeploymentView): string {
  const parts = [
    `${d.strategy} ${shortTaskDefinition(d.taskDefinition)}: ${d.outcome}`,
    d.stage ? `stage ${d.stage}` : null,
    d.percentShifted !== null && d.outcome !== "succeeded" && d.outcome !== "rolled back"
      ? `${d.percentShifted} % of production traffic on it`
      : null,
    d.bakeMinutesLeft !== null ? `bake ${d.bakeMinutesLeft} of ${d.bakeTimeMinutes} min left` : null,
    d.alarms.triggered.length
      ? `alarm ${d.alarms.triggered.join(", ")} fired`
      : d.alarms.watched.length
        ? `watching ${d.alarms.watched.length} alarm${d.alarms.watched.length === 1 ? "" : "s"}`
        : null,
    d.rollback?.reason ? `rollback: ${d.rollback.reason}` : null,
    d.startedAt ? `started ${d.startedAt}` : null,
  ];
  return parts.filter((p) => p !== null).join("; ");
}

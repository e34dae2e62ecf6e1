/**
 * Read-only probes of a region's submission queue (the manifest's `queue` block), shared by
 * `status`, `queue redrive` and `scale workers`: queue and dead-letter queue depths (SQS
 * GetQueueAttributes), the dead-letter queue's message move tasks (ListMessageMoveTasks), and the
 * CloudWatch figures SQS does not return as attributes (the oldest message's age, the workers'
 * processed/failed counts, and on EKS the running worker pods).
 */
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand } from "@aws-sdk/client-sqs";
import type { RegionManifest } from "../../manifest/schema";
import type { Context } from "./context";
import { NotFoundError, UsageError } from "./errors";
import { ecsServiceHealth } from "./health";
import type { Output } from "./output";

export type QueueManifest = NonNullable<RegionManifest["queue"]>;
export type EksWorkers = Extract<QueueManifest["workers"], { kind: "eks" }>;

/**
 * The metrics the queue alarms read (constructs/monitoring/queue-alarms.ts and
 * constructs/worker-service/worker-defaults.ts; the CLI may not import constructs/, so
 * __tests__/cli/commands/queue-status.test.ts checks these against them).
 */
export const QUEUE_METRICS = {
  sqsNamespace: "AWS/SQS",
  oldestMessageAge: "ApproximateAgeOfOldestMessage",
  workerNamespace: "Skyline/Worker",
  workerQueueDimension: "QueueName",
  processed: "MessagesProcessed",
  failed: "MessagesFailed",
  /** Container Insights on EKS: pods behind the worker's Service (named like its Deployment). */
  podsNamespace: "ContainerInsights",
  runningPods: "service_number_of_running_pods",
} as const;

/** The window status reads the CloudWatch figures over. */
export const QUEUE_METRIC_WINDOW_MS = 5 * 60_000;

/**
 * The region's queue, for commands that act on it.
 * @param action what the caller was about to do, for the message, e.g. `queue redrive`
 * @throws UsageError (exit 2) when the region has no queue tier
 */
export function queueOf(entry: RegionManifest, region: string, action: string): QueueManifest {
  if (entry.queue) return entry.queue;
  throw new UsageError(
    `${region} has no submission queue in the manifest, so there is nothing for \`${action}\` to act on. ` +
      "The queue tier is on when the environment's config sets queue.enabled (then run synth and deploy).",
  );
}

export const queueLabel = (name: string, region: string): string => `queue ${name} (${region})`;
export const deadLetterLabel = (name: string, region: string): string =>
  `dead-letter queue ${name} (${region})`;

/** What GetQueueAttributes says about one queue. */
export interface QueueDepth {
  /** ApproximateNumberOfMessages: visible, waiting for a worker. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received by a worker and not yet deleted. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
  readonly arn: string | null;
  /** The RedrivePolicy's deadLetterTargetArn, when the queue has one. */
  readonly deadLetterTargetArn: string | null;
}

const count = (value: string | undefined): number => {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) ? n : 0;
};

function deadLetterTarget(policy: string | undefined): string | null {
  if (!policy) return null;
  try {
    const parsed = JSON.parse(policy) as { deadLetterTargetArn?: unknown };
    return typeof parsed.deadLetterTargetArn === "string" ? parsed.deadLetterTargetArn : null;
  } catch {
    return null;
  }
}

/** Depth of one queue. A queue AWS does not know is a NotFoundError (exit 3 while planning). */
export async function queueDepth(
  ctx: Context,
  region: string,
  url: string,
  label: string,
): Promise<QueueDepth> {
  const response = await ctx.send(
    label,
    ctx.clients.sqs(region),
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "QueueArn",
        "RedrivePolicy",
      ],
    }),
  );
  const a = response.Attributes;
  if (!a) {
    throw new NotFoundError(
      `${label} was not found: check that the manifest matches what is deployed.`,
      label,
      region,
    );
  }
  return {
    visible: count(a.ApproximateNumberOfMessages),
    inFlight: count(a.ApproximateNumberOfMessagesNotVisible),
    delayed: count(a.ApproximateNumberOfMessagesDelayed),
    arn: a.QueueArn ?? null,
    deadLetterTargetArn: deadLetterTarget(a.RedrivePolicy),
  };
}

/** One message move task of a dead-letter queue, as ListMessageMoveTasks reports it. */
export interface MoveTask {
  /** RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED. */
  readonly status: string;
  /** Epoch milliseconds; also how a task is told apart from the others of its queue. */
  readonly startedAt: number | null;
  readonly moved: number;
  readonly toMove: number | null;
  readonly destinationArn: string | null;
  readonly maxPerSecond: number | null;
  readonly failureReason: string | null;
  /** Only while RUNNING (what CancelMessageMoveTask takes). */
  readonly taskHandle: string | null;
}

/** Statuses of a task still at work: SQS runs one per queue at a time. */
export const ACTIVE_MOVE_STATUSES: ReadonlySet<string> = new Set(["RUNNING", "CANCELLING"]);

/** The dead-letter queue's most recent move tasks (SQS keeps up to 10, newest first). */
export async function moveTasks(ctx: Context, region: string, q: QueueManifest): Promise<MoveTask[]> {
  const response = await ctx.send(
    deadLetterLabel(q.deadLetterQueue.name, region),
    ctx.clients.sqs(region),
    new ListMessageMoveTasksCommand({ SourceArn: q.deadLetterQueue.arn, MaxResults: 10 }),
  );
  return (response.Results ?? []).map((t) => ({
    status: t.Status ?? "UNKNOWN",
    startedAt: t.StartedTimestamp ?? null,
    moved: t.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: t.ApproximateNumberOfMessagesToMove ?? null,
    destinationArn: t.DestinationArn ?? null,
    maxPerSecond: t.MaxNumberOfMessagesPerSecond ?? null,
    failureReason: t.FailureReason ?? null,
    taskHandle: t.TaskHandle ?? null,
  }));
}

/** `RUNNING since 2025-01-15T03:00:00.000Z, 120 of 400 moved`. */
export function describeMoveTask(t: MoveTask): string {
  const since = t.startedAt !== null ? ` since ${new Date(t.startedAt).toISOString()}` : "";
  const reason = t.failureReason ? ` (${t.failureReason})` : "";
  return `${t.status}${since}, ${t.moved} of ${t.toMove ?? "?"} moved${reason}`;
}

/** The CloudWatch figures of a queue over the last five minutes; null where there is no datapoint. */
export interface QueueMetrics {
  /** The latest one-minute maximum of ApproximateAgeOfOldestMessage (SQS publishes it every minute). */
  readonly oldestMessageAgeSeconds: number | null;
  /** Messages the workers processed and failed in the window (their EMF counts). */
  readonly processed: number | null;
  readonly failed: number | null;
  /** EKS only: the latest running worker pods from Container Insights. */
  readonly runningPods?: number | null;
}

export async function queueMetrics(ctx: Context, region: string, q: QueueManifest): Promise<QueueMetrics> {
  const m = QUEUE_METRICS;
  const stat = (id: string, namespace: string, name: string, dims: Record<string, string>, s: string) =>
    ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: name,
          Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: s,
      },
    }) satisfies MetricDataQuery;
  const worker = { [m.workerQueueDimension]: q.name };
  const queries: MetricDataQuery[] = [
    stat("age", m.sqsNamespace, m.oldestMessageAge, { QueueName: q.name }, "Maximum"),
    stat("processed", m.workerNamespace, m.processed, worker, "Sum"),
    stat("failed", m.workerNamespace, m.failed, worker, "Sum"),
  ];
  const w = q.workers;
  if (w.kind === "eks") {
    queries.push(
      stat(
        "pods",
        m.podsNamespace,
        m.runningPods,
        { ClusterName: w.cluster, Namespace: w.namespace, Service: w.deployment },
        "Average",
      ),
    );
  }
  const end = new Date(ctx.rt.now());
  const response = await ctx.send(
    `queue metrics of ${q.name} (${region})`,
    ctx.clients.cloudWatch(region),
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - QUEUE_METRIC_WINDOW_MS),
      EndTime: end,
      ScanBy: "TimestampDescending",
      MetricDataQueries: queries,
    }),
  );
  const values = (id: string) => response.MetricDataResults?.find((r) => r.Id === id)?.Values ?? [];
  const latest = (id: string) => values(id)[0] ?? null;
  const sum = (id: string) => (values(id).length ? values(id).reduce((a, b) => a + b, 0) : null);
  return {
    oldestMessageAgeSeconds: latest("age"),
    processed: sum("processed"),
    failed: sum("failed"),
    ...(w.kind === "eks" ? { runningPods: latest("pods") } : {}),
  };
}

/** The kubectl lines that do on EKS what `scale workers` does on ECS: KEDA owns the replicas. */
export function kedaHint(w: EksWorkers, region: string): string {
  const k = `kubectl --context ${w.cluster} -n ${w.namespace}`;
  return (
    `aws eks update-kubeconfig --name ${w.cluster} --alias ${w.cluster} --region ${region}; ` +
    `${k} get scaledobject,deployment ${w.scaledObject}; ` +
    `${k} patch scaledobject ${w.scaledObject} --type merge -p '{"spec":{"minReplicaCount":<min>,"maxReplicaCount":<max>}}'; ` +
    `to hold the workers at zero: ${k} annotate scaledobject ${w.scaledObject} autoscaling.keda.sh/paused-replicas=0 --overwrite`
  );
}

/** A region's queue as `skyline status` shows it (SQS and ECS reads; CloudWatch is QueueMetrics). */
export interface QueueStatus {
  readonly name: string;
  readonly deadLetterQueue: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /** Visible messages in the dead-letter queue. */
  readonly deadLetters: number;
  readonly deadLettersInFlight: number;
  /** A redrive still at work (RUNNING or CANCELLING), if any. */
  readonly moveTask: MoveTask | null;
  readonly workers:
    | {
        readonly kind: "ecs";
        readonly cluster: string;
        readonly service: string;
        readonly status: string;
        readonly running: number;
        readonly desired: number;
        readonly pending: number;
      }
    | (EksWorkers & { readonly kubectl: string });
}

export async function queueStatus(ctx: Context, region: string, q: QueueManifest): Promise<QueueStatus> {
  const w = q.workers;
  const [queue, dead, tasks, workers] = await Promise.all([
    queueDepth(ctx, region, q.url, queueLabel(q.name, region)),
    queueDepth(ctx, region, q.deadLetterQueue.url, deadLetterLabel(q.deadLetterQueue.name, region)),
    moveTasks(ctx, region, q),
    w.kind === "ecs"
      ? ecsServiceHealth(ctx, region, w.cluster, w.service).then((s) => ({
          kind: "ecs" as const,
          cluster: w.cluster,
          service: w.service,
          status: s.status,
          running: s.running,
          desired: s.desired,
          pending: s.pending,
        }))
      : Promise.resolve({
          ...w,
          kubectl: `kubectl --context ${w.cluster} -n ${w.namespace} get scaledobject,deployment ${w.deployment}`,
        }),
  ]);
  return {
    name: q.name,
    deadLetterQueue: q.deadLetterQueue.name,
    visible: queue.visible,
    inFlight: queue.inFlight,
    delayed: queue.delayed,
    deadLetters: dead.visible,
    deadLettersInFlight: dead.inFlight,
    moveTask: tasks.find((t) => ACTIVE_MOVE_STATUSES.has(t.status)) ?? null,
    workers,
  };
}

/** `42 s`, `12 min 5 s`: the oldest message's age as on-call reads it. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return "no datapoint";
  const s = Math.round(seconds);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * `skyline status`'s queue lines: depth and dead letters (SQS), the workers (ECS counts, or the EKS
 * pods from Container Insights), the age and error counts (CloudWatch); an unreadable part says ERROR.
 */
export function queueStatusLines(
  out: Pick<Output, "paint">,
  queue: Read<QueueStatus>,
  metrics: Read<QueueMetrics>,
): string[] {
  const m = metrics.ok ? metrics.value : undefined;
  if (!queue.ok) {
    return [
      `  queue     ERROR ${queue.error}`,
      ...(metrics.ok ? [] : [`  metrics   ERROR ${metrics.error}`]),
    ];
  }
  const q = queue.value;
  const dead =
    `dead letters ${q.deadLetters}` + (q.deadLettersInFlight ? ` (+${q.deadLettersInFlight} in flight)` : "");
  const move = q.moveTask ? `; redrive ${describeMoveTask(q.moveTask)}` : "";
  const errors =
    m && m.processed !== null ? `; ${m.processed} processed, ${m.failed ?? 0} failed in 5 min` : "";
  const w = q.workers;
  let workers: string;
  if (w.kind === "ecs") {
    const counts = `${w.running}/${w.desired} running${w.pending ? `, ${w.pending} pending` : ""}`;
    workers = `ECS ${w.service} ${w.status} ${w.running === 0 && q.visible > 0 ? out.paint("red", counts) : counts}${errors}`;
  } else {
    const pods =
      m?.runningPods !== undefined && m.runningPods !== null
        ? `${m.runningPods} running pods`
        : "running pods unknown";
    workers =
      `EKS ${w.namespace}/${w.deployment} in ${w.cluster}: ${pods} (Container Insights), KEDA ${w.scaledObject} ` +
      `${w.minReplicas}-${w.maxReplicas}${errors}; ${w.kubectl}`;
  }
  return [
    `  queue     ${q.name} ${q.visible} visible, ${q.inFlight} in flight, ` +
      `oldest ${m ? formatAge(m.oldestMessageAgeSeconds) : "unknown"}; ` +
      `${q.deadLetters > 0 ? out.paint("red", dead) : dead}${move}`,
    `  workers   ${workers}`,
    ...(metrics.ok ? [] : [`  metrics   ERROR ${metrics.error}`]),
  ];
}

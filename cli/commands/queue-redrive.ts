/**
 * `skyline queue redrive`: move the dead letters of --region's submission queue (default: the
 * primary) back to the queue with an SQS message move task (StartMessageMoveTask from the
 * dead-letter queue's ARN to the queue's), wait until the task finishes, verify and record.
 *
 * A move task moves every message the dead-letter queue holds and cannot stop at a count, so there
 * is no `--max <n>`: skyline will not fake one by cancelling mid-way (the moved count it would stop
 * at is approximate). `--max-per-second <n>` sets the task's rate (SQS's
 * MaxNumberOfMessagesPerSecond, 1-500), which bounds how fast the workers receive the messages again.
 *
 * StartMessageMoveTask is not idempotent (a second call starts a second task, or fails while the
 * first runs): after a lost answer it is never sent again; ListMessageMoveTasks is re-read instead.
 * A task is told apart from earlier ones of the queue by its start time.
 */
import { StartMessageMoveTaskCommand } from "@aws-sdk/client-sqs";
import type { Context } from "../core/context";
import { FailedError, UsageError } from "../core/errors";
import { executePlan, type Check } from "../core/plan";
import {
  ACTIVE_MOVE_STATUSES,
  deadLetterLabel,
  describeMoveTask,
  moveTasks,
  queueDepth,
  queueLabel,
  queueOf,
  type MoveTask,
} from "../core/queue";
import { tookEffect, waitForChangeThenSettle } from "../core/waiter";

export interface QueueRedriveOptions {
  readonly maxPerSecond?: number;
  /** Refused: see the module comment. */
  readonly max?: string;
}

/** The rate the wait's deadline assumes when SQS picks it (it optimises up to 500 a second). */
const ASSUMED_RATE_PER_SECOND = 50;
const MIN_DEADLINE_MS = 60 * 60_000;

/** At least an hour, and twice the time the depth takes at the rate. */
export function redriveDeadlineMs(depth: number, maxPerSecond?: number): number {
  const rate = maxPerSecond ?? ASSUMED_RATE_PER_SECOND;
  return Math.max(MIN_DEADLINE_MS, Math.ceil((2 * depth) / rate) * 1000);
}

export async function run(ctx: Context, options: QueueRedriveOptions): Promise<void> {
  if (options.max !== undefined) {
    throw new UsageError(
      `--max ${options.max}: an SQS message move task moves every message in the dead-letter queue and cannot stop at ` +
        "a count. Pass --max-per-second <n> (1-500) to limit how fast the messages return to the queue instead.",
    );
  }
  const region = ctx.region();
  const entry = ctx.regionManifest(region, "--region");
  const q = queueOf(entry, region, "queue redrive");
  const dlq = q.deadLetterQueue;
  const queueName = queueLabel(q.name, region);
  const dlqName = deadLetterLabel(dlq.name, region);
  const sqs = ctx.clients.sqs(region);

  const [queue, dead, tasks] = await Promise.all([
    queueDepth(ctx, region, q.url, queueName),
    queueDepth(ctx, region, dlq.url, dlqName),
    moveTasks(ctx, region, q),
  ]);
  const queueArn = queue.arn ?? `arn:aws:sqs:${region}:${ctx.manifest().accountId}:${q.name}`;
  const active = tasks.find((t) => ACTIVE_MOVE_STATUSES.has(t.status));
  const checks: Check[] = [
    {
      name: "no message move task running",
      ok: active === undefined,
      detail: active
        ? `${describeMoveTask(active)}: SQS runs one per queue; wait for it (skyline status) or cancel it`
        : tasks[0]
          ? `none running (last: ${describeMoveTask(tasks[0])})`
          : "none running",
    },
    {
      name: "the dead-letter queue is the queue's",
      ok: queue.deadLetterTargetArn === dlq.arn,
      detail: `${q.name}'s redrive policy sends to ${queue.deadLetterTargetArn ?? "no dead-letter queue"} (manifest: ${dlq.arn})`,
    },
  ];
  const rate = options.maxPerSecond;
  const timeoutMs = redriveDeadlineMs(dead.visible, rate);
  const plan = {
    command: "queue redrive",
    action: `Move ${dead.visible} messages from ${dlq.name} back to ${q.name}`,
    region,
    target: dlq.name,
    check: dlqName,
    noop:
      dead.visible === 0
        ? `${dlq.name} holds no visible message` +
          (dead.inFlight > 0
            ? ` (${dead.inFlight} in flight: someone received them; they are visible again after their visibility timeout)`
            : "")
        : undefined,
    impact: [
      `${q.name} now has ${queue.visible} visible and ${queue.inFlight} in flight; the workers receive the moved messages like new ones.`,
      `A message that fails again is dead-lettered again after ${q.maxReceiveCount} receives: redrive once the cause is fixed.`,
      rate
        ? `At most ${rate} messages a second (--max-per-second): about ${Math.ceil(dead.visible / rate)} s.`
        : "At the rate SQS chooses (up to 500 a second); --max-per-second <n> limits it.",
    ],
    checks,
    steps: [
      `StartMessageMoveTask SourceArn=${dlq.arn} DestinationArn=${queueArn}` +
        (rate ? ` MaxNumberOfMessagesPerSecond=${rate}` : ""),
      `wait until the move task is COMPLETED (ListMessageMoveTasks; deadline ${Math.round(timeoutMs / 60_000)} min)`,
      `verify: the task COMPLETED; read ${dlq.name}'s depth`,
    ],
  };

  // Tasks that existed before this run, by start time: the new one is the task not among them.
  const earlier = new Set(tasks.map((t) => t.startedAt));
  const ours = async (): Promise<MoveTask | undefined> =>
    (await moveTasks(ctx, region, q)).find((t) => t.startedAt !== null && !earlier.has(t.startedAt));

  await executePlan(ctx, plan, async () => {
    await ctx.send(
      dlqName,
      sqs,
      new StartMessageMoveTaskCommand({
        SourceArn: dlq.arn,
        DestinationArn: queueArn,
        ...(rate ? { MaxNumberOfMessagesPerSecond: rate } : {}),
      }),
      { tookEffect: tookEffect({ read: ours, changed: (t) => t !== undefined }) },
    );
    const { state } = await waitForChangeThenSettle<MoveTask | undefined>(
      {
        resource: `message move task ${dlq.name} -> ${q.name} (${region})`,
        read: ours,
        describe: (t) => (t ? describeMoveTask(t) : "no new move task listed yet"),
        changed: (t) => t !== undefined,
        settled: (t) => t !== undefined && !ACTIVE_MOVE_STATUSES.has(t.status),
        settledText: "finished (COMPLETED)",
        pollMs: 10_000,
        timeoutMs,
      },
      ctx.waitClock(),
    );
    const task = state as MoveTask;
    if (task.status !== "COMPLETED") {
      throw new FailedError(
        `The message move task from ${dlq.name} ended ${task.status}` +
          (task.failureReason ? ` (${task.failureReason})` : "") +
          ` after moving ${task.moved} of ${task.toMove ?? "?"} messages; the rest are still in ${dlq.name}. ` +
          "Check `skyline status`, fix the cause, then run `skyline queue redrive` again.",
      );
    }
    const after = await queueDepth(ctx, region, dlq.url, dlqName);
    return {
      lines: [
        `Moved ${task.moved} messages from ${dlq.name} back to ${q.name} (task COMPLETED).`,
        `${dlq.name} now holds ${after.visible} visible messages` +
          (after.visible > 0
            ? " (dead-lettered since the task started: look at them before another redrive)."
            : "."),
      ],
      data: {
        region,
        queue: q.name,
        deadLetterQueue: dlq.name,
        status: task.status,
        moved: task.moved,
        toMove: task.toMove,
        maxPerSecond: rate ?? null,
        deadLettersAfter: after.visible,
      },
    };
  });
}

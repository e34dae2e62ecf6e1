import { z } from "zod";
import { FARGATE_CPU_UNITS, fargateMemoryOptions } from "./fargate-sizes";

/**
 * The `queue` section: asynchronous test submissions through SQS, scored by workers that scale on
 * backlog per task. Tier-dependent fields are optional here and resolved by `resolveQueue`, so
 * validation and synth agree on what production and staging get.
 */
export const queueConfigSchema = z
  .object({
    /**
     * The queue tier (queue, dead-letter queue, worker service, alarms); the reference API's worker
     * (services/api `dist/worker.js`) consumes it. @default true
     */
    enabled: z.boolean().default(true),
    /** Receives before a message moves to the dead-letter queue. @default 5 */
    maxReceiveCount: z.number().int().min(1).max(1000).default(5),
    /** How long an unprocessed message is kept, in days (SQS: 1 minute to 14 days). @default 4 */
    retentionDays: z.number().int().min(1).max(14).default(4),
    /** How long a dead letter is kept, in days; longer than the queue's so a redrive has time. @default 14 */
    deadLetterRetentionDays: z.number().int().min(1).max(14).default(14),
    worker: z
      .object({
        /** Fargate CPU units of a worker task. @default 512 */
        cpu: z.number().int().default(512),
        /** Memory of a worker task in MiB. @default 1024 */
        memoryMiB: z.number().int().default(1024),
        /** @default 2 in production, 1 otherwise */
        minTasks: z.number().int().min(1, "minTasks must be at least 1").optional(),
        /** @default 20 in production, 4 otherwise */
        maxTasks: z.number().int().min(1).max(1000).optional(),
        /**
         * Submissions one task scores and commits per second, as measured by the queue benchmark
         * (bench/results/profile.json); the scaling target is derived from it. @default 250
         */
        messagesPerSecondPerTask: z.number().positive().max(100_000).default(250),
        /**
         * How long a submission may wait in the queue before it is scored: the end-to-end latency
         * users feel. Backlog per task target = messagesPerSecondPerTask × this. @default 10
         */
        acceptableLatencySeconds: z.number().int().min(1).max(3600).default(10),
        /**
         * The longest a worker may take on one received batch (receive, score, commit, delete).
         * The queue's visibility timeout is six times this (AWS's guidance for batch consumers).
         * @default 30
         */
        processingBudgetSeconds: z.number().int().min(1).max(7200).default(30),
        /** Messages per receive (SQS allows 1 to 10). @default 10 */
        batchSize: z.number().int().min(1).max(10).default(10),
      })
      .strict()
      .default({}),
    alarms: z
      .object({
        /** Page when the oldest message is older than this. @default 6 × acceptableLatencySeconds */
        oldestMessageAgeSeconds: z.number().int().min(60).optional(),
        /** Page when backlog per task stays above its target this many minutes. @default 5 */
        backlogMinutes: z.number().int().min(1).max(60).default(5),
        /** Page when more than this % of processed messages fail over 5 minutes. @default 5 */
        workerErrorRatePercent: z.number().min(0).max(100).default(5),
      })
      .strict()
      .default({}),
  })
  .strict();

export type QueueConfig = z.output<typeof queueConfigSchema>;

/** Largest visibility timeout SQS accepts (12 hours). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

export interface QueueSettings extends QueueConfig {
  readonly worker: QueueConfig["worker"] & { readonly minTasks: number; readonly maxTasks: number };
  /** Six times the processing budget (AWS's guidance for consumers of batches). */
  readonly visibilityTimeoutSeconds: number;
  /** Target of the backlog-per-task scaling policy: messagesPerSecondPerTask × acceptableLatencySeconds. */
  readonly backlogPerTaskTarget: number;
  readonly alarms: QueueConfig["alarms"] & { readonly oldestMessageAgeSeconds: number };
}

/** The queue settings after tier defaults and derived values: one place for every default. */
export function resolveQueue(env: { tier: string; queue: QueueConfig }): QueueSettings {
  const production = env.tier === "production";
  const { queue } = env;
  const worker = {
    ...queue.worker,
    minTasks: queue.worker.minTasks ?? (production ? 2 : 1),
    maxTasks: queue.worker.maxTasks ?? (production ? 20 : 4),
  };
  return {
    ...queue,
    worker,
    visibilityTimeoutSeconds: 6 * worker.processingBudgetSeconds,
    backlogPerTaskTarget: Math.max(
      1,
      Math.round(worker.messagesPerSecondPerTask * worker.acceptableLatencySeconds),
    ),
    alarms: {
      ...queue.alarms,
      oldestMessageAgeSeconds: queue.alarms.oldestMessageAgeSeconds ?? 6 * worker.acceptableLatencySeconds,
    },
  };
}

/** Checks across fields; `issue(path, message)` reports a problem at `queue.<path>`. */
export function validateQueue(
  env: { tier: string; queue: QueueConfig },
  issue: (path: (string | number)[], message: string) => void,
): void {
  const { queue } = env;
  if (!queue.enabled) return;
  const settings = resolveQueue(env);
  const { cpu, memoryMiB, minTasks, maxTasks } = settings.worker;
  if (!FARGATE_CPU_UNITS.includes(cpu)) {
    issue(["queue", "worker", "cpu"], `Fargate accepts cpu ${FARGATE_CPU_UNITS.join(", ")}; got ${cpu}`);
  } else if (!fargateMemoryOptions(cpu).includes(memoryMiB)) {
    const options = fargateMemoryOptions(cpu);
    issue(
      ["queue", "worker", "memoryMiB"],
      `Fargate does not accept ${memoryMiB} MiB with cpu ${cpu}; use ${options[0]} to ${options[options.length - 1]} MiB`,
    );
  }
  if (minTasks > maxTasks) {
    issue(["queue", "worker", "minTasks"], `minTasks (${minTasks}) is greater than maxTasks (${maxTasks})`);
  }
  if (env.tier === "production" && minTasks < 2) {
    issue(["queue", "worker", "minTasks"], "production needs at least 2 workers so one AZ can fail");
  }
  if (settings.visibilityTimeoutSeconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
    issue(
      ["queue", "worker", "processingBudgetSeconds"],
      `6 × ${settings.worker.processingBudgetSeconds} s is past SQS's 12-hour visibility timeout; use at most ${MAX_VISIBILITY_TIMEOUT_SECONDS / 6} s`,
    );
  }
  if (queue.deadLetterRetentionDays < queue.retentionDays) {
    issue(
      ["queue", "deadLetterRetentionDays"],
      `dead letters (${queue.deadLetterRetentionDays} days) must be kept at least as long as messages (${queue.retentionDays} days): SQS keeps a message's original timestamp in the dead-letter queue`,
    );
  }
  if (settings.alarms.oldestMessageAgeSeconds >= queue.retentionDays * 86_400) {
    issue(
      ["queue", "alarms", "oldestMessageAgeSeconds"],
      "must be shorter than the queue's retention, or messages expire before it pages",
    );
  }
}

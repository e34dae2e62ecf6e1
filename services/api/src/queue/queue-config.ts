import { ENV } from "../contract";

/** Which queue the API sends asynchronous submissions to, and the worker consumes. */
export type QueueConfig =
  | { readonly kind: "none" }
  | {
      readonly kind: "local";
      /** Queue name in the queue_messages table (QUEUE_NAME). @default "submissions" */
      readonly name: string;
      /** Receives before a message goes to the dead letters (QUEUE_MAX_RECEIVES). @default 5 */
      readonly maxReceives: number;
    }
  | {
      readonly kind: "sqs";
      readonly url: string;
      readonly region?: string;
      /** The queue's maxReceiveCount (QUEUE_MAX_RECEIVES): the worker's last try records the failure. */
      readonly maxReceives: number;
    };

/** How the worker consumes the queue. */
export interface WorkerSettings {
  /** Messages per receive (WORKER_BATCH_SIZE): 1 to 10 on SQS, up to 1000 locally. @default 10 */
  readonly batchSize: number;
  /** Visibility timeout of received messages (WORKER_VISIBILITY_TIMEOUT_SECONDS). @default 180 */
  readonly visibilitySeconds: number;
  /** Receive loops in one process (WORKER_CONCURRENCY). @default 2 */
  readonly concurrency: number;
  /** Long-poll wait (WORKER_WAIT_SECONDS, at most 20 on SQS). @default 20 */
  readonly waitSeconds: number;
}

export interface QueueSettings {
  readonly queue: QueueConfig;
  /** POST /v1/tests/:id/attempts answers 202 and enqueues without `Prefer: respond-async` (ATTEMPTS_ASYNC). */
  readonly attemptsAsync: boolean;
  readonly worker: WorkerSettings;
}

interface Readers {
  str(name: string): string | undefined;
  int(name: string, fallback: number, min: number, max: number): number;
  bool(name: string, fallback: boolean): boolean;
  problems: string[];
}

/** The queue section of the configuration; problems are pushed to `r.problems`. */
export function loadQueueSettings(r: Readers): QueueSettings {
  const url = r.str(ENV.QUEUE_URL);
  const driver = r.str(ENV.QUEUE_DRIVER) ?? (url === undefined ? "none" : "sqs");
  const maxReceives = r.int(ENV.QUEUE_MAX_RECEIVES, 5, 1, 1000);
  let queue: QueueConfig = { kind: "none" };
  if (driver === "sqs") {
    if (url === undefined)
      r.problems.push(`${ENV.QUEUE_DRIVER}=sqs needs ${ENV.QUEUE_URL} (the queue's URL).`);
    else if (!/^https:\/\/[^/]+\/\d+\/[\w-]+$/.test(url)) {
      r.problems.push(
        `${ENV.QUEUE_URL}="${url}" is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>).`,
      );
    } else queue = { kind: "sqs", url, region: r.str(ENV.AWS_REGION), maxReceives };
  } else if (driver === "local") {
    if (url !== undefined)
      r.problems.push(`${ENV.QUEUE_URL} is for ${ENV.QUEUE_DRIVER}=sqs; unset it or the driver.`);
    queue = { kind: "local", name: r.str("QUEUE_NAME") ?? "submissions", maxReceives };
  } else if (driver !== "none") {
    r.problems.push(`${ENV.QUEUE_DRIVER}="${driver}" must be sqs, local or none.`);
  }
  const attemptsAsync = r.bool(ENV.ATTEMPTS_ASYNC, false);
  if (attemptsAsync && queue.kind === "none") {
    r.problems.push(
      `${ENV.ATTEMPTS_ASYNC}=true needs a queue: set ${ENV.QUEUE_URL} (SQS) or ${ENV.QUEUE_DRIVER}=local.`,
    );
  }
  const batchSize = r.int(ENV.WORKER_BATCH_SIZE, 10, 1, 1000);
  if (queue.kind === "sqs" && batchSize > 10) {
    r.problems.push(`${ENV.WORKER_BATCH_SIZE}=${batchSize}: SQS receives at most 10 messages at a time.`);
  }
  return {
    queue,
    attemptsAsync,
    worker: {
      batchSize,
      visibilitySeconds: r.int(ENV.WORKER_VISIBILITY_TIMEOUT_SECONDS, 180, 1, 43_200),
      concurrency: r.int("WORKER_CONCURRENCY", 2, 1, 64),
      waitSeconds: r.int("WORKER_WAIT_SECONDS", 20, 0, 20),
    },
  };
}

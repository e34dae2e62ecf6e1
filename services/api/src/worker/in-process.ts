import type { ServiceConfig } from "../config";
import type { Database } from "../db/database";
import { AttemptWriter } from "../domain/attempt-writer";
import type { WorkQueue } from "../queue/work-queue";
import { QueueConsumer, type ConsumerLog } from "./consumer";
import { SubmissionProcessor } from "./submission-processor";

/**
 * The worker inside the API process, for the embedded database with the local queue: PGlite lives in
 * one process (its directory is locked), so no separate `node dist/worker.js` can reach it. Same
 * consumer and processor as the worker; no ops listener of its own (the API's serves).
 */
export function startInProcessWorker(
  config: ServiceConfig,
  db: Database,
  queue: WorkQueue,
  log: ConsumerLog,
): QueueConsumer {
  const maxReceives = config.queue.queue.kind === "none" ? 5 : config.queue.queue.maxReceives;
  const writer = new AttemptWriter(db.writer, { maxBatch: config.attemptBatchMax, maxInFlight: 1 });
  const processor = new SubmissionProcessor({ db, writer, maxReceives });
  const consumer = new QueueConsumer({
    queue,
    handle: (messages) => processor.process(messages),
    batchSize: config.queue.worker.batchSize,
    visibilitySeconds: config.queue.worker.visibilitySeconds,
    waitSeconds: config.queue.worker.waitSeconds,
    concurrency: 1,
    maxReceives,
    ready: () => db.ping(),
    log,
  });
  consumer.start();
  return consumer;
}

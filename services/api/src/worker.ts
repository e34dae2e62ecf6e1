import type { Logger } from "pino";
import { ConfigError, describeMode, loadConfig, type ServiceConfig } from "./config";
import { ENV } from "./contract";
import type { Database } from "./db/database";
import { loadMigrations, schemaRefusal, schemaState } from "./db/migrations";
import { AttemptWriter } from "./domain/attempt-writer";
import { openQueue } from "./queue/open-queue";
import { createLogger } from "./runtime";
import { QueueConsumer } from "./worker/consumer";
import { workerOpsServer } from "./worker/ops-server";
import { SubmissionProcessor } from "./worker/submission-processor";
import { TaskProtection } from "./worker/task-protection";
import { EmfReporter, WorkerMetrics } from "./worker/worker-metrics";

/**
 * The queue worker (`node dist/worker.js`, the API's image): consumes asynchronous submissions, scores
 * them and commits them through the group-commit writer, and serves /health, /ready and /metrics on
 * PORT. SIGTERM (ECS stopping the task, a scale-in): stop polling, let the batches in flight commit and
 * delete (or release them past SHUTDOWN_TIMEOUT_MS), exit 0.
 */
async function main(): Promise<void> {
  let config: ServiceConfig;
  try {
    config = loadConfig(process.env, "worker");
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger({ logLevel: "info" }).fatal({ problems: error.problems }, error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config).child({ service: "skyline-worker" });
  const { queue: queueConfig, worker } = config.queue;
  if (queueConfig.kind === "none") {
    log.fatal(`The worker needs a queue: set ${ENV.QUEUE_URL} (SQS) or ${ENV.QUEUE_DRIVER}=local.`);
    process.exit(1);
  }
  if (config.database.kind !== "postgres") {
    // The embedded database lives in one process (its directory is locked): a worker beside the API
    // cannot share it.
    log.fatal(`The worker needs PostgreSQL: set ${ENV.DATABASE_URL} or ${ENV.DB_HOST}.`);
    process.exit(1);
  }
  const { PgDatabase } = await import("./db/pg-database");
  const db: Database = new PgDatabase(config.database, (error) =>
    log.warn({ err: { message: error.message } }, "database connection error"),
  );
  const state = await schemaState(db.writer, loadMigrations()).catch((error: Error) => {
    log.fatal({ err: { message: error.message } }, "Refusing to start: cannot reach the database.");
    process.exit(1);
  });
  const refusal = schemaRefusal(state);
  if (refusal) {
    log.fatal({ schema: state }, refusal);
    await db.close();
    process.exit(1);
  }
  const queue = (await openQueue(queueConfig, db, worker.visibilitySeconds))!;
  const metrics = new WorkerMetrics();
  const emf = new EmfReporter(queue.name);
  const writer = new AttemptWriter(db.writer, {
    maxBatch: Math.max(config.attemptBatchMax, worker.batchSize),
    maxInFlight: Math.max(1, Math.min(worker.concurrency, config.database.poolMax - 1)),
    timeoutMs: config.writeTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
  });
  const processor = new SubmissionProcessor({ db, writer, maxReceives: queueConfig.maxReceives });
  const protection = new TaskProtection({ agentUri: process.env[ENV.ECS_AGENT_URI], log });
  const consumer = new QueueConsumer({
    queue,
    handle: (messages) => processor.process(messages),
    batchSize: worker.batchSize,
    visibilitySeconds: worker.visibilitySeconds,
    waitSeconds: worker.waitSeconds,
    concurrency: worker.concurrency,
    maxReceives: queueConfig.maxReceives,
    protection,
    // After a batch the database failed, no receive until it answers: an outage spends no receives.
    ready: () => db.ping(),
    log,
    onReceived: (n) => metrics.received.inc(n),
    onReceiveError: () => metrics.receiveErrors.inc(),
    onBatch: (report) => {
      metrics.record(report, { permanent: report.permanent, transient: report.failed - report.permanent });
      emf.add(report);
    },
  });

  let stopping = false;
  const server = workerOpsServer({
    registry: metrics.registry,
    ready: async () => {
      if (stopping) throw new Error("stopping");
      await db.ping();
    },
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const port = (server.address() as { port: number }).port;
  consumer.start();
  log.info(
    {
      port,
      queue: queue.name,
      driver: queueConfig.kind,
      batchSize: worker.batchSize,
      concurrency: worker.concurrency,
      visibilitySeconds: worker.visibilitySeconds,
      taskProtection: protection.enabled,
    },
    `worker polling; ${describeMode(config)}`,
  );

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(
      { signal, inFlight: consumer.inFlightMessages },
      "stopping: no new receives; finishing the batches in flight",
    );
    void shutdown(log, config, consumer, async () => {
      emf.close();
      server.close();
      server.closeAllConnections();
      await queue.close();
      await db.close();
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

async function shutdown(
  log: Logger,
  config: ServiceConfig,
  consumer: QueueConsumer,
  close: () => Promise<void>,
): Promise<void> {
  try {
    const finished = await consumer.stop(config.shutdownTimeoutMs);
    await close();
    log.info(
      { finished },
      finished ? "stopped: every batch in flight finished" : "stopped: unfinished batches released",
    );
    process.exit(0);
  } catch (error) {
    log.error({ err: { message: (error as Error).message } }, "error while stopping");
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  createLogger({ logLevel: "info" }).fatal({ err: error }, "worker failed to start");
  process.exit(1);
});

import type { Logger } from "pino";
import { ConfigError, describeMode, loadConfig, type ServiceConfig } from "./config";
import { loadMigrations, migrate, schemaRefusal, schemaState } from "./db/migrations";
import type { DrainState } from "./http/drain";
import { openQueue } from "./queue/open-queue";
import { createLogger, openRuntime } from "./runtime";

/**
 * Process entry point: validate config, open dependencies, refuse an unknown schema, listen, and on
 * SIGTERM/SIGINT drain (see installShutdown), close pools and exit 0 (1 if the drain overran its budget).
 */
async function main(): Promise<void> {
  let config: ServiceConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger({ logLevel: "info" }).fatal({ problems: error.problems }, error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config);
  // Opening the database starts first: the embedded one compiles its WebAssembly and reads its files in
  // the background while the HTTP side (Fastify, schemas, routes) loads, instead of after it.
  const opening = openRuntime(config, log);
  opening.catch(() => undefined); // handled where it is awaited; loading the app must not race an unhandled rejection
  const { buildApp } = await import("./app");
  const runtime = await opening;
  const migrations = loadMigrations();

  if (runtime.db.kind === "pglite") {
    // The embedded database starts empty (or from its directory): migrate it here, nobody else will.
    await migrate(runtime.db, migrations);
  } else {
    const state = await schemaState(runtime.db.writer, migrations).catch((error: Error) => {
      log.fatal(
        { err: { message: error.message, code: (error as { code?: string }).code } },
        "Refusing to start: cannot reach the database to check its schema version.",
      );
      process.exit(1);
    });
    const refusal = schemaRefusal(state);
    if (refusal) {
      log.fatal({ schema: state }, refusal);
      await runtime.close();
      process.exit(1);
    }
  }

  log.info(describeMode(config));
  if (config.jwt.devSecret) {
    log.warn(
      "JWT_SECRET is not set: using the built-in development secret. Mint a token with: npm run token -w services/api",
    );
  }

  const queue = await openQueue(config.queue.queue, runtime.db);
  const { app, drain, answerBy } = buildApp({
    config,
    db: runtime.db,
    cache: runtime.cache,
    invalidation: runtime.invalidation,
    logger: log,
    metrics: runtime.metrics,
    dependencyLog: runtime.dependencyLog,
    queue,
  });
  // The embedded database with the local queue: its worker runs here (see worker/in-process.ts).
  const { startInProcessWorker } = await import("./worker/in-process");
  const consumer =
    queue && runtime.db.kind === "pglite" ? startInProcessWorker(config, runtime.db, queue, log) : undefined;
  // After app.close(), not in an onClose hook: Fastify runs onClose hooks last-added first, which would
  // close Redis and PostgreSQL before the app's own hooks send the rate limiter's unsent hits.
  const close = async () => {
    await app.close();
    await consumer?.stop(config.shutdownTimeoutMs);
    await queue?.close();
    await runtime.close();
  };
  const address = await app.listen({ port: config.port, host: config.host });
  log.info({ address, port: (app.server.address() as { port: number }).port }, "listening");

  installShutdown(log, config, drain, answerBy, close);
}

/**
 * SIGTERM: /ready turns 503 at once and every response closes its connection, while the listener keeps
 * accepting for SHUTDOWN_DELAY_MS (the load balancer stops routing here meanwhile); then the listener
 * closes, idle keep-alive sockets are closed, in-flight requests finish, the pools close, and the process
 * exits 0. If that takes longer than SHUTDOWN_TIMEOUT_MS in all, it exits 1. SIGINT (Ctrl-C at a terminal)
 * skips the readiness window: nobody routes to a development process.
 */
function installShutdown(
  log: Logger,
  config: Pick<ServiceConfig, "shutdownTimeoutMs" | "shutdownDelayMs">,
  drain: DrainState,
  answerBy: (at: number) => void,
  close: () => Promise<void>,
): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    const timeoutMs = config.shutdownTimeoutMs;
    const delayMs = signal === "SIGTERM" ? config.shutdownDelayMs : 0;
    drain.beginUnready();
    // Requests waiting on the database by then are answered (a write 202 unknown, or 503 if never sent; a
    // read 503), leaving a second (at most a quarter of the budget) to close the pools before the deadline.
    answerBy(Date.now() + timeoutMs - Math.min(1000, timeoutMs / 4));
    log.info(
      { signal, timeoutMs, readyWindowMs: delayMs, inFlight: drain.inFlightCount },
      "draining: /ready answers 503 and responses close their connections; the listener closes after the readiness window",
    );
    const timer = setTimeout(() => {
      log.error(
        { timeoutMs, inFlight: drain.inFlightCount },
        "drain did not finish in time; exiting with requests still open",
      );
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    const closeListener = async () => {
      drain.beginClosing();
      log.info({ inFlight: drain.inFlightCount }, "listener closing: finishing in-flight requests");
      await close();
    };
    new Promise((resolve) => setTimeout(resolve, delayMs)).then(closeListener).then(
      () => {
        log.info("drained; exiting");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "error while draining");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

main().catch((error: unknown) => {
  createLogger({ logLevel: "info" }).fatal({ err: error }, "failed to start");
  process.exit(1);
});

import type { Logger } from "pino";
import { buildApp } from "./app";
import { ConfigError, describeMode, loadConfig, type ServiceConfig } from "./config";
import { loadMigrations, migrate, schemaRefusal, schemaState } from "./db/migrations";
import { createLogger, openRuntime } from "./runtime";

/**
 * Process entry point: validate config, open dependencies, refuse an unknown schema, listen, and on
 * SIGTERM/SIGINT drain in-flight requests, close pools and exit 0 (1 if the drain overran its budget).
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
  const runtime = await openRuntime(config, log);
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

  const { app, beginShutdown } = buildApp({
    config,
    db: runtime.db,
    cache: runtime.cache,
    invalidation: runtime.invalidation,
    logger: log,
    metrics: runtime.metrics,
  });
  app.addHook("onClose", async () => runtime.close());
  const address = await app.listen({ port: config.port, host: config.host });
  log.info({ address, port: (app.server.address() as { port: number }).port }, "listening");

  installShutdown(log, config.shutdownTimeoutMs, async () => {
    beginShutdown();
    await app.close();
  });
}

function installShutdown(log: Logger, timeoutMs: number, drain: () => Promise<void>): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log.info({ signal, timeoutMs }, "draining: no new connections; finishing in-flight requests");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "drain did not finish in time; exiting with requests still open");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    drain().then(
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

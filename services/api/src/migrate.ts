import { ConfigError, loadConfig } from "./config";
import { loadMigrations, migrate } from "./db/migrations";
import { createLogger, openRuntime } from "./runtime";

/**
 * `node dist/migrate.js`: the one-off ECS task runs this once per deploy, before new tasks start.
 * Safe to run twice or concurrently (advisory lock; applied versions are skipped). Exit 0 on success.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      createLogger({ logLevel: "info" }).fatal({ problems: error.problems }, error.message);
      return 1;
    }
    throw error;
  }
  const log = createLogger(config);
  if (config.database.kind === "pglite") {
    log.warn("No DATABASE_URL or DB_HOST: the embedded database migrates itself at start; nothing to do.");
    return 0;
  }
  const runtime = await openRuntime({ ...config, cache: { kind: "memory" } }, log);
  try {
    const schema = config.database.schema;
    const applied = await migrate(runtime.db, loadMigrations(), { schema });
    log.info(
      { applied },
      applied.length > 0 ? `applied migrations ${applied.join(", ")}` : "schema is up to date",
    );
    return 0;
  } catch (error) {
    log.fatal({ err: error }, "migration failed; nothing was applied (each run is one transaction)");
    return 1;
  } finally {
    await runtime.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    createLogger({ logLevel: "info" }).fatal({ err: error }, "migration failed");
    process.exit(1);
  },
);

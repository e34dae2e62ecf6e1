import pino, { type Logger } from "pino";
import type { Cache } from "./cache/cache";
import { MemoryCache } from "./cache/memory-cache";
import { RedisCache } from "./cache/redis-cache";
import type { ServiceConfig } from "./config";
import type { Database } from "./db/database";
import { PgDatabase } from "./db/pg-database";
import { PgliteDatabase } from "./db/pglite-database";
import { Metrics } from "./http/metrics";

/** The process's logger: JSON lines, request ids, credentials redacted. */
export function createLogger(config: Pick<ServiceConfig, "logLevel">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "skyline-api" },
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "password", "*.password", "token"],
      censor: "[redacted]",
    },
  });
}

export interface Runtime {
  readonly db: Database;
  readonly cache: Cache;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/** Opens the database and cache the config names; a Redis that is down now is not fatal (it reconnects). */
export async function openRuntime(config: ServiceConfig, log: Logger): Promise<Runtime> {
  // The pools need an error listener before the metrics (which read pool stats) exist: count through a holder.
  const holder: { metrics?: Metrics } = {};
  const countError = (dependency: "database" | "cache", message: string) => (error: Error) => {
    holder.metrics?.dependencyErrors.inc({ dependency });
    log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, message);
  };
  const db: Database =
    config.database.kind === "pglite"
      ? await PgliteDatabase.open(config.database.dataDir)
      : new PgDatabase(config.database, countError("database", "database connection error"));
  const metrics = new Metrics(() => db.stats());
  holder.metrics = metrics;
  let cache: Cache;
  if (config.cache.kind === "redis") {
    const redis = new RedisCache(config.cache, countError("cache", "redis connection error"));
    await redis.connect().catch((error: Error) => {
      log.warn(
        { err: { message: error.message } },
        "redis unreachable at start; serving from PostgreSQL until it is back",
      );
    });
    cache = redis;
  } else {
    cache = new MemoryCache();
  }
  return {
    db,
    cache,
    metrics,
    async close() {
      await Promise.allSettled([db.close(), cache.close()]);
    },
  };
}

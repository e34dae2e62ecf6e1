import pino, { type Logger } from "pino";
import type { Cache } from "./cache/cache";
import {
  LocalInvalidationChannel,
  RedisInvalidationChannel,
  type InvalidationChannel,
} from "./cache/invalidation";
import { BreakerCache, BreakerGatedChannel, CircuitBreaker } from "./cache/breaker";
import { MemoryCache } from "./cache/memory-cache";
import type { ServiceConfig } from "./config";
import type { Database } from "./db/database";
import { PgliteDatabase } from "./db/pglite-database";
import { errorFields, RateLimitedLog } from "./http/log-limiter";
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
  /** Tells the other instances a cached test changed (Redis pub/sub; in-process in embedded mode). */
  readonly invalidation: InvalidationChannel;
  readonly metrics: Metrics;
  /** Repeated dependency errors, one line per interval (shared with the app's request paths). */
  readonly dependencyLog: RateLimitedLog;
  close(): Promise<void>;
}

/** Opens the database and cache the config names; a Redis that is down now is not fatal (it reconnects). */
export async function openRuntime(config: ServiceConfig, log: Logger): Promise<Runtime> {
  // The pools need an error listener before the metrics (which read pool stats) exist: count through a holder.
  const holder: { metrics?: Metrics } = {};
  // A dependency that is down reports an error per reconnect attempt and per pooled connection: one line
  // per interval with a count, not one each.
  const dependencyLog = new RateLimitedLog(log);
  const countError = (dependency: "database" | "cache", message: string) => (error: Error) => {
    holder.metrics?.dependencyErrors.inc({ dependency });
    dependencyLog.warn(`${dependency}:${message}`, { error: errorFields(error) }, message);
  };
  // pg and ioredis are loaded only when configured: the embedded default starts without them.
  const db: Database =
    config.database.kind === "pglite"
      ? await PgliteDatabase.open(config.database.dataDir)
      : new (await import("./db/pg-database")).PgDatabase(
          config.database,
          countError("database", "database connection error"),
          undefined,
          {
            onReaderStateChange: (change) => {
              const replica = { replica: change.replica, target: change.target };
              if (change.up) {
                log.info(replica, "database reader answers again: back in the read rotation");
                return;
              }
              holder.metrics?.dependencyErrors.inc({ dependency: "database" });
              log.warn(
                {
                  ...replica,
                  cooldownMs: change.cooldownMs,
                  err: { message: change.error?.message, code: (change.error as { code?: string })?.code },
                },
                "database reader down: its reads go to the other readers (the writer when none is up) until it answers again",
              );
            },
          },
        );
  const metrics = new Metrics(() => db.stats());
  holder.metrics = metrics;
  let cache: Cache;
  let invalidation: InvalidationChannel;
  if (config.cache.kind === "redis") {
    const { RedisCache } = await import("./cache/redis-cache");
    const redis = new RedisCache(config.cache, countError("cache", "redis connection error"));
    await redis.connect().catch((error: Error) => {
      log.warn(
        { err: { message: error.message } },
        "redis unreachable at start; serving from PostgreSQL until it is back",
      );
    });
    // Told of every state change of the breaker, which exists first.
    const gate: { channel?: BreakerGatedChannel } = {};
    const breaker = new CircuitBreaker(() => redis.ping(), {
      failureThreshold: config.cache.breakerFailures,
      openMs: config.cache.breakerOpenMs,
      onStateChange: (to, from, reason) => {
        metrics.breakerState(to);
        metrics.breakerTransitions.inc({ to });
        gate.channel?.dropAll();
        const fields = { breaker: to, from, reason };
        if (to === "open")
          log.warn(fields, "redis circuit breaker open: cache calls fail at once until a probe is answered");
        else if (to === "closed") log.info(fields, "redis circuit breaker closed: redis answers again");
      },
      onRejected: () => metrics.breakerRejections.inc(),
    });
    metrics.breakerState("closed");
    cache = new BreakerCache(redis, breaker);
    const channel = new RedisInvalidationChannel(
      redis.client,
      `${config.keyPrefix}invalidate:tests`,
      countError("cache", "redis subscriber connection error"),
    );
    // Down now is not fatal: the in-process tier stays off until the subscription is live.
    await channel.connect().catch(() => undefined);
    gate.channel = new BreakerGatedChannel(channel, breaker);
    invalidation = gate.channel;
  } else {
    cache = new MemoryCache();
    invalidation = new LocalInvalidationChannel();
  }
  return {
    db,
    cache,
    invalidation,
    metrics,
    dependencyLog,
    async close() {
      dependencyLog.close();
      await invalidation.close();
      await Promise.allSettled([db.close(), cache.close()]);
    },
  };
}

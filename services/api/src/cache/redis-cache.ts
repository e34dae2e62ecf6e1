import Redis, { type RedisOptions } from "ioredis";
import type { CacheConfig } from "../config";
import type { Cache, WindowHit } from "./cache";

// INCRBY then set the expiry when this call created the key, atomically: returns [count, pttl].
const HIT_SCRIPT = `
local increment = tonumber(ARGV[2])
local count = redis.call('INCRBY', KEYS[1], increment)
if count == increment then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

type RedisWithHit = Redis & {
  skylineHit(key: string, windowMs: number, increment: number): Promise<[number, number]>;
};

/** ioredis options that fail fast while Redis is down (so callers degrade) and reconnect on their own. */
export function redisOptionsFor(config: Extract<CacheConfig, { kind: "redis" }>): RedisOptions {
  return {
    host: config.host,
    port: config.port,
    password: config.password,
    tls: config.tls ? {} : undefined,
    // No queueing while disconnected: a command rejects at once instead of waiting for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.commandTimeoutMs,
    // Commands issued in the same tick (the rate limiter's periodic sync of every subject, concurrent cache
    // reads) go out as one write instead of one syscall each.
    enableAutoPipelining: true,
    connectTimeout: 2000,
    // Reconnect forever, backing off to 2 s: recovery needs no restart.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // After a failover the old primary, demoted to a replica, may keep this connection and refuse every
    // write with READONLY (the rate limiter would fail open for good): reconnect, so the endpoint's name
    // leads to the new primary. The command that met it fails like any other cache error.
    reconnectOnError: (error) => error.message.startsWith("READONLY"),
    lazyConnect: true,
  };
}

export class RedisCache implements Cache {
  readonly kind = "redis" as const;
  readonly client: RedisWithHit;

  constructor(config: Extract<CacheConfig, { kind: "redis" }>, onError: (error: Error) => void) {
    const options = redisOptionsFor(config);
    const client = config.url ? new Redis(config.url, options) : new Redis(options);
    client.defineCommand("skylineHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
    // Without a listener ioredis logs every failed reconnect to stderr; the app counts them instead.
    client.on("error", onError);
    this.client = client as RedisWithHit;
  }

  /** Starts connecting; resolves when connected or rejects on the first failure (reconnects continue). */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number, onlyIfAbsent = false): Promise<boolean> {
    const result = onlyIfAbsent
      ? await this.client.set(key, value, "EX", ttlSeconds, "NX")
      : await this.client.set(key, value, "EX", ttlSeconds);
    return result === "OK";
  }

  async del(key: string): Promise<void> {
    await this.client.del(key);
  }

  async hit(key: string, windowMs: number, increment = 1): Promise<WindowHit> {
    const [count, resetMs] = await this.client.skylineHit(key, windowMs, increment);
    return { count, resetMs };
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

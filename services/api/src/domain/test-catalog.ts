import type { FastifyBaseLogger } from "fastify";
import type { Cache } from "../cache/cache";
import type { Database } from "../db/database";
import type { Metrics } from "../http/metrics";
import { findTest, type TestRecord } from "./repository";

export type CacheResult = "hit" | "miss" | "error";

/**
 * Tests, read cache-aside. Misses read the reader endpoint and fill the cache only if the key is still
 * absent (SET NX); an update writes the new value through. So a miss that read a lagging replica can
 * never overwrite a fresher value. When the cache is down, reads go to PostgreSQL and an update queues its
 * key for deletion, retried every second, so no stale value outlives the outage.
 */
export class TestCatalog {
  private readonly pendingDelete = new Set<string>();
  private readonly retryTimer: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly cache: Cache,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {
    this.retryTimer = setInterval(() => void this.retryPending(), 1000);
    this.retryTimer.unref();
  }

  key(id: string): string {
    return `${this.keyPrefix}test:${id}`;
  }

  async get(id: string): Promise<{ test?: TestRecord; cache: CacheResult }> {
    let cached: string | null = null;
    let cacheResult: CacheResult = "miss";
    try {
      cached = await this.cache.get(this.key(id));
    } catch (error) {
      cacheResult = "error";
      this.log.warn({ err: error }, "cache read failed; reading PostgreSQL");
    }
    if (cached !== null) {
      this.metrics.cacheRequests.inc({ result: "hit" });
      return { test: JSON.parse(cached) as TestRecord, cache: "hit" };
    }
    this.metrics.cacheRequests.inc({ result: cacheResult });
    const test = await findTest(this.db.reader, id);
    if (test && cacheResult === "miss") {
      this.cache.set(this.key(id), JSON.stringify(test), this.ttlSeconds, true).catch(() => undefined);
    }
    return { test, cache: cacheResult };
  }

  /** Call after a write committed: replaces the cached value with the new one. */
  async written(test: TestRecord): Promise<void> {
    try {
      await this.cache.set(this.key(test.id), JSON.stringify(test), this.ttlSeconds);
    } catch (error) {
      this.pendingDelete.add(test.id);
      this.log.warn(
        { err: error, testId: test.id },
        "cache write-through failed; will delete the key when the cache is back",
      );
    }
  }

  /** Keys still to delete because the cache was down during their update. */
  get pending(): number {
    return this.pendingDelete.size;
  }

  /** Deleting (not re-writing) is safe even if another task wrote a newer value meanwhile. */
  async retryPending(): Promise<void> {
    for (const id of [...this.pendingDelete]) {
      try {
        await this.cache.del(this.key(id));
        this.pendingDelete.delete(id);
      } catch {
        return;
      }
    }
  }

  close(): void {
    clearInterval(this.retryTimer);
  }
}

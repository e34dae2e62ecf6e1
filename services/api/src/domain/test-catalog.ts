import type { Cache } from "../cache/cache";
import type { InvalidationChannel } from "../cache/invalidation";
import { LocalCache } from "../cache/local-cache";
import type { Database } from "../db/database";
import { errorFields, RateLimitedLog, type LevelLogger } from "../http/log-limiter";
import type { Metrics } from "../http/metrics";
import { findTest, type TestRecord } from "./repository";

export type CacheResult = "hit" | "miss" | "error";

export interface TestCatalogDeps {
  readonly db: Database;
  readonly cache: Cache;
  readonly metrics: Metrics;
  readonly log: LevelLogger;
  /** Where cache failures are logged, once per interval with a count. @default one made on `log` */
  readonly dependencyLog?: RateLimitedLog;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** The in-process tier. @default none (a LocalCache with TTL 0) */
  readonly local?: LocalCache<TestRecord>;
  /** How updates reach the other instances' in-process tiers; required for `local` to be used. */
  readonly invalidation: InvalidationChannel;
}

/**
 * Tests, read cache-aside through two tiers. The in-process tier holds a hot test for a few seconds and
 * is used only while the invalidation channel is live; an update anywhere publishes the test's id and
 * every instance drops its copy (a lost subscription drops them all), so a stale copy outlives an update
 * by no more than the message's delivery, or the local TTL if the publish itself failed.
 * The shared tier: misses read the reader endpoint and fill the cache only if the key is still absent
 * (SET NX); an update writes the new value through. So a miss that read a lagging replica can never
 * overwrite a fresher value. When the cache is down, reads go to PostgreSQL and an update queues its key
 * for deletion (and its invalidation), retried every second, so no stale value outlives the outage.
 */
export class TestCatalog {
  private readonly pendingDelete = new Set<string>();
  private readonly retryTimer: NodeJS.Timeout;
  private readonly db: Database;
  private readonly cache: Cache;
  private readonly metrics: Metrics;
  private readonly log: RateLimitedLog;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly local: LocalCache<TestRecord>;
  private readonly invalidation: InvalidationChannel;
  /** Bumped by every invalidation: a read that started before one must not fill the local tier. */
  private generation = 0;

  constructor(deps: TestCatalogDeps) {
    this.db = deps.db;
    this.cache = deps.cache;
    this.metrics = deps.metrics;
    this.log = deps.dependencyLog ?? new RateLimitedLog(deps.log);
    this.keyPrefix = deps.keyPrefix;
    this.ttlSeconds = deps.ttlSeconds;
    this.invalidation = deps.invalidation;
    this.local = deps.local ?? new LocalCache({ ttlMs: 0 });
    this.invalidation.onInvalidate((id) => {
      this.generation += 1;
      if (id === undefined) this.local.clear();
      else this.local.delete(id);
    });
    this.metrics.watchPendingInvalidations(() => this.pendingDelete.size);
    this.retryTimer = setInterval(() => void this.retryPending(), 1000);
    this.retryTimer.unref();
  }

  key(id: string): string {
    return `${this.keyPrefix}test:${id}`;
  }

  /** The in-process tier is used only while it is on and invalidations can be heard. */
  private get localUsable(): boolean {
    return this.local.enabled && this.invalidation.live;
  }

  /**
   * The test from the in-process tier, counted as a hit, or undefined (nothing counted: call get). Synchronous
   * so the hottest read answers without a promise; get() starts with the same lookup.
   */
  getHot(id: string): TestRecord | undefined {
    if (!this.localUsable) return undefined;
    const hot = this.local.get(id);
    if (hot !== undefined) {
      this.metrics.cacheRequests.inc({ result: "hit" });
      this.metrics.localCacheHits.inc();
    }
    return hot;
  }

  async get(id: string): Promise<{ test?: TestRecord; cache: CacheResult }> {
    const hot = this.getHot(id);
    if (hot !== undefined) return { test: hot, cache: "hit" };
    const useLocal = this.localUsable;
    const generation = this.generation;
    const result = await this.getShared(id);
    // Kept locally: only a shared-cache hit (a database read may come from a lagging replica, which SET NX
    // keeps out of the shared tier too), only if no invalidation arrived meanwhile, only while they are heard.
    const keep = result.cache === "hit" && generation === this.generation && this.invalidation.live;
    if (result.test && useLocal && keep) {
      this.local.set(id, result.test);
    }
    return result;
  }

  private async getShared(id: string): Promise<{ test?: TestRecord; cache: CacheResult }> {
    let cached: string | null = null;
    let cacheResult: CacheResult = "miss";
    try {
      cached = await this.cache.get(this.key(id));
    } catch (error) {
      cacheResult = "error";
      this.log.warn(
        `cache-read:${(error as { code?: string }).code ?? "error"}`,
        { error: errorFields(error) },
        "cache read failed; reading PostgreSQL",
      );
    }
    let unusable = false;
    if (cached !== null) {
      const test = cachedTest(cached, id);
      if (test) {
        this.metrics.cacheRequests.inc({ result: "hit" });
        return { test, cache: "hit" };
      }
      // Not this test (not JSON, another shape, another id): a miss, and the entry is replaced below.
      unusable = true;
      this.log.warn(
        "cache-entry-unusable",
        { testId: id },
        "cache entry is not this test; reading PostgreSQL",
      );
    }
    this.metrics.cacheRequests.inc({ result: cacheResult });
    const test = await findTest(this.db.reader, id);
    if (test && cacheResult === "miss") {
      // Deleted first, then SET NX as always: a fresher value written meanwhile (write-through) is kept.
      const key = this.key(id);
      (unusable ? this.cache.del(key) : Promise.resolve())
        .then(() => this.cache.set(key, JSON.stringify(test), this.ttlSeconds, true))
        .catch(() => undefined);
    }
    return { test, cache: cacheResult };
  }

  /** Call after a write committed: replaces the shared value with the new one, then drops every local copy. */
  async written(test: TestRecord): Promise<void> {
    this.generation += 1;
    this.local.delete(test.id);
    try {
      await this.cache.set(this.key(test.id), JSON.stringify(test), this.ttlSeconds);
      await this.invalidation.publish(test.id);
    } catch (error) {
      this.pendingDelete.add(test.id);
      this.log.warn(
        "cache-write-through",
        { error: errorFields(error), testId: test.id },
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
        await this.invalidation.publish(id);
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

/** The test a shared-cache entry holds, if it is one and it is `id`: anything else is not served. */
function cachedTest(text: string, id: string): TestRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const test = value as Partial<TestRecord> | null;
  const usable =
    typeof test === "object" &&
    test !== null &&
    test.id === id &&
    typeof test.title === "string" &&
    typeof test.version === "number" &&
    Array.isArray(test.questions);
  return usable ? (test as TestRecord) : undefined;
}

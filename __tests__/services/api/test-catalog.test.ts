import pino from "pino";
import type { Cache } from "../../../services/api/src/cache/cache";
import {
  LocalInvalidationChannel,
  NoInvalidationChannel,
  type InvalidationChannel,
} from "../../../services/api/src/cache/invalidation";
import { LocalCache } from "../../../services/api/src/cache/local-cache";
import { MemoryCache } from "../../../services/api/src/cache/memory-cache";
import type { Database } from "../../../services/api/src/db/database";
import type { TestRecord } from "../../../services/api/src/domain/repository";
import { TestCatalog } from "../../../services/api/src/domain/test-catalog";
import { Metrics } from "../../../services/api/src/http/metrics";

const ID = "00000000-0000-4000-8000-00000000000a";
const record = (version: number, title = `v${version}`): TestRecord => ({
  id: ID,
  title,
  description: "",
  questions: [{ id: "q1", prompt: "?", choices: ["a", "b"], answer: 1 }],
  version,
  createdBy: "admin",
  createdAt: "2026-01-01T00:00:00.000000Z",
  updatedAt: "2026-01-01T00:00:00.000000Z",
});

/** The database as the catalog sees it: the reader returns the current row; counts reads. */
class FakeDatabase {
  row?: TestRecord;
  reads = 0;
  readonly reader = {
    query: async () => {
      this.reads += 1;
      return { rows: this.row ? [this.row] : [], rowCount: this.row ? 1 : 0 };
    },
    exec: async () => undefined,
  };
  asDatabase(): Database {
    return this as unknown as Database;
  }
}

/** The shared cache (Redis for every instance), counting reads. */
class CountingCache extends MemoryCache {
  gets = 0;
  slowNext?: Promise<void>;
  override async get(key: string): Promise<string | null> {
    this.gets += 1;
    const gate = this.slowNext;
    this.slowNext = undefined;
    if (gate) await gate;
    return super.get(key);
  }
}

/** A channel a test drives: its liveness, and the "drop everything" a reconnect sends. */
class ControlledChannel implements InvalidationChannel {
  live = true;
  private readonly handlers: ((id: string | undefined) => void)[] = [];
  async publish(id: string): Promise<void> {
    this.emit(id);
  }
  onInvalidate(handler: (id: string | undefined) => void): void {
    this.handlers.push(handler);
  }
  emit(id: string | undefined): void {
    for (const handler of this.handlers) handler(id);
  }
  async close(): Promise<void> {}
}

describe("TestCatalog with the in-process tier", () => {
  let now = 0;
  let shared: CountingCache;
  let db: FakeDatabase;
  const catalogs: TestCatalog[] = [];
  const instance = (invalidation: InvalidationChannel, ttlMs = 5000) => {
    const metrics = new Metrics(() => [], { defaultMetrics: false });
    const catalog = new TestCatalog({
      db: db.asDatabase(),
      cache: shared as Cache,
      metrics,
      log: pino({ level: "silent" }),
      keyPrefix: "t:",
      ttlSeconds: 60,
      local: new LocalCache<TestRecord>({ ttlMs, maxEntries: 10, now: () => now }),
      invalidation,
    });
    catalogs.push(catalog);
    return { catalog, metrics };
  };
  const localHits = async (metrics: Metrics) => (await metrics.localCacheHits.get()).values[0]?.value ?? 0;

  beforeEach(() => {
    now = 1_000_000;
    shared = new CountingCache(() => now);
    db = new FakeDatabase();
  });
  afterEach(async () => {
    for (const c of catalogs.splice(0)) c.close();
    await shared.close();
  });

  test("a hot test is served in-process after one shared-cache hit", async () => {
    const bus = new LocalInvalidationChannel();
    const { catalog, metrics } = instance(bus);
    await catalog.written(record(1));
    expect((await catalog.get(ID)).cache).toBe("hit");
    const gets = shared.gets;
    const again = await catalog.get(ID);
    expect(again).toMatchObject({ cache: "hit", test: { version: 1 } });
    expect(shared.gets).toBe(gets);
    expect(await localHits(metrics)).toBe(1);
  });

  test("getHot answers synchronously only from the in-process tier, and counts only what it answers", async () => {
    const { catalog, metrics } = instance(new LocalInvalidationChannel());
    await catalog.written(record(1));
    expect(catalog.getHot(ID)).toBeUndefined(); // not held in-process yet: the caller goes to get()
    expect(await localHits(metrics)).toBe(0);
    await catalog.get(ID); // a shared-cache hit, kept in-process
    const gets = shared.gets;
    expect(catalog.getHot(ID)).toMatchObject({ version: 1 });
    expect(shared.gets).toBe(gets);
    expect(await localHits(metrics)).toBe(1);
    const hits = (await metrics.cacheRequests.get()).values.find((v) => v.labels.result === "hit")?.value;
    expect(hits).toBe(2);
  });

  test("an update on one instance reaches another instance's in-process copy at once", async () => {
    const bus = new LocalInvalidationChannel(); // both instances subscribed to the same channel
    const a = instance(bus).catalog;
    const b = instance(bus).catalog;
    await a.written(record(1));
    await b.get(ID);
    expect((await b.get(ID)).test?.version).toBe(1); // now held by b in-process
    db.row = record(2);
    await a.written(record(2));
    expect((await b.get(ID)).test?.version).toBe(2);
  });

  test("not used while invalidations cannot be heard (the subscription is down)", async () => {
    const { catalog } = instance(new NoInvalidationChannel());
    await catalog.written(record(1));
    await catalog.get(ID);
    await catalog.get(ID);
    expect(shared.gets).toBe(2);
  });

  test("a read that overlapped an invalidation does not keep its (possibly old) value", async () => {
    const bus = new LocalInvalidationChannel();
    const { catalog } = instance(bus);
    await catalog.written(record(1));
    let release!: () => void;
    shared.slowNext = new Promise<void>((resolve) => (release = resolve));
    const reading = catalog.get(ID);
    await bus.publish(ID);
    release();
    await reading;
    const gets = shared.gets;
    await catalog.get(ID);
    expect(shared.gets).toBe(gets + 1);
  });

  test("a database read (shared-cache miss) is not kept in-process: it may come from a lagging replica", async () => {
    const { catalog } = instance(new LocalInvalidationChannel());
    db.row = record(1);
    expect((await catalog.get(ID)).cache).toBe("miss");
    await new Promise((r) => setImmediate(r)); // the SET NX fill
    const gets = shared.gets;
    expect((await catalog.get(ID)).cache).toBe("hit");
    expect(shared.gets).toBe(gets + 1);
  });

  test("entries expire after the local TTL; a lost subscription drops them all", async () => {
    const bus = new ControlledChannel();
    const { catalog } = instance(bus, 1000);
    await catalog.written(record(1));
    await catalog.get(ID);
    now += 1000;
    const gets = shared.gets;
    await catalog.get(ID);
    expect(shared.gets).toBe(gets + 1);
    await catalog.get(ID); // held again
    expect(shared.gets).toBe(gets + 1);
    bus.emit(undefined); // "drop everything", as when the subscription drops or comes back
    await catalog.get(ID);
    expect(shared.gets).toBe(gets + 2);
    bus.live = false; // while down, nothing is served or kept in-process
    await catalog.get(ID);
    await catalog.get(ID);
    expect(shared.gets).toBe(gets + 4);
  });
});

describe("LocalCache", () => {
  test("expires entries, drops the oldest past its bound, and a TTL of 0 disables it", () => {
    let now = 0;
    const cache = new LocalCache<number>({ ttlMs: 100, maxEntries: 2, now: () => now });
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, 2, 3]);
    now += 100;
    expect(cache.get("b")).toBeUndefined();
    const off = new LocalCache<number>({ ttlMs: 0 });
    off.set("a", 1);
    expect(off.enabled).toBe(false);
    expect(off.get("a")).toBeUndefined();
  });
});

describe("TestCatalog: updates made while the cache is down", () => {
  test("queue the key for deletion, show the queue in cache_pending_invalidations, and empty it once the cache is back", async () => {
    let down = true;
    class FlakyCache extends MemoryCache {
      override async set(key: string, value: string, ttl: number, nx?: boolean): Promise<boolean> {
        if (down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        return super.set(key, value, ttl, nx);
      }
      override async del(key: string): Promise<void> {
        if (down) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
        return super.del(key);
      }
    }
    const cache = new FlakyCache();
    const metrics = new Metrics(() => [], { defaultMetrics: false });
    const catalog = new TestCatalog({
      db: new FakeDatabase().asDatabase(),
      cache,
      metrics,
      log: pino({ level: "silent" }),
      keyPrefix: "t:",
      ttlSeconds: 60,
      invalidation: new LocalInvalidationChannel(),
    });
    const gauge = async () => {
      const text = await metrics.registry.metrics();
      return Number(/^cache_pending_invalidations (\S+)$/m.exec(text)?.[1]);
    };
    try {
      expect(await gauge()).toBe(0);
      await catalog.written(record(2));
      expect(await gauge()).toBe(1);
      await catalog.retryPending(); // still down: kept
      expect(await gauge()).toBe(1);
      down = false;
      await catalog.retryPending();
      expect(await gauge()).toBe(0);
    } finally {
      catalog.close();
      await cache.close();
    }
  });
});

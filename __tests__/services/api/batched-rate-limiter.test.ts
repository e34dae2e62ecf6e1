import type { Cache, WindowHit } from "../../../services/api/src/cache/cache";
import { MemoryCache } from "../../../services/api/src/cache/memory-cache";
import { BatchedRateLimiter } from "../../../services/api/src/http/batched-rate-limiter";
import type { RateLimitRule } from "../../../services/api/src/http/rate-limit";

/** A shared store (as Redis is for every instance) that counts the calls reaching it. */
class CountingStore {
  calls = 0;
  down = false;
  constructor(readonly inner: MemoryCache) {}
  hit(key: string, windowMs: number, increment?: number): Promise<WindowHit> {
    this.calls += 1;
    if (this.down) return Promise.reject(new Error("store down"));
    return this.inner.hit(key, windowMs, increment);
  }
  asCache(): Cache {
    return this as unknown as Cache;
  }
}

const rule: RateLimitRule = { scope: "ip", max: 100, windowMs: 60_000 };
const KEY = "p:rl:ip:1.2.3.4";

describe("BatchedRateLimiter", () => {
  let now = 1_000_000;
  const clock = () => now;
  let memory: MemoryCache;
  let store: CountingStore;
  const limiters: BatchedRateLimiter[] = [];
  const limiter = (options: { localShare?: number; maxKeys?: number } = {}) => {
    const created = new BatchedRateLimiter(store.asCache(), "p:", {
      now: clock,
      syncIntervalMs: 60_000,
      ...options,
    });
    limiters.push(created);
    return created;
  };
  const consumeMany = async (l: BatchedRateLimiter, n: number, subject = "1.2.3.4") => {
    const decisions = [];
    for (let i = 0; i < n; i++) decisions.push(await l.consume(rule, subject));
    return decisions;
  };

  beforeEach(() => {
    now = 1_000_000;
    memory = new MemoryCache(clock);
    store = new CountingStore(memory);
  });
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((l) => l.close()));
    await memory.close();
  });

  test("one instance is exact: max allowed, then refused, and every hit reaches the store", async () => {
    const one = limiter();
    const decisions = await consumeMany(one, 130);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100);
    expect(decisions.slice(0, 100).every((d) => d.allowed)).toBe(true);
    expect(decisions[0]).toMatchObject({ limit: 100, remaining: 99, resetSeconds: 60, failedOpen: false });
    expect(decisions[99].remaining).toBe(0);
    expect(decisions[100]).toMatchObject({ allowed: false, remaining: 0 });
    await one.sync();
    expect((await memory.hit(KEY, rule.windowMs, 0)).count).toBe(130);
  });

  test("far fewer store calls than hits while the limit is far away", async () => {
    const one = limiter();
    await consumeMany(one, 50);
    // The first hit goes to the store; then up to 10 (10% of 100) are counted locally between syncs.
    expect(store.calls).toBeLessThanOrEqual(6);
    await one.sync();
    expect((await memory.hit(KEY, rule.windowMs, 0)).count).toBe(50);
  });

  test("near the limit every hit is counted in the store before it is answered", async () => {
    const one = limiter();
    await consumeMany(one, 90);
    await one.sync();
    const before = store.calls;
    await consumeMany(one, 10);
    expect(store.calls - before).toBe(10);
  });

  test("a subject known to be over the limit is refused without asking the store", async () => {
    const one = limiter();
    await consumeMany(one, 101);
    const before = store.calls;
    const refused = await consumeMany(one, 20);
    expect(refused.every((d) => !d.allowed)).toBe(true);
    expect(store.calls).toBe(before);
  });

  test("refund takes back an unsent hit locally, else one in the store, and lowers the known count", async () => {
    const one = limiter();
    await consumeMany(one, 5); // the first hit went to the store, the next four are unsent
    const before = store.calls;
    one.refund(rule, "1.2.3.4");
    expect(store.calls).toBe(before);
    await one.sync();
    expect((await memory.hit(KEY, rule.windowMs, 0)).count).toBe(4);

    // Nothing unsent: the refund goes to the store; a subject over the limit is allowed again after it.
    const small: RateLimitRule = { scope: "user", max: 2, windowMs: 60_000 };
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await one.consume(small, "bob")).allowed);
    expect(decisions).toEqual([true, true, false]);
    one.refund(small, "bob");
    one.refund(small, "bob");
    await Promise.resolve();
    expect((await memory.hit("p:rl:user:bob", small.windowMs, 0)).count).toBe(1);
    expect((await one.consume(small, "bob")).allowed).toBe(true);
  });

  test("a limit too small for a local budget (under 1 hit) is exact per hit", async () => {
    const one = limiter();
    const small: RateLimitRule = { scope: "user", max: 5, windowMs: 60_000 };
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push(await one.consume(small, "alice"));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    // Each allowed hit went to the store; the refusals once the count reached max did not need it.
    expect(store.calls).toBe(5);
  });

  test("two instances share the limit: each sees the other's hits after a sync, overshoot stays bounded", async () => {
    const a = limiter();
    const b = limiter();
    await consumeMany(a, 30);
    await a.sync();
    const seen = await b.consume(rule, "1.2.3.4");
    expect(seen.remaining).toBe(100 - 31);

    // Interleave both until both refuse; without any sync in between, each counts at most its budget
    // (10) that the other has not heard of.
    let allowed = 31;
    for (let i = 0; i < 100; i++) {
      if ((await a.consume(rule, "1.2.3.4")).allowed) allowed++;
      if ((await b.consume(rule, "1.2.3.4")).allowed) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(100);
    expect(allowed).toBeLessThanOrEqual(100 + 2 * 10);
  });

  test("a new window starts from zero; unsent hits of the old one are not carried over", async () => {
    const one = limiter();
    await consumeMany(one, 101);
    now += rule.windowMs;
    const fresh = await one.consume(rule, "1.2.3.4");
    expect(fresh).toMatchObject({ allowed: true, remaining: 99 });
  });

  test("store down: hits that need it fail open; a failed sync drops the local state", async () => {
    const one = limiter();
    await consumeMany(one, 5);
    store.down = true;
    await one.sync();
    expect(one.size).toBe(0);
    const decision = await one.consume(rule, "1.2.3.4");
    expect(decision).toMatchObject({ allowed: true, failedOpen: true });
    store.down = false;
    expect((await one.consume(rule, "1.2.3.4")).failedOpen).toBe(false);
  });

  test("tracks at most maxKeys subjects locally; the rest are counted in the store per hit", async () => {
    const one = limiter({ maxKeys: 2 });
    for (const subject of ["a", "b", "c"]) await one.consume(rule, subject);
    expect(one.size).toBe(2);
    const before = store.calls;
    await consumeMany(one, 3, "c");
    expect(store.calls - before).toBe(3);
  });

  test("consumeLocally decides without I/O when it can, and otherwise counts nothing", async () => {
    const one = limiter();
    expect(one.consumeLocally(rule, "1.2.3.4")).toBeUndefined(); // unknown subject: needs the store
    await one.consume(rule, "1.2.3.4");
    const local = one.consumeLocally(rule, "1.2.3.4");
    expect(local).toMatchObject({ allowed: true, remaining: 98 });
    await consumeMany(one, 88);
    await one.sync();
    expect(one.consumeLocally(rule, "1.2.3.4")).toBeUndefined(); // near the limit: exact path only
    await one.sync();
    expect((await memory.hit(KEY, rule.windowMs, 0)).count).toBe(90);
  });

  test("close() sends what is unsent, so a draining instance's hits still count", async () => {
    const one = limiter();
    await consumeMany(one, 8);
    await one.close();
    expect((await memory.hit(KEY, rule.windowMs, 0)).count).toBe(8);
  });

  test("sync() forgets subjects whose window has ended", async () => {
    const one = limiter();
    await consumeMany(one, 3);
    now += rule.windowMs + 1;
    await one.sync();
    expect(one.size).toBe(0);
  });
});

describe("MemoryCache.hit with an increment", () => {
  test("adds the whole batch to the window's count", async () => {
    const cache = new MemoryCache(() => 0);
    expect(await cache.hit("k", 1000, 5)).toEqual({ count: 5, resetMs: 1000 });
    expect(await cache.hit("k", 1000)).toEqual({ count: 6, resetMs: 1000 });
    await cache.close();
  });
});

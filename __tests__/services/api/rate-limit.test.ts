import type { Cache } from "../../../services/api/src/cache/cache";
import { MemoryCache } from "../../../services/api/src/cache/memory-cache";
import { RateLimiter, rateLimitHeaders } from "../../../services/api/src/http/rate-limit";

describe("MemoryCache", () => {
  let now = 1_000_000;
  const cache = new MemoryCache(() => now, 2);
  afterAll(() => cache.close());

  test("expires entries after their TTL and evicts the oldest past the size bound", async () => {
    await cache.set("a", "1", 10);
    expect(await cache.get("a")).toBe("1");
    now += 10_000;
    expect(await cache.get("a")).toBeNull();
    await cache.set("a", "1", 10);
    await cache.set("b", "2", 10);
    await cache.set("c", "3", 10);
    expect(await cache.get("a")).toBeNull();
    expect(cache.size).toBe(2);
  });

  test("set only-if-absent leaves a fresher value alone", async () => {
    await cache.set("k", "new", 10);
    expect(await cache.set("k", "stale", 10, true)).toBe(false);
    expect(await cache.get("k")).toBe("new");
    await cache.del("k");
    expect(await cache.set("k", "fill", 10, true)).toBe(true);
  });

  test("counts hits in a fixed window that resets", async () => {
    expect(await cache.hit("w", 1000)).toEqual({ count: 1, resetMs: 1000 });
    now += 400;
    expect(await cache.hit("w", 1000)).toEqual({ count: 2, resetMs: 600 });
    now += 600;
    expect(await cache.hit("w", 1000)).toEqual({ count: 1, resetMs: 1000 });
    now += 5000;
    cache.sweep();
    expect(await cache.hit("w", 1000)).toEqual({ count: 1, resetMs: 1000 });
  });
});

describe("RateLimiter", () => {
  const rule = { scope: "ip" as const, max: 2, windowMs: 60_000 };

  test("refund gives one hit back: a replay does not use up the limit", async () => {
    const cache = new MemoryCache();
    const limiter = new RateLimiter(cache, "p:");
    await limiter.consume(rule, "9.9.9.9");
    await limiter.consume(rule, "9.9.9.9");
    limiter.refund(rule, "9.9.9.9");
    await Promise.resolve();
    expect((await limiter.consume(rule, "9.9.9.9")).allowed).toBe(true);
    expect((await limiter.consume(rule, "9.9.9.9")).allowed).toBe(false);
    await cache.close();
  });

  test("allows up to max, then refuses with Retry-After", async () => {
    const cache = new MemoryCache();
    const limiter = new RateLimiter(cache, "p:");
    const first = await limiter.consume(rule, "1.2.3.4");
    expect(first).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 60, failedOpen: false });
    await limiter.consume(rule, "1.2.3.4");
    const third = await limiter.consume(rule, "1.2.3.4");
    expect(third.allowed).toBe(false);
    expect(rateLimitHeaders(third)).toEqual({
      "x-ratelimit-limit": "2",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "60",
      "retry-after": "60",
    });
    expect((await limiter.consume(rule, "5.6.7.8")).allowed).toBe(true);
    await cache.close();
  });

  test("fails open when the store is down", async () => {
    const broken = { hit: () => Promise.reject(new Error("down")) } as unknown as Cache;
    const decision = await new RateLimiter(broken, "p:").consume(rule, "x");
    expect(decision).toMatchObject({ allowed: true, failedOpen: true });
  });
});

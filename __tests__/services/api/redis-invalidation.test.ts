import { RedisInvalidationChannel } from "../../../services/api/src/cache/invalidation";
import { RedisCache } from "../../../services/api/src/cache/redis-cache";
import { DisposableRedis, freePort } from "./support/redis-server";

jest.setTimeout(30_000);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Two instances, each with its own cache client and subscription, on a throw-away redis-server that the
// test can stop and start.
describe("RedisInvalidationChannel", () => {
  let redis: DisposableRedis;
  const caches: RedisCache[] = [];
  const channels: RedisInvalidationChannel[] = [];
  const instance = async (subscribeRetryMs?: number) => {
    const cache = new RedisCache(
      { kind: "redis", url: redis.url, port: redis.port, tls: false, commandTimeoutMs: 500 },
      () => undefined,
    );
    await cache.connect();
    const channel = new RedisInvalidationChannel(cache.client, "t:invalidate:tests", () => undefined, {
      subscribeRetryMs,
    });
    await channel.connect();
    const received: (string | undefined)[] = [];
    channel.onInvalidate((id) => received.push(id));
    caches.push(cache);
    channels.push(channel);
    return { cache, channel, received };
  };

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
  });
  afterAll(async () => {
    await Promise.all(channels.map((c) => c.close()));
    await Promise.all(caches.map((c) => c.close()));
    await redis.stop();
  });

  test("an id published by one instance reaches the other; live only while subscribed; drops everything on both edges", async () => {
    const a = await instance();
    const b = await instance();
    await until(() => a.channel.live && b.channel.live);
    b.received.length = 0;

    await a.channel.publish("test-1");
    await until(() => b.received.includes("test-1"));
    expect(a.received).toContain("test-1"); // the publisher hears itself too

    b.received.length = 0;
    await redis.stop();
    await until(() => !b.channel.live);
    expect(b.received).toEqual([undefined]); // lost: messages may be missed from now on
    await expect(a.channel.publish("test-2")).rejects.toThrow();

    await redis.start();
    // The subscriber and the command connection reconnect independently: publish needs the latter.
    await until(() => b.channel.live && a.channel.live && a.cache.client.status === "ready", 15_000);
    expect(b.received).toEqual([undefined, undefined]); // back: anything held may be stale
    await a.channel.publish("test-3");
    await until(() => b.received.includes("test-3"));
  });

  test("a refused SUBSCRIBE (an ACL) leaves it not live and is asked again until allowed", async () => {
    const admin = await instance();
    await admin.cache.client.call("ACL", "SETUSER", "default", "-subscribe");
    try {
      const refused = await instance(100);
      await new Promise((r) => setTimeout(r, 400));
      expect(refused.channel.live).toBe(false);
      await admin.cache.client.call("ACL", "SETUSER", "default", "+subscribe");
      await until(() => refused.channel.live, 5000);
    } finally {
      await admin.cache.client.call("ACL", "SETUSER", "default", "+subscribe");
    }
  });

  test("RedisCache.hit adds a batch atomically and starts the window's expiry", async () => {
    const { cache } = await instance();
    expect((await cache.hit("t:rl:batch", 60_000, 7)).count).toBe(7);
    const next = await cache.hit("t:rl:batch", 60_000);
    expect(next.count).toBe(8);
    expect(next.resetMs).toBeGreaterThan(50_000);
    expect(next.resetMs).toBeLessThanOrEqual(60_000);
  });
});

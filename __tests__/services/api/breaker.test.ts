import {
  BreakerCache,
  BreakerGatedChannel,
  BreakerOpenError,
  CircuitBreaker,
  type BreakerState,
} from "../../../services/api/src/cache/breaker";
import type { Cache } from "../../../services/api/src/cache/cache";
import { LocalInvalidationChannel } from "../../../services/api/src/cache/invalidation";

const timeout = () => Object.assign(new Error("Command timed out"), {});
const replyError = () =>
  Object.assign(new Error("WRONGTYPE Operation against a key"), { name: "ReplyError" });

function breakerWith(probe: () => Promise<void>, failureThreshold = 3, openMs = 1000) {
  let now = 0;
  const changes: [BreakerState, BreakerState][] = [];
  let rejected = 0;
  const breaker = new CircuitBreaker(probe, {
    failureThreshold,
    openMs,
    now: () => now,
    onStateChange: (to, from) => changes.push([from, to]),
    onRejected: () => (rejected += 1),
  });
  return {
    breaker,
    changes,
    rejected: () => rejected,
    advance: (ms: number) => (now += ms),
  };
}

const fail = (error: Error) => () => Promise.reject(error);
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("CircuitBreaker", () => {
  test("opens after the threshold of consecutive failures; then calls fail at once without running", async () => {
    const { breaker, changes, rejected } = breakerWith(async () => undefined);
    for (let i = 0; i < 3; i++)
      await expect(breaker.run(fail(timeout()))).rejects.toThrow("Command timed out");
    expect(breaker.state).toBe("open");
    expect(changes).toEqual([["closed", "open"]]);
    const op = jest.fn(async () => "value");
    await expect(breaker.run(op)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(op).not.toHaveBeenCalled();
    expect(rejected()).toBe(1);
  });

  test("a success between failures resets the count; errors Redis answered with are not failures", async () => {
    const { breaker } = breakerWith(async () => undefined);
    await breaker.run(fail(timeout())).catch(() => undefined);
    await breaker.run(fail(timeout())).catch(() => undefined);
    await breaker.run(async () => "ok");
    await breaker.run(fail(timeout())).catch(() => undefined);
    await breaker.run(fail(timeout())).catch(() => undefined);
    for (let i = 0; i < 5; i++) await breaker.run(fail(replyError())).catch(() => undefined);
    expect(breaker.state).toBe("closed");
  });

  test("after the open period one probe runs in the background (half-open); its answer closes it", async () => {
    let answer!: () => void;
    const probe = jest.fn(() => new Promise<void>((resolve) => (answer = resolve)));
    const { breaker, changes, advance } = breakerWith(probe, 1, 1000);
    await breaker.run(fail(timeout())).catch(() => undefined);
    advance(999);
    await expect(breaker.run(async () => 1)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(probe).not.toHaveBeenCalled();
    advance(1);
    // The call that finds the period over starts the probe and still fails at once: nobody waits for it.
    await expect(breaker.run(async () => 1)).rejects.toBeInstanceOf(BreakerOpenError);
    await expect(breaker.run(async () => 1)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe("half-open");
    answer();
    await settle();
    expect(breaker.state).toBe("closed");
    expect(await breaker.run(async () => 2)).toBe(2);
    expect(changes).toEqual([
      ["closed", "open"],
      ["open", "half-open"],
      ["half-open", "closed"],
    ]);
  });

  test("a failed probe opens it for another period", async () => {
    const probe = jest.fn(() => Promise.reject(timeout()));
    const { breaker, advance } = breakerWith(probe, 1, 500);
    await breaker.run(fail(timeout())).catch(() => undefined);
    advance(500);
    await breaker.run(async () => 1).catch(() => undefined);
    await settle();
    expect(breaker.state).toBe("open");
    advance(499);
    await breaker.run(async () => 1).catch(() => undefined);
    expect(probe).toHaveBeenCalledTimes(1);
    advance(1);
    await breaker.run(async () => 1).catch(() => undefined);
    expect(probe).toHaveBeenCalledTimes(2);
  });
});

describe("BreakerCache and BreakerGatedChannel", () => {
  test("every cache call goes through the breaker", async () => {
    const inner = {
      kind: "redis",
      get: jest.fn(() => Promise.reject(timeout())),
      set: jest.fn(),
      del: jest.fn(),
      hit: jest.fn(),
      ping: jest.fn(),
      close: jest.fn(async () => undefined),
    } as unknown as Cache;
    const { breaker } = breakerWith(async () => undefined, 2);
    const cache = new BreakerCache(inner, breaker);
    await cache.get("a").catch(() => undefined);
    await cache.get("a").catch(() => undefined);
    await expect(cache.hit("k", 1000)).rejects.toBeInstanceOf(BreakerOpenError);
    await expect(cache.set("k", "v", 1)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(inner.hit).not.toHaveBeenCalled();
    expect(inner.set).not.toHaveBeenCalled();
  });

  test("in-process copies are trusted only while the breaker is closed, and dropped on every change", async () => {
    const { breaker } = breakerWith(async () => undefined, 1);
    const channel = new BreakerGatedChannel(new LocalInvalidationChannel(), breaker);
    const heard: (string | undefined)[] = [];
    channel.onInvalidate((id) => heard.push(id));
    expect(channel.live).toBe(true);
    await channel.publish("t1");
    await breaker.run(fail(timeout())).catch(() => undefined);
    channel.dropAll();
    expect(channel.live).toBe(false);
    expect(heard).toEqual(["t1", undefined]);
  });
});

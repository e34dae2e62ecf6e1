import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { createBackend, type BackendFixture } from "./support/backends";
import { call, randomIp } from "./support/client";
import { CuttableProxy, DisposableRedis, freePort } from "./support/redis-server";
import { realServersAvailable } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";

jest.setTimeout(60_000);

// Both Redis servers are the test's own; the database is the shared PostgreSQL (always there under CI)
// or, on a laptop without it, the embedded one.
const backendName = realServersAvailable() ? ("postgres+redis" as const) : ("embedded" as const);

/**
 * An ElastiCache failover as the service sees it: the endpoint's name moves to the promoted replica, and
 * the old primary, demoted to a replica, keeps the connections it had, answering every write READONLY.
 */
describe(`a Redis failover that keeps the old connections open (on ${backendName})`, () => {
  let backend: BackendFixture;
  let oldPrimary: DisposableRedis;
  let newPrimary: DisposableRedis;
  let endpoint: CuttableProxy;
  let service: RunningService;

  beforeAll(async () => {
    oldPrimary = new DisposableRedis(await freePort());
    newPrimary = new DisposableRedis(await freePort());
    await Promise.all([oldPrimary.start(), newPrimary.start()]);
    endpoint = new CuttableProxy(await freePort(), { host: "127.0.0.1", port: oldPrimary.port });
    await endpoint.open();
    backend = await createBackend(backendName, { RATE_LIMIT_IP_MAX: "1000" });
    service = await startService({ ...backend.env, REDIS_URL: `redis://127.0.0.1:${endpoint.port}` });
  });
  afterAll(async () => {
    await service?.stop();
    await endpoint?.cut();
    await Promise.all([oldPrimary?.stop(), newPrimary?.stop()]);
    await backend?.cleanup();
  });

  /** A request from a new client address: its hit must be counted in Redis (nothing local to go on). */
  const limited = async () => {
    const response = await call(service.url, "GET", `/v1/tests/${randomUUID()}`, { ip: randomIp() });
    expect(response.status).toBe(404);
    return response.headers.get("x-ratelimit-remaining") !== null;
  };

  test("the rate limiter counts in Redis again once the old primary answers READONLY: the client reconnects", async () => {
    expect(await limited()).toBe(true);

    endpoint.retarget({ host: "127.0.0.1", port: newPrimary.port });
    const admin = new Redis(oldPrimary.url);
    await admin.call("REPLICAOF", "127.0.0.1", String(newPrimary.port));
    await admin.quit();

    // The first writes meet READONLY (the limiter fails open for them); then the hits count again.
    let counted = false;
    for (let i = 0; i < 40 && !counted; i++) {
      counted = await limited();
      if (!counted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(counted).toBe(true);
    const promoted = new Redis(newPrimary.url);
    const keys = await promoted.keys(`${backend.env.REDIS_KEY_PREFIX ?? ""}*rl:ip:*`);
    await promoted.quit();
    expect(keys.length).toBeGreaterThan(0);
  });
});

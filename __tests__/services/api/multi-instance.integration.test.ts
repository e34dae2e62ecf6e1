import { createBackend, type BackendFixture } from "./support/backends";
import { call, randomIp } from "./support/client";
import { DisposableRedis, freePort } from "./support/redis-server";
import { realServersAvailable } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(60_000);

function metric(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

// Two service processes behind one load balancer share Redis (and PostgreSQL): what each keeps in-process
// (hot tests, rate-limit counts) must stay correct across them. Without the real servers (a laptop; under
// CI=true their absence has already failed the run), each process has its own embedded database and they
// share a throw-away redis-server: enough, since everything here is served from Redis.
const postgres = realServersAvailable();

describe(`two instances sharing Redis (${postgres ? "and PostgreSQL" : "embedded databases"})`, () => {
  let backend: BackendFixture;
  let redis: DisposableRedis | undefined;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    backend = await createBackend(postgres ? "postgres+redis" : "embedded", {
      RATE_LIMIT_IP_MAX: "40",
      // Long enough that only the invalidation message can explain a fresh read.
      CACHE_LOCAL_TTL_MS: "60000",
    });
    const env = { ...backend.env };
    if (!postgres) {
      redis = new DisposableRedis(await freePort());
      await redis.start();
      env.REDIS_URL = redis.url;
    }
    [a, b] = await Promise.all([startService(env), startService(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await backend?.cleanup();
  });

  test("an update through one instance is served by the other at once, though it held the old test in-process", async () => {
    const admin = bearer("admin", ["admin"]);
    const created = await call(a.url, "POST", "/v1/tests", { headers: admin, body: sampleTest });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    await call(b.url, "GET", `/v1/tests/${id}`);
    const held = await call(b.url, "GET", `/v1/tests/${id}`);
    expect(held.body.title).toBe("Arithmetic");
    expect(held.body.questions[0].answer).toBeUndefined(); // the in-process body hides answers too
    const metrics = await call(b.url, "GET", "/metrics");
    expect(metric(metrics.text, "cache_local_hits_total")).toBeGreaterThan(0);

    const put = await call(a.url, "PUT", `/v1/tests/${id}`, {
      headers: admin,
      body: { ...sampleTest, title: "Renamed on A" },
    });
    expect(put.status).toBe(200);
    // Pub/sub delivery is asynchronous: allow a moment, far below the 60 s local TTL.
    const deadline = Date.now() + 2000;
    let read = await call(b.url, "GET", `/v1/tests/${id}`);
    while (read.body.title !== "Renamed on A" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      read = await call(b.url, "GET", `/v1/tests/${id}`);
    }
    expect(read.body).toMatchObject({ title: "Renamed on A", version: 2 });
  });

  test("the per-address limit holds across both instances, within the documented local budget", async () => {
    const ip = randomIp();
    const path = "/v1/tests/00000000-0000-4000-8000-000000000009";
    let allowed = 0;
    for (let i = 0; i < 40; i++) {
      for (const service of [a, b]) {
        const res = await call(service.url, "GET", path, { ip });
        if (res.status !== 429) allowed++;
      }
    }
    // 40 per window in all; each instance may count 10% (4) locally before the other hears of it.
    expect(allowed).toBeGreaterThanOrEqual(40);
    expect(allowed).toBeLessThanOrEqual(40 + 2 * 4);
    const last = await call(b.url, "GET", path, { ip });
    expect(last.status).toBe(429);
    expect(last.headers.get("retry-after")).not.toBeNull();
  });
});

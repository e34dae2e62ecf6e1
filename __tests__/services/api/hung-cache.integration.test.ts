import { randomUUID } from "node:crypto";
import { createBackend, type BackendFixture } from "./support/backends";
import { call } from "./support/client";
import { DisposableRedis, freePort } from "./support/redis-server";
import { realServersAvailable } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(90_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function metric(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

// The Redis is the test's own (it is stopped with SIGSTOP); the database is the shared PostgreSQL (always
// there under CI) or, on a laptop without it, the embedded one.
const backendName = realServersAvailable() ? ("postgres+redis" as const) : ("embedded" as const);

describe(`a hung Redis (SIGSTOP) on ${backendName}: the circuit breaker`, () => {
  let backend: BackendFixture;
  let redis: DisposableRedis;
  let service: RunningService;
  let testId: string;
  const user = `breaker-${randomUUID()}`;
  const api = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(service.url, method, path, options);

  /** One read of the test and one submission: the request mix whose latency is compared, in ms. */
  async function round(): Promise<number> {
    const started = performance.now();
    const read = await api("GET", `/v1/tests/${testId}`);
    const write = await api("POST", `/v1/tests/${testId}/attempts`, {
      headers: { ...bearer(user), "idempotency-key": randomUUID() },
      body: { answers: [{ questionId: "q1", choice: 1 }] },
    });
    expect([read.status, write.status]).toEqual([200, 201]);
    return performance.now() - started;
  }

  async function rounds(n: number): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await round());
    return times;
  }

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    backend = await createBackend(backendName, {
      RATE_LIMIT_IP_MAX: "100000",
      RATE_LIMIT_USER_WRITE_MAX: "100000",
    });
    // The default command timeout (250 ms): what every request paid while Redis hung, before the breaker.
    service = await startService({ ...backend.env, REDIS_URL: redis.url });
    const created = await api("POST", "/v1/tests", { headers: bearer("admin", ["admin"]), body: sampleTest });
    expect(created.status).toBe(201);
    testId = created.body.id;
  });

  afterAll(async () => {
    redis?.resume();
    await service?.stop();
    await redis?.stop();
    await backend?.cleanup();
  });

  test("opens after consecutive timeouts: requests stay within 2x of normal latency, one log line per interval; then it closes", async () => {
    await rounds(10); // warm: connections, JIT, the cache entry
    const normal = median(await rounds(40));

    redis.stall();
    const logsBefore = service.logs.length;
    // The first calls wait out the command timeout until the breaker opens; after that none should.
    await rounds(5);
    const hung = median(await rounds(40));
    // Relative, not absolute: the same request mix, the same process, a minute apart.
    expect(hung).toBeLessThanOrEqual(2 * normal + 5);
    const opened = await api("GET", "/metrics");
    expect(
      metric(opened.text, 'cache_breaker_state{state="open"}') +
        metric(opened.text, 'cache_breaker_state{state="half-open"}'),
    ).toBe(1);
    const during = await api("GET", "/metrics");
    expect(metric(during.text, "cache_breaker_rejections_total")).toBeGreaterThan(40);
    expect(metric(during.text, "rate_limit_fail_open_total")).toBeGreaterThan(0);

    // 90 requests with Redis hung: a few log lines (one per kind of failure and interval), no stacks.
    const hungLogs = service.logs.slice(logsBefore).filter((l) => (l.level as number) >= 40);
    expect(hungLogs.length).toBeLessThan(10);
    expect(
      hungLogs.some(
        (l) => l.msg === "redis circuit breaker open: cache calls fail at once until a probe is answered",
      ),
    ).toBe(true);
    expect(JSON.stringify(hungLogs)).not.toMatch(/"stack"/);

    redis.resume();
    // A probe goes out after the open period; its answer closes the breaker and the cache serves again.
    let closed = false;
    for (let i = 0; i < 100 && !closed; i++) {
      await round();
      const metrics = await api("GET", "/metrics");
      closed = metric(metrics.text, 'cache_breaker_state{state="closed"}') === 1;
      if (!closed) await sleep(100);
    }
    expect(closed).toBe(true);
    const read = await api("GET", `/v1/tests/${testId}`);
    expect(read.headers.get("x-cache")).toBe("hit");
    expect(service.logs.some((l) => l.msg === "redis circuit breaker closed: redis answers again")).toBe(
      true,
    );
  });

  test("SIGTERM while Redis hangs: the drain waits on it no longer than the command timeout, and exits 0", async () => {
    await rounds(3);
    redis.stall();
    await rounds(3); // the breaker opens; the rate limiter has hits it could not send
    const started = Date.now();
    const code = await service.stop("SIGTERM");
    const tookMs = Date.now() - started;
    expect(code).toBe(0);
    // Well inside SHUTDOWN_TIMEOUT_MS (20 s): a QUIT to a hung Redis is never answered.
    expect(tookMs).toBeLessThan(5000);
    expect(service.logs.some((l) => l.msg === "drained; exiting")).toBe(true);
  });
});

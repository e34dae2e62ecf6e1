import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { signHs256 } from "../../../services/api/src/auth/jwt";
import { loadMigrations } from "../../../services/api/src/db/migrations";
import { createBackend, testDatabase, uniqueName, type BackendFixture } from "./support/backends";
import Redis from "ioredis";
import {
  integrationBackends,
  realServersAvailable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from "./support/servers";
import { call } from "./support/client";
import { sampleTest } from "./support/tokens";
import { KeepAliveLoad, request, type Outcome } from "./support/keep-alive-load";
import { runToExit, startService, type RunningService } from "./support/service-process";

jest.setTimeout(90_000);

/** A GET that resolves with status and body, or rejects if the connection dies first. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** Resolves once the service has logged that a slow test request started: it is in flight now. */
async function inFlight(service: RunningService): Promise<void> {
  const seen = service.logs.filter((l) => l.msg === "test hook: slow request started").length;
  while (service.logs.filter((l) => l.msg === "test hook: slow request started").length === seen) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(integrationBackends())("SIGTERM on %s", (backendName) => {
  let backend: BackendFixture;
  beforeAll(async () => {
    backend = await createBackend(backendName);
  });
  afterAll(async () => backend?.cleanup());

  test("drains keep-alive load: /ready 503 window, in-flight answered with Connection: close, no resets, exit 0", async () => {
    const service = await startService({
      ...backend.env,
      ENABLE_TEST_HOOKS: "true",
      SHUTDOWN_DELAY_MS: "1500",
      SHUTDOWN_TIMEOUT_MS: "15000",
    });
    const load = new KeepAliveLoad(`${service.url}/health`, 20);
    load.start();
    // The slow request rides a keep-alive socket that has already carried a request, as a browser's would.
    const slowAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(`${service.url}/health`, slowAgent)).status).toBe(200);
    while (load.served < 200) await new Promise((r) => setTimeout(r, 20));
    const slow = request(`${service.url}/__test/slow?ms=3000`, slowAgent);
    await inFlight(service);
    const started = Date.now();
    service.child.kill("SIGTERM");

    // Readiness, asked on a fresh connection each time (as a health checker does), until the listener
    // refuses. The load balancer stops sending new requests a little after the first 503 (deregistration
    // takes effect), well inside the window; requests it sent until then must all be answered.
    const readiness: Outcome[] = [];
    for (;;) {
      const outcome = await request(`${service.url}/ready`, false);
      readiness.push(outcome);
      if (outcome.status === 503 && readiness.filter((o) => o.status === 503).length === 1) {
        setTimeout(() => load.stop(), 300);
      }
      if (outcome.error !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    load.stop();
    const refusedAfterMs = Date.now() - started;
    const done = await slow;
    await load.finished();
    slowAgent.destroy();
    const code = await service.exited;

    expect(readiness.filter((o) => o.status === 503).length).toBeGreaterThanOrEqual(3);
    // Ready until the signal lands, then 503 until the listener closes, then refused. A probe that connects
    // in the very moment the listener closes is reset instead (still queued on the closing listener, or
    // accepted just before with its request not yet read, so idle): seen once in about thirty runs.
    const states = readiness.map((o) => o.status ?? o.error);
    expect(states.join(" ")).toMatch(/^(200 )*(503 )+(ECONNREFUSED|ECONNRESET)$/);
    const unready = readiness.find((o) => o.status === 503)!;
    expect(JSON.parse(unready.body!)).toMatchObject({ status: 503, readiness: "shutting-down" });
    expect(unready.headers!["content-type"]).toMatch(/^application\/problem\+json/);
    expect(refusedAfterMs).toBeGreaterThanOrEqual(1400);

    expect(done).toMatchObject({ status: 200, reusedSocket: true });
    expect(done.headers!.connection).toBe("close");
    expect(JSON.parse(done.body!)).toEqual({ waitedMs: 3000 });

    // Every request the load balancer sent was answered: nothing reset, nothing refused.
    expect(load.outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(load.outcomes.every((o) => o.status === 200)).toBe(true);
    const answeredDuringDrain = load.outcomes.filter((o) => o.headers?.connection === "close");
    expect(answeredDuringDrain.length).toBeGreaterThan(0);
    expect(answeredDuringDrain.every((o) => o.status === 200)).toBe(true);

    expect(code).toBe(0);
    expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["drained; exiting"]));
    expect(
      service.logs.some((l) => l.msg === "drain did not finish in time; exiting with requests still open"),
    ).toBe(false);
  });

  test("SIGINT skips the readiness window and still finishes in-flight requests", async () => {
    const service = await startService({
      ...backend.env,
      ENABLE_TEST_HOOKS: "true",
      SHUTDOWN_DELAY_MS: "8000",
      SHUTDOWN_TIMEOUT_MS: "15000",
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const slow = request(`${service.url}/__test/slow?ms=1000`, agent);
    await inFlight(service);
    const started = Date.now();
    service.child.kill("SIGINT");
    const done = await slow;
    expect(await service.exited).toBe(0);
    agent.destroy();
    expect(done).toMatchObject({ status: 200 });
    expect(done.headers!.connection).toBe("close");
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test("a drain that overruns SHUTDOWN_TIMEOUT_MS exits 1 on time instead of hanging", async () => {
    const service = await startService({
      ...backend.env,
      ENABLE_TEST_HOOKS: "true",
      SHUTDOWN_TIMEOUT_MS: "500",
    });
    const slow = get(`${service.url}/__test/slow?ms=10000`).catch(() => undefined);
    await inFlight(service);
    const started = Date.now();
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    await slow;
  });
});

describe("the embedded database's directory", () => {
  let dataDir: string;
  beforeAll(async () => {
    // A migrated directory, as the first run leaves it (the embedded backend fixture copies a template).
    const backend = await createBackend("embedded");
    dataDir = backend.env.PGLITE_DATA_DIR!;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("keeps the data between runs", async () => {
    const first = await startService({ PGLITE_DATA_DIR: dataDir, JWT_SECRET: "z".repeat(32) });
    const created = await call(first.url, "POST", "/v1/tests", {
      headers: {
        authorization: `Bearer ${signHs256({ sub: "a", roles: ["admin"], exp: Math.floor(Date.now() / 1000) + 60 }, "z".repeat(32))}`,
      },
      body: sampleTest,
    });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);
    const second = await startService({ PGLITE_DATA_DIR: dataDir, JWT_SECRET: "z".repeat(32) });
    expect((await call(second.url, "GET", `/v1/tests/${created.body.id}`)).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  test("is used by one process at a time: a second is refused, naming the owner and the way out", async () => {
    const owner = await startService({ PGLITE_DATA_DIR: dataDir, JWT_SECRET: "z".repeat(32) });
    try {
      const second = await runToExit("server", { PGLITE_DATA_DIR: dataDir, JWT_SECRET: "z".repeat(32) });
      expect(second.code).toBe(1);
      expect(second.output).toMatch(
        new RegExp(`in use by process ${owner.child.pid}.*PGLITE_DATA_DIR to another directory`),
      );
    } finally {
      expect(await owner.stop()).toBe(0);
    }
  });

  test("a lock left by a process that is gone is taken over", async () => {
    writeFileSync(`${dataDir}.lock`, "999999999");
    const service = await startService({ PGLITE_DATA_DIR: dataDir, JWT_SECRET: "z".repeat(32) });
    expect(readFileSync(`${dataDir}.lock`, "utf8")).toBe(String(service.child.pid));
    expect(await service.stop()).toBe(0);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});

test("test hooks are refused in production", async () => {
  const result = await runToExit("server", {
    NODE_ENV: "production",
    ENABLE_TEST_HOOKS: "true",
    JWT_SECRET: "x".repeat(32),
  });
  expect(result.code).toBe(1);
  expect(result.output).toMatch(/ENABLE_TEST_HOOKS must not be true/);
});

test("an invalid configuration exits 1 naming every bad variable", async () => {
  const result = await runToExit("server", { PORT: "eighty", DB_SSL: "maybe" });
  expect(result.code).toBe(1);
  const problems = result.logs.find((l) => Array.isArray(l.problems))?.problems as string[];
  expect(problems).toEqual([
    expect.stringMatching(/^DB_SSL="maybe"/),
    expect.stringMatching(/^PORT="eighty"/),
  ]);
});

// Needs a real PostgreSQL and Redis (always present under CI, where their absence fails the run).
const realSuite = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

realSuite("SIGTERM with rate-limit hits counted locally and not yet sent to Redis", () => {
  test("sends them before the Redis connection closes: the shared count keeps every hit, and nothing warns", async () => {
    const backend = await createBackend("postgres+redis");
    try {
      // No periodic sync during the test: the hits after the first are only ever sent by the drain.
      const service = await startService({
        ...backend.env,
        RATE_LIMIT_SYNC_MS: "10000",
        RATE_LIMIT_IP_MAX: "1000",
      });
      const ip = "10.9.8.7";
      for (let i = 0; i < 21; i++) {
        expect((await call(service.url, "GET", `/v1/tests/${randomUUID()}`, { ip })).status).toBe(404);
      }
      expect(await service.stop("SIGTERM")).toBe(0);
      const redis = new Redis(TEST_REDIS_URL);
      const count = await redis.get(`${backend.env.REDIS_KEY_PREFIX}rl:ip:${ip}`);
      await redis.quit();
      expect(Number(count)).toBe(21);
      expect(service.logs.filter((l) => Number(l.level) >= 40)).toEqual([]);
    } finally {
      await backend.cleanup();
    }
  });
});

const schemaSuite = realSuite;
schemaSuite("schema versions against PostgreSQL", () => {
  const schema = uniqueName("api_schema");
  const env = { DATABASE_URL: TEST_DATABASE_URL, DB_SCHEMA: schema, JWT_SECRET: "y".repeat(32) };
  afterAll(async () => {
    const db = testDatabase();
    await db.writer.query(`drop schema if exists ${schema} cascade`);
    await db.close();
  });

  test("refuses to start before the migrations ran", async () => {
    const db = testDatabase();
    await db.writer.query(`create schema if not exists ${schema}`);
    await db.close();
    const result = await runToExit("server", env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /Refusing to start: the database has no schema_migrations table.*node dist\/migrate\.js/,
    );
  });

  test("the migrate command applies every migration once and is idempotent", async () => {
    const first = await runToExit("migrate", env);
    expect(first.code).toBe(0);
    expect(
      first.logs.some(
        (l) =>
          l.msg ===
          `applied migrations ${loadMigrations()
            .map((m) => m.version)
            .join(", ")}`,
      ),
    ).toBe(true);
    const second = await runToExit("migrate", env);
    expect(second.code).toBe(0);
    expect(second.logs.some((l) => l.msg === "schema is up to date")).toBe(true);
  });

  test("starts on the schema it knows", async () => {
    const service = await startService(env);
    expect(await service.stop()).toBe(0);
  });

  test("refuses to start on a schema version newer than it knows", async () => {
    const db = testDatabase(schema);
    await db.writer.query("insert into schema_migrations (version, name) values (999, 'from_the_future')");
    await db.close();
    const result = await runToExit("server", env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/schema version 999 is newer than this build knows/);
  });
});

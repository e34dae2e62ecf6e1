import * as http from "node:http";
import { loadMigrations } from "../../../services/api/src/db/migrations";
import { createBackend, testDatabase, uniqueName, type BackendFixture } from "./support/backends";
import { integrationBackends, realServersAvailable, TEST_DATABASE_URL } from "./support/servers";
import { runToExit, startService } from "./support/service-process";

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

describe.each(integrationBackends())("SIGTERM on %s", (backendName) => {
  let backend: BackendFixture;
  beforeAll(async () => {
    backend = await createBackend(backendName);
  });
  afterAll(async () => backend?.cleanup());

  test("finishes in-flight requests, refuses new ones, closes pools and exits 0", async () => {
    const service = await startService({
      ...backend.env,
      ENABLE_TEST_HOOKS: "true",
      SHUTDOWN_TIMEOUT_MS: "10000",
    });
    const slow = get(`${service.url}/__test/slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300)); // the request is now in flight
    const started = Date.now();
    service.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    // New connections are refused once the listener has closed.
    await expect(get(`${service.url}/health`)).rejects.toThrow(/ECONNREFUSED|socket hang up|ECONNRESET/);
    const done = await slow;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.body)).toEqual({ waitedMs: 1500 });
    expect(await service.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const messages = service.logs.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(["drained; exiting"]));
  });

  test("a drain that overruns SHUTDOWN_TIMEOUT_MS exits 1 on time instead of hanging", async () => {
    const service = await startService({
      ...backend.env,
      ENABLE_TEST_HOOKS: "true",
      SHUTDOWN_TIMEOUT_MS: "500",
    });
    const slow = get(`${service.url}/__test/slow?ms=10000`).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    await slow;
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

// Needs a real PostgreSQL (always present under CI, where its absence fails the run).
const schemaSuite = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;
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

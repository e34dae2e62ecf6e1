import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { loadMigrations, migrate } from "../../../services/api/src/db/migrations";
import { PgDatabase } from "../../../services/api/src/db/pg-database";
import { TEST_JWT_SECRET, uniqueName } from "./support/backends";
import { call, type ApiResponse } from "./support/client";
import { DisposablePostgres } from "./support/postgres-server";
import { realServersAvailable, TEST_REDIS_URL } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sent {
  readonly key: string;
  readonly user: string;
  readonly response: ApiResponse;
}

/** Stored attempts per idempotency key, read straight from the server. */
async function rowsPerKey(url: string): Promise<Map<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ key: string; n: number }>(
    "select idempotency_key as key, count(*)::int as n from attempts group by idempotency_key",
  );
  await client.end();
  return new Map(rows.map((r) => [r.key, r.n]));
}

function metric(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

// A server of the test's own, since it is stopped (SIGSTOP) mid-load: never the shared one. Needs the
// PostgreSQL binaries, which CI installs with the server it requires (realServersAvailable throws there
// when the server is missing).
const suite = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

suite("writes while PostgreSQL stalls longer than the query timeout (SIGSTOP of its own server)", () => {
  let pg: DisposablePostgres;

  beforeAll(async () => {
    pg = new DisposablePostgres();
    await pg.start();
    const db = new PgDatabase(
      {
        kind: "postgres",
        writer: { kind: "url", connectionString: pg.url },
        ssl: "disable",
        poolMax: 1,
        connectTimeoutMs: 2000,
      },
      () => undefined,
    );
    await migrate(db, loadMigrations());
    await db.close();
  });

  afterAll(async () => {
    await pg?.stop();
  });

  /** A service on the test's server, its test created and cached; its own Redis key prefix. */
  async function serviceWith(
    env: Record<string, string>,
  ): Promise<{ service: RunningService; testId: string }> {
    const service = await startService({
      DATABASE_URL: pg.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${uniqueName("outcomes")}:`,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_IP_MAX: "100000",
      RATE_LIMIT_USER_WRITE_MAX: "100000",
      ...env,
    });
    const created = await call(service.url, "POST", "/v1/tests", {
      headers: bearer("admin", ["admin"]),
      body: sampleTest,
    });
    expect(created.status).toBe(201);
    return { service, testId: created.body.id };
  }

  /**
   * `clients` users, each submitting attempts one after another (each with a new Idempotency-Key), until
   * stop() resolves; every submission and its answer is kept.
   */
  function submitUntil(
    service: RunningService,
    testId: string,
    clients: number,
    stop: Promise<void>,
  ): Promise<Sent[]> {
    let stopped = false;
    void stop.then(() => (stopped = true));
    const sent: Sent[] = [];
    const loop = async (i: number) => {
      const user = `writer-${i}-${randomUUID()}`;
      while (!stopped) {
        const key = randomUUID();
        const response = await call(service.url, "POST", `/v1/tests/${testId}/attempts`, {
          headers: { ...bearer(user), "idempotency-key": key },
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        });
        sent.push({ key, user, response });
        if (response.status >= 500) await sleep(50);
      }
    };
    return Promise.all(Array.from({ length: clients }, (_, i) => loop(i))).then(() => sent);
  }

  /** Sends every submission that did not get a 201 again, same user, key and body: each must now be stored. */
  async function sendAgain(service: RunningService, testId: string, sent: Sent[]): Promise<ApiResponse[]> {
    return Promise.all(
      sent
        .filter((s) => s.response.status !== 201)
        .map((s) =>
          call(service.url, "POST", `/v1/tests/${testId}/attempts`, {
            headers: { ...bearer(s.user), "idempotency-key": s.key },
            body: { answers: [{ questionId: "q1", choice: 1 }] },
          }),
        ),
    );
  }

  test("defaults, stalled 16.5 s (the query timeout is 15 s): no committed write answered 5xx, none stored twice", async () => {
    const { service, testId } = await serviceWith({});
    try {
      let resumed!: () => void;
      const stop = new Promise<void>((resolve) => (resumed = resolve));
      const load = submitUntil(service, testId, 24, stop);
      await sleep(1000);
      pg.stall();
      await sleep(16_500);
      pg.resume();
      await sleep(1500);
      resumed();
      const sent = await load;

      const stored = await rowsPerKey(pg.url);
      const committedButFailed = sent.filter((s) => stored.has(s.key) && s.response.status >= 500);
      expect(committedButFailed.map((s) => `${s.response.status} ${s.response.text}`)).toEqual([]);
      expect(sent.filter((s) => s.response.status === 500)).toEqual([]);
      // Each answer tells the truth: 201 stored; 503 nothing stored; 202 unknown (either).
      for (const s of sent) {
        if (s.response.status === 201) expect(stored.get(s.key)).toBe(1);
        if (s.response.status === 503) expect(stored.has(s.key)).toBe(false);
        expect([201, 202, 503]).toContain(s.response.status);
      }
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
      // Writes were caught by the stall and reconciled by id after it (tried again with the same ids).
      const metrics = await call(service.url, "GET", "/metrics");
      expect(metric(metrics.text, "db_write_retries_total")).toBeGreaterThan(0);

      const again = await sendAgain(service, testId, sent);
      expect(again.every((r) => r.status === 201)).toBe(true);
      const after = await rowsPerKey(pg.url);
      expect(sent.every((s) => after.get(s.key) === 1)).toBe(true);
    } finally {
      pg.resume();
      expect(await service.stop()).toBe(0);
    }
  });

  test("a stall longer than the write deadline: 202 outcome-unknown, never 5xx; the same key later returns what was stored", async () => {
    const { service, testId } = await serviceWith({
      DB_QUERY_TIMEOUT_MS: "1000",
      DB_WRITE_TIMEOUT_MS: "2500",
      DB_CONNECT_TIMEOUT_MS: "500",
    });
    try {
      let resumed!: () => void;
      const stop = new Promise<void>((resolve) => (resumed = resolve));
      const load = submitUntil(service, testId, 16, stop);
      await sleep(500);
      pg.stall();
      await sleep(5000);
      pg.resume();
      await sleep(1000);
      resumed();
      const sent = await load;

      const unknown = sent.filter((s) => s.response.status === 202);
      expect(unknown.length).toBeGreaterThan(0);
      expect(unknown[0].response.body).toMatchObject({ status: "outcome-unknown" });
      expect(unknown[0].response.body.detail).toMatch(/same Idempotency-Key/);
      expect(unknown[0].response.headers.get("retry-after")).toBe("5");
      const stored = await rowsPerKey(pg.url);
      expect(sent.filter((s) => stored.has(s.key) && s.response.status >= 500)).toEqual([]);
      expect(sent.filter((s) => s.response.status === 500)).toEqual([]);
      // Some of the unknown ones were in fact committed once the server carried on.
      expect(unknown.some((s) => stored.has(s.key))).toBe(true);

      const again = await sendAgain(service, testId, sent);
      expect(again.map((r) => r.status)).toEqual(again.map(() => 201));
      const replayed = again.filter((r) => r.headers.get("idempotent-replayed") === "true");
      expect(replayed.length).toBeGreaterThan(0);
      const after = await rowsPerKey(pg.url);
      expect(sent.every((s) => after.get(s.key) === 1)).toBe(true);
    } finally {
      pg.resume();
      await service.stop();
    }
  });

  test("SIGTERM while PostgreSQL stalls: every write in flight is answered (202 unknown or 503) before the drain ends, exit 0", async () => {
    // As with the defaults (15 s, 25 s, 20 s): a write may try for longer than the drain may take.
    const { service, testId } = await serviceWith({
      DB_QUERY_TIMEOUT_MS: "3000",
      DB_WRITE_TIMEOUT_MS: "8000",
      DB_CONNECT_TIMEOUT_MS: "500",
      SHUTDOWN_DELAY_MS: "300",
      SHUTDOWN_TIMEOUT_MS: "4000",
    });
    let stoppedIn = 0;
    try {
      const user = `drain-${randomUUID()}`;
      pg.stall();
      const posts = Array.from({ length: 12 }, () => {
        const key = randomUUID();
        return call(service.url, "POST", `/v1/tests/${testId}/attempts`, {
          headers: { ...bearer(user), "idempotency-key": key },
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        }).then(
          (response) => ({ key, status: response.status, body: response.body as { status?: string } }),
          (error: Error) => ({ key, status: 0, body: { status: `no answer: ${error.message}` } }),
        );
      });
      await sleep(500); // all of them in flight: sent into the stalled server, or waiting for a connection
      const started = Date.now();
      const code = await service.stop("SIGTERM");
      stoppedIn = Date.now() - started;
      const answers = await Promise.all(posts);
      pg.resume();

      expect(answers.filter((a) => a.status === 0)).toEqual([]);
      for (const a of answers) expect([202, 503]).toContain(a.status);
      expect(answers.some((a) => a.status === 202 && a.body.status === "outcome-unknown")).toBe(true);
      expect(code).toBe(0);
      expect(service.logs.some((l) => l.msg === "drained; exiting")).toBe(true);
      // Each answer tells the truth once the server carries on: 503 means nothing was stored.
      await sleep(1000);
      const stored = await rowsPerKey(pg.url);
      expect(answers.filter((a) => a.status === 503 && stored.has(a.key))).toEqual([]);
    } finally {
      pg.resume();
    }
    expect(stoppedIn).toBeLessThan(4000);
  });

  test("SIGTERM while PostgreSQL stalls: a read sent during the readiness window is answered before the drain ends, exit 0", async () => {
    // The query timeout is under the drain's budget, as with the defaults (15 s, 20 s), but a read that
    // arrives in the readiness window would still wait it out past the drain's deadline.
    const { service } = await serviceWith({
      DB_QUERY_TIMEOUT_MS: "3500",
      DB_CONNECT_TIMEOUT_MS: "500",
      SHUTDOWN_DELAY_MS: "1500",
      SHUTDOWN_TIMEOUT_MS: "4000",
    });
    let stoppedIn = 0;
    try {
      const user = `reader-${randomUUID()}`;
      // Warm connections in the pool: the read below goes out on one of them, into the stalled server.
      for (let i = 0; i < 3; i++) {
        expect((await call(service.url, "GET", "/v1/me/attempts", { headers: bearer(user) })).status).toBe(
          200,
        );
      }
      pg.stall();
      const started = Date.now();
      const exited = service.stop("SIGTERM");
      await sleep(800); // inside the readiness window: the load balancer still sends requests here
      const read = await call(service.url, "GET", "/v1/me/attempts", { headers: bearer(user) }).then(
        (response) => ({ status: response.status, error: undefined }),
        (error: Error) => ({ status: 0, error: error.message }),
      );
      const code = await exited;
      stoppedIn = Date.now() - started;
      expect(read).toEqual({ status: 503, error: undefined });
      expect(code).toBe(0);
    } finally {
      pg.resume();
    }
    expect(stoppedIn).toBeLessThan(4000);
  });

  test("PostgreSQL read-only (a replica not yet promoted, the old primary after a failover): writes 503 nothing stored, then 201 again", async () => {
    const { service, testId } = await serviceWith({});
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    const readOnly = async (on: boolean) => {
      await admin.query(`alter system set default_transaction_read_only = ${on ? "on" : "off"}`);
      await admin.query("select pg_reload_conf()");
      await sleep(200); // every backend has taken the reloaded setting
    };
    try {
      const user = `read-only-${randomUUID()}`;
      const submit = (key: string) =>
        call(service.url, "POST", `/v1/tests/${testId}/attempts`, {
          headers: { ...bearer(user), "idempotency-key": key },
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        });
      expect((await submit(randomUUID())).status).toBe(201);
      await readOnly(true);
      const refusedKey = randomUUID();
      const refused = await submit(refusedKey);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ type: expect.stringMatching(/database-unavailable$/) });
      expect(refused.headers.get("retry-after")).toBe("5");
      expect((await rowsPerKey(pg.url)).has(refusedKey)).toBe(false);
      await readOnly(false);
      // The same submission sent again, as the 503 invites: stored once.
      expect((await submit(refusedKey)).status).toBe(201);
      expect((await rowsPerKey(pg.url)).get(refusedKey)).toBe(1);
    } finally {
      await readOnly(false).catch(() => undefined);
      await admin.end();
      await service.stop();
    }
  });

  test("/ready while PostgreSQL stalls: 503 within a second, and no readiness ping keeps a connection for the query timeout", async () => {
    const { service } = await serviceWith({}); // the default query timeout: 15 s
    try {
      pg.stall();
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const ready = await call(service.url, "GET", "/ready");
        expect(ready.status).toBe(503);
        expect(Date.now() - started).toBeLessThan(2500);
      }
      await sleep(1500);
      const metrics = await call(service.url, "GET", "/metrics");
      const busy =
        metric(metrics.text, 'db_pool_connections{pool="writer"}') -
        metric(metrics.text, 'db_pool_idle_connections{pool="writer"}');
      expect(busy).toBe(0);
    } finally {
      pg.resume();
      await service.stop();
    }
  });

  test("a test created while the server stalls: 202 with the Location to check, which then shows it stored", async () => {
    const { service } = await serviceWith({ DB_QUERY_TIMEOUT_MS: "1000", DB_CONNECT_TIMEOUT_MS: "500" });
    try {
      // Nothing else runs: the statement goes out on the pool's idle connection, into the stopped server.
      pg.stall();
      const created = await call(service.url, "POST", "/v1/tests", {
        headers: bearer("admin", ["admin"]),
        body: sampleTest,
      });
      pg.resume();
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ status: "outcome-unknown" });
      const location = created.headers.get("location")!;
      expect(location).toMatch(/^\/v1\/tests\/[0-9a-f-]{36}$/);
      expect(created.body.detail).toMatch(/GET \/v1\/tests\//);
      // The server carried on with the statement it had received: it is stored.
      let check = await call(service.url, "GET", location);
      for (let i = 0; i < 50 && check.status !== 200; i++) {
        await sleep(100);
        check = await call(service.url, "GET", location);
      }
      expect(check.status).toBe(200);
    } finally {
      pg.resume();
      await service.stop();
    }
  });
});

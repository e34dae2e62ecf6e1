import { randomUUID } from "node:crypto";
import { loadMigrations } from "../../../services/api/src/db/migrations";
import { PgQueue } from "../../../services/api/src/queue/pg-queue";
import { asyncAttemptId } from "../../../services/api/src/queue/submission";
import { Client } from "pg";
import { createBackend, testDatabase, type BackendFixture } from "./support/backends";
import { call } from "./support/client";
import { realServersAvailable, TEST_DATABASE_URL } from "./support/servers";
import { runToExit, startService, type RunningService } from "./support/service-process";
import { bearer, sampleTest } from "./support/tokens";
import { startWorker } from "./support/worker-process";

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ASYNC = { prefer: "respond-async" };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

const suite = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

suite(
  "asynchronous submissions: the API enqueues (202), the worker scores and commits (real PostgreSQL)",
  () => {
    let backend: BackendFixture;
    let api: RunningService;
    let testId: string;
    let queue: PgQueue;
    let queuePool: ReturnType<typeof testDatabase>;
    const db = () => testDatabase(backend.schema);
    const workerEnv = (extra: Record<string, string> = {}) => ({
      ...backend.env,
      WORKER_WAIT_SECONDS: "1",
      ...extra,
    });

    beforeAll(async () => {
      backend = await createBackend("postgres+redis", {
        QUEUE_DRIVER: "local",
        RATE_LIMIT_IP_MAX: "1000000",
        RATE_LIMIT_USER_WRITE_MAX: "1000000",
      });
      api = await startService(backend.env);
      const created = await call(api.url, "POST", "/v1/tests", {
        headers: bearer("admin", ["admin"]),
        body: sampleTest,
      });
      testId = created.body.id;
      queuePool = db();
      queue = new PgQueue(queuePool.writer, { name: "submissions" });
    });

    afterAll(async () => {
      await queuePool?.close();
      await api?.stop();
      await backend?.cleanup();
    });

    async function count(sql: string, params: unknown[] = []): Promise<number> {
      const pool = db();
      const { rows } = await pool.writer.query<{ n: number }>(sql, params);
      await pool.close();
      return rows[0].n;
    }

    const submit = (
      user: string,
      key: string,
      headers: Record<string, string> = ASYNC,
      answers = [{ questionId: "q1", choice: 1 }],
    ) =>
      call(api.url, "POST", `/v1/tests/${testId}/attempts`, {
        headers: { ...bearer(user), "idempotency-key": key, ...headers },
        body: { answers },
      });

    test("202 with Location and pending; GET is pending until the worker commits it, then scored", async () => {
      const user = `u-${randomUUID()}`;
      const accepted = await submit(user, "k1");
      const id = asyncAttemptId(user, "k1");
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get("location")).toBe(`/v1/attempts/${id}`);
      expect(accepted.headers.get("preference-applied")).toBe("respond-async");
      expect(accepted.body).toEqual({ id, status: "pending", testId });
      // Nothing stored by the API: the row is the worker's.
      expect(await count("select count(*)::int as n from attempts where user_id = $1", [user])).toBe(0);

      const pending = await call(api.url, "GET", `/v1/attempts/${id}`, { headers: bearer(user) });
      expect(pending.status).toBe(200);
      expect(pending.body).toEqual({ id, status: "pending" });
      expect(pending.headers.get("retry-after")).toBe("1");
      // Someone else's id, or one this API never made: 404.
      expect((await call(api.url, "GET", `/v1/attempts/${id}`, { headers: bearer("intruder") })).status).toBe(
        404,
      );
      expect(
        (await call(api.url, "GET", `/v1/attempts/${randomUUID()}`, { headers: bearer(user) })).status,
      ).toBe(404);
      // A retry with the same key is the same attempt: same id, one message more, still one row in the end.
      const retried = await submit(user, "k1");
      expect(retried.status).toBe(202);
      expect(retried.headers.get("location")).toBe(`/v1/attempts/${id}`);

      const worker = await startWorker(workerEnv());
      const scored = await until(
        () => call(api.url, "GET", `/v1/attempts/${id}`, { headers: bearer(user) }),
        (r) => r.body?.status === "scored",
      );
      expect(scored.body).toMatchObject({
        id,
        status: "scored",
        testId,
        score: 1,
        maxScore: 3,
        testVersion: 1,
      });
      // Somebody else still cannot read it.
      expect((await call(api.url, "GET", `/v1/attempts/${id}`, { headers: bearer("intruder") })).status).toBe(
        404,
      );
      await until(
        () => queue.depth(),
        (d) => d.visible + d.inFlight === 0,
      );
      expect(await count("select count(*)::int as n from attempts where user_id = $1", [user])).toBe(1);
      const mine = await call(api.url, "GET", "/v1/me/attempts", { headers: bearer(user) });
      expect(mine.body.items.map((a: { id: string }) => a.id)).toEqual([id]);

      // The worker's own endpoints.
      expect(await call(worker.url, "GET", "/health")).toMatchObject({ status: 200, body: { status: "ok" } });
      expect(await call(worker.url, "GET", "/ready")).toMatchObject({
        status: 200,
        body: { status: "ready" },
      });
      const metrics = (await call(worker.url, "GET", "/metrics")).text;
      expect(metrics).toMatch(/^worker_messages_received_total 2$/m);
      expect(metrics).toMatch(/^worker_messages_processed_total 2$/m);
      expect(metrics).toMatch(/^worker_batch_size_count \d+$/m);
      expect(metrics).toMatch(/^worker_batch_duration_seconds_count \d+$/m);
      expect(await worker.stop()).toBe(0);
      // The EMF line the queue alarms read, flushed at exit.
      const emf = worker.logs.filter((l) => l._aws !== undefined);
      expect(emf.reduce((n, l) => n + (l.MessagesProcessed as number), 0)).toBe(2);
      expect(emf[0]).toMatchObject({ QueueName: "submissions", MessagesFailed: 0 });
    });

    test("synchronous stays the default without Prefer; validation is answered before anything is queued", async () => {
      const user = `u-${randomUUID()}`;
      const sync = await submit(user, "sync", {});
      expect(sync.status).toBe(201);
      expect(sync.headers.get("preference-applied")).toBeNull();
      const before = await queue.depth();
      const unknownTest = await call(api.url, "POST", `/v1/tests/${randomUUID()}/attempts`, {
        headers: { ...bearer(user), "idempotency-key": "x", ...ASYNC },
        body: { answers: [{ questionId: "q1", choice: 1 }] },
      });
      expect(unknownTest.status).toBe(404);
      const badAnswer = await submit(user, "bad", ASYNC, [{ questionId: "nope", choice: 0 }]);
      expect(badAnswer.status).toBe(400);
      expect(await queue.depth()).toEqual(before);
    });

    test("an asynchronous retry of a synchronous submission leads to the stored attempt; a reused key with other answers fails", async () => {
      const user = `u-${randomUUID()}`;
      const sync = await submit(user, "shared", {});
      expect(sync.status).toBe(201);
      const again = await submit(user, "shared");
      expect(again.status).toBe(202);
      const reused = await submit(user, "reused", {});
      expect(reused.status).toBe(201);
      const other = await submit(user, "reused", ASYNC, [{ questionId: "q1", choice: 0 }]);
      expect(other.status).toBe(202);
      const worker = await startWorker(workerEnv());
      const scored = await until(
        () => call(api.url, "GET", again.headers.get("location")!, { headers: bearer(user) }),
        (r) => r.body?.status !== "pending",
      );
      // The attempt the key already held, not a second one, and not "pending" forever.
      expect(scored.body).toMatchObject({ id: sync.body.id, status: "scored", score: sync.body.score });
      expect(
        (await call(api.url, "GET", again.headers.get("location")!, { headers: bearer("intruder") })).status,
      ).toBe(404);
      const refused = await until(
        () => call(api.url, "GET", other.headers.get("location")!, { headers: bearer(user) }),
        (r) => r.body?.status !== "pending",
      );
      expect(refused.body).toEqual({
        id: other.body.id,
        status: "failed",
        reason: expect.stringMatching(/^idempotency-key-reused: attempt /),
      });
      expect(await worker.stop()).toBe(0);
      expect(await count("select count(*)::int as n from attempts where user_id = $1", [user])).toBe(2);
    });

    test("a submission the worker can no longer score is reported failed, and its message dead-lettered", async () => {
      const user = `u-${randomUUID()}`;
      const accepted = await submit(user, "doomed", ASYNC, [{ questionId: "q2", choice: 0 }]);
      expect(accepted.status).toBe(202);
      // The test changes before any worker runs: q2 is gone, so the queued answers no longer fit.
      const updated = await call(api.url, "PUT", `/v1/tests/${testId}`, {
        headers: bearer("admin", ["admin"]),
        body: { ...sampleTest, questions: [sampleTest.questions[0]] },
      });
      expect(updated.status).toBe(200);
      const worker = await startWorker(workerEnv({ QUEUE_MAX_RECEIVES: "2" }));
      const failed = await until(
        () => call(api.url, "GET", accepted.headers.get("location")!, { headers: bearer(user) }),
        (r) => r.body?.status === "failed",
      );
      expect(failed.body).toEqual({
        id: accepted.body.id,
        status: "failed",
        reason: expect.stringMatching(/do not fit the test/),
      });
      const dead = await until(
        () => queue.depth(),
        (d) => d.dead > 0,
        30_000,
      );
      expect(dead.dead).toBe(1);
      expect(await worker.stop()).toBe(0);
      await call(api.url, "PUT", `/v1/tests/${testId}`, {
        headers: bearer("admin", ["admin"]),
        body: sampleTest,
      });
    });

    /** N submissions through the API (async), each with its own key; returns the keys. */
    async function enqueue(user: string, n: number): Promise<string[]> {
      const keys = Array.from({ length: n }, (_, i) => `key-${i}`);
      for (let i = 0; i < n; i += 50) {
        const answers = await Promise.all(keys.slice(i, i + 50).map((k) => submit(user, k)));
        expect(answers.every((r) => r.status === 202)).toBe(true);
      }
      return keys;
    }

    async function perKey(user: string): Promise<Map<string, number>> {
      const pool = db();
      const { rows } = await pool.writer.query<{ key: string; n: number }>(
        "select idempotency_key as key, count(*)::int as n from attempts where user_id = $1 group by idempotency_key",
        [user],
      );
      await pool.close();
      return new Map(rows.map((r) => [r.key, r.n]));
    }

    test("SIGKILL mid-batch, then a restart: every submission stored exactly once", async () => {
      const user = `u-${randomUUID()}`;
      const keys = await enqueue(user, 400);
      const deadBefore = (await queue.depth()).dead;
      // Small visibility timeout: what the killed worker held comes back within seconds.
      const env = workerEnv({ WORKER_BATCH_SIZE: "40", WORKER_VISIBILITY_TIMEOUT_SECONDS: "3" });
      // Hold the attempts table (SHARE mode: INSERTs wait) before the worker starts, so it is caught
      // mid-batch: its batch received (invisible) and its INSERT sent but not committed when it is killed.
      const locker = new Client({
        connectionString: TEST_DATABASE_URL,
        options: `-c search_path=${backend.schema}`,
      });
      await locker.connect();
      await locker.query("begin");
      await locker.query("lock table attempts in share mode");
      const first = await startWorker(env);
      const atKill = await until(
        async () => ({
          depth: await queue.depth(),
          waiting: (
            await locker.query<{ n: number }>(
              "select count(*)::int as n from pg_locks where relation = 'attempts'::regclass and not granted",
            )
          ).rows[0].n,
        }),
        (s) => s.depth.inFlight > 0 && s.waiting > 0,
        30_000,
      );
      first.child.kill("SIGKILL");
      expect(await first.exited).toBeNull();
      const storedAtKill = (await perKey(user)).size;
      // The killed worker's INSERT is still on the server: it commits once the lock goes (the server
      // notices the dead client only later), so its messages come back already stored: redelivery of
      // committed work, which must insert nothing more.
      await locker.query("rollback");
      await locker.end();
      // Killed mid-batch: messages received and invisible, the worker's INSERT waiting on the lock.
      expect(atKill.depth.inFlight).toBeGreaterThan(0);
      expect(atKill.waiting).toBeGreaterThan(0);
      expect(storedAtKill).toBe(0);

      const second = await startWorker(env);
      await until(
        () => queue.depth(),
        (d) => d.visible + d.inFlight === 0,
      );
      expect(await second.stop()).toBe(0);
      const stored = await perKey(user);
      expect([...stored.keys()].sort()).toEqual([...keys].sort());
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
      expect((await queue.depth()).dead).toBe(deadBefore);
    });

    test("SIGTERM mid-stream: exits 0, finishes or releases its batches; nothing lost, nothing twice", async () => {
      const user = `u-${randomUUID()}`;
      const keys = await enqueue(user, 300);
      const worker = await startWorker(workerEnv({ WORKER_BATCH_SIZE: "40" }));
      await until(
        () => perKey(user),
        (s) => s.size > 0,
        30_000,
      );
      expect(await worker.stop("SIGTERM")).toBe(0);
      expect(worker.logs.some((l) => typeof l.msg === "string" && l.msg.startsWith("stopped:"))).toBe(true);
      // What it received it either committed and deleted, or made visible again: nothing is left hidden.
      expect((await queue.depth()).inFlight).toBe(0);
      const next = await startWorker(workerEnv({ WORKER_BATCH_SIZE: "40" }));
      await until(
        () => queue.depth(),
        (d) => d.visible + d.inFlight === 0,
      );
      expect(await next.stop()).toBe(0);
      const stored = await perKey(user);
      expect(stored.size).toBe(keys.length);
      expect([...stored.values()].every((n) => n === 1)).toBe(true);
    });

    test("ATTEMPTS_ASYNC makes every submission asynchronous", async () => {
      const asyncApi = await startService({ ...backend.env, ATTEMPTS_ASYNC: "true" });
      try {
        const response = await call(asyncApi.url, "POST", `/v1/tests/${testId}/attempts`, {
          headers: { ...bearer("someone"), "idempotency-key": randomUUID() },
          body: { answers: [{ questionId: "q1", choice: 1 }] },
        });
        expect(response.status).toBe(202);
      } finally {
        await asyncApi.stop();
      }
    });

    test("the worker refuses to start without a queue, or on the embedded database", async () => {
      const noQueue = await runToExit("worker", { ...backend.env, QUEUE_DRIVER: "none" });
      expect(noQueue.code).toBe(1);
      expect(noQueue.output).toMatch(/The worker needs a queue/);
      const embedded = await runToExit("worker", { QUEUE_DRIVER: "local", PGLITE_DATA_DIR: "memory" });
      expect(embedded.code).toBe(1);
      expect(embedded.output).toMatch(/The worker needs PostgreSQL/);
    });

    test("migrations include the queue tables", () => {
      expect(loadMigrations().map((m) => m.name)).toContain("submission_queue");
    });
  },
);

describe("embedded default with the local queue: the worker runs inside the API process", () => {
  test("202, then scored by the in-process worker", async () => {
    const backend = await createBackend("embedded", { QUEUE_DRIVER: "local", WORKER_WAIT_SECONDS: "1" });
    const api = await startService(backend.env);
    try {
      const created = await call(api.url, "POST", "/v1/tests", {
        headers: bearer("admin", ["admin"]),
        body: sampleTest,
      });
      const accepted = await call(api.url, "POST", `/v1/tests/${created.body.id}/attempts`, {
        headers: { ...bearer("u"), "idempotency-key": "k", ...ASYNC },
        body: { answers: [{ questionId: "q1", choice: 1 }] },
      });
      expect(accepted.status).toBe(202);
      const scored = await until(
        () => call(api.url, "GET", accepted.headers.get("location")!, { headers: bearer("u") }),
        (r) => r.body?.status === "scored",
        30_000,
      );
      expect(scored.body).toMatchObject({ status: "scored", score: 1 });
      expect(await api.stop()).toBe(0);
    } finally {
      await api.stop();
      await backend.cleanup();
    }
  });
});

import { randomUUID } from "node:crypto";
import type { Queryable } from "../../../services/api/src/db/database";
import type { PgDatabase } from "../../../services/api/src/db/pg-database";
import { AttemptWriter } from "../../../services/api/src/domain/attempt-writer";
import { insertTest, type AttemptInput } from "../../../services/api/src/domain/repository";
import { WriteNotApplied, WriteOutcomeUnknown } from "../../../services/api/src/domain/write-outcome";
import { createBackend, testDatabase, type BackendFixture } from "./support/backends";
import { realServersAvailable } from "./support/servers";

jest.setTimeout(30_000);

/** The writer pool, counting the attempt INSERT statements and the rows each carried. */
class CountingQueryable implements Queryable {
  inserts: number[] = [];
  /** The next INSERTs' answers are lost after they committed, as when the query timeout fires. */
  loseAnswers = 0;
  constructor(private readonly inner: Queryable) {}
  async query<R>(sql: string, params?: readonly unknown[]) {
    if (!sql.startsWith("insert into attempts")) return this.inner.query<R>(sql, params);
    // The group goes as one JSON array of rows (jsonb_to_recordset).
    this.inserts.push((JSON.parse(params?.[0] as string) as unknown[]).length);
    const result = await this.inner.query<R>(sql, params);
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      throw new Error("Query read timeout");
    }
    return result;
  }
  exec(sql: string) {
    return this.inner.exec(sql);
  }
}

// PGlite cannot load inside jest (it needs ES module dynamic import): these run on the real PostgreSQL,
// which CI requires (realServersAvailable throws under CI=true without it).
const describeOnPostgres = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

describeOnPostgres("AttemptWriter (group commit) on PostgreSQL", () => {
  let backend: BackendFixture;
  let db: PgDatabase;
  let testId: string;
  let writer: CountingQueryable;
  const attempt = (userId: string, extra: Partial<AttemptInput> = {}): AttemptInput => ({
    id: randomUUID(),
    testId,
    testVersion: 1,
    userId,
    answers: [{ questionId: "q1", choice: 1, correct: true }],
    score: 1,
    maxScore: 1,
    ...extra,
  });
  const count = async (userId: string) =>
    Number(
      (
        await db.writer.query<{ n: number }>("select count(*)::int as n from attempts where user_id = $1", [
          userId,
        ])
      ).rows[0].n,
    );

  beforeAll(async () => {
    backend = await createBackend("postgres+redis");
    db = testDatabase(backend.schema);
    testId = randomUUID();
    await insertTest(
      db.writer,
      testId,
      { title: "t", questions: [{ id: "q1", prompt: "?", choices: ["a", "b"], answer: 1 }] },
      "admin",
    );
  });
  afterAll(async () => {
    await db?.close();
    await backend?.cleanup();
  });
  beforeEach(() => {
    writer = new CountingQueryable(db.writer);
  });

  test("attempts submitted together are written by one INSERT, each answered with its own row", async () => {
    const attempts = new AttemptWriter(writer);
    const inputs = Array.from({ length: 10 }, (_, i) => attempt("together", { score: i % 2 }));
    const results = await Promise.all(inputs.map((input) => attempts.insert(input)));
    expect(writer.inserts).toEqual([10]);
    expect(results.map((r) => r.attempt.id)).toEqual(inputs.map((i) => i.id));
    expect(results.map((r) => r.attempt.score)).toEqual(inputs.map((i) => i.score));
    expect(results.every((r) => !r.replayed && /Z$/.test(r.attempt.createdAt))).toBe(true);
    expect(await count("together")).toBe(10);
  });

  test("groups are bounded by maxBatch; arrivals during an INSERT in flight wait and go together", async () => {
    const attempts = new AttemptWriter(writer, { maxBatch: 4, maxInFlight: 1 });
    const first = attempts.insert(attempt("bounded"));
    await new Promise((r) => setImmediate(r)); // the first INSERT is now in flight alone
    const rest = Array.from({ length: 9 }, () => attempts.insert(attempt("bounded")));
    await Promise.all([first, ...rest]);
    expect(writer.inserts).toEqual([1, 4, 4, 1]);
    expect(await count("bounded")).toBe(10);
  });

  test("the same idempotency key twice in one group: one row, the second answered as a replay of it", async () => {
    const attempts = new AttemptWriter(writer);
    const [a, b] = await Promise.all([
      attempts.insert(attempt("keyed", { idempotencyKey: "k1", requestHash: "h" })),
      attempts.insert(attempt("keyed", { idempotencyKey: "k1", requestHash: "h" })),
    ]);
    expect(writer.inserts).toEqual([2]);
    expect(a.replayed).toBe(false);
    expect(b).toMatchObject({ replayed: true, attempt: { id: a.attempt.id } });
    expect(await count("keyed")).toBe(1);
  });

  test("a group that committed although its answer was lost is tried again with the same ids and reported stored once", async () => {
    const attempts = new AttemptWriter(writer, { retryDelayMs: 10 });
    writer.loseAnswers = 1;
    const inputs = Array.from({ length: 5 }, () => attempt("lost-answer", { idempotencyKey: randomUUID() }));
    const results = await Promise.all(inputs.map((input) => attempts.insert(input)));
    // The retry is the same group again, not row by row (each row would hit its own primary key).
    expect(writer.inserts).toEqual([5, 5]);
    expect(results.map((r) => r.attempt.id)).toEqual(inputs.map((i) => i.id));
    expect(results.every((r) => !r.replayed)).toBe(true);
    expect(await count("lost-answer")).toBe(5);
  });

  test("a row the database rejects fails only its own request", async () => {
    const attempts = new AttemptWriter(writer);
    const bad = attempt("isolated", { testId: randomUUID() }); // no such test: foreign key violation
    const outcomes = await Promise.allSettled([
      attempts.insert(attempt("isolated")),
      attempts.insert(bad),
      attempts.insert(attempt("isolated")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(writer.inserts).toEqual([3, 1, 1, 1]);
    expect(await count("isolated")).toBe(2);
  });
});

/** A submission for the tests without a real database: nothing checks its test. */
const submissionOf = (userId: string): AttemptInput => ({
  id: randomUUID(),
  testId: randomUUID(),
  testVersion: 1,
  userId,
  answers: [],
  score: 0,
  maxScore: 1,
  idempotencyKey: randomUUID(),
});

describe("AttemptWriter when the database does not answer", () => {
  const submission = () => submissionOf("down");

  test("no answer before the deadline: outcome unknown (never 'not applied'), after trying again", async () => {
    let calls = 0;
    const silent: Queryable = {
      query: async () => {
        calls += 1;
        throw calls === 1
          ? new Error("Query read timeout")
          : Object.assign(new Error("timeout exceeded when trying to connect"), {});
      },
      exec: async () => undefined,
    };
    const attempts = new AttemptWriter(silent, { timeoutMs: 200, retryDelayMs: 20 });
    const outcome = await attempts.insert(submission()).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(WriteOutcomeUnknown);
    expect((outcome as WriteOutcomeUnknown).failure).toBe("unavailable");
    expect(calls).toBeGreaterThan(2);
  });

  test("a connection lost mid-statement is an unknown outcome too", async () => {
    const lost: Queryable = {
      query: async () => {
        throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
      },
      exec: async () => undefined,
    };
    const attempts = new AttemptWriter(lost, { timeoutMs: 100, retryDelayMs: 20 });
    expect(await attempts.insert(submission()).catch((e: unknown) => e)).toBeInstanceOf(WriteOutcomeUnknown);
  });
});

describe("AttemptWriter while the process drains (answerBy)", () => {
  const submission = () => submissionOf("draining");

  test("a statement still unanswered at the drain's deadline: outcome unknown; a group never sent: not applied", async () => {
    const sent: number[] = [];
    // A database that has gone silent: every statement is sent and never answered.
    const stalled: Queryable = {
      query: (_sql, params) => {
        sent.push((JSON.parse(params?.[0] as string) as unknown[]).length);
        return new Promise(() => undefined);
      },
      exec: async () => undefined,
    };
    // Its own deadline (a minute) is far beyond the drain's.
    const attempts = new AttemptWriter(stalled, { maxBatch: 2, maxInFlight: 1, timeoutMs: 60_000 });
    const outcomes = Promise.allSettled([1, 2, 3].map(() => attempts.insert(submission())));
    await new Promise((r) => setImmediate(r)); // the first group (two) is in flight, the third waits
    expect(sent).toEqual([2]);
    const started = Date.now();
    attempts.answerBy(started + 150);
    const settled = await outcomes;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(settled.map((o) => (o as PromiseRejectedResult).reason)).toEqual([
      expect.any(WriteOutcomeUnknown),
      expect.any(WriteOutcomeUnknown),
      expect.any(WriteNotApplied),
    ]);
    // Nothing more is sent once the deadline has passed.
    expect(sent).toEqual([2]);
  });

  test("a statement answered before the drain's deadline is answered as usual", async () => {
    // Stores every row it is sent and answers at once with each one's timestamp.
    const quick: Queryable = {
      query: async <R>(_sql: string, params?: readonly unknown[]) => {
        const rows = (JSON.parse(params?.[0] as string) as { id: string }[]).map((r) => ({
          id: r.id,
          createdAt: "2026-12-05T12:00:00.000000Z",
        }));
        return { rows: rows as R[], rowCount: rows.length };
      },
      exec: async () => undefined,
    };
    const attempts = new AttemptWriter(quick);
    attempts.answerBy(Date.now() + 5_000);
    const input = submission();
    expect(await attempts.insert(input)).toMatchObject({ replayed: false, attempt: { id: input.id } });
  });
});

describe("AttemptWriter with the database unreachable", () => {
  test("an unreachable database fails the whole group at once, without retrying row by row", async () => {
    let calls = 0;
    const unreachable: Queryable = {
      query: async () => {
        calls += 1;
        throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      },
      exec: async () => undefined,
    };
    const attempts = new AttemptWriter(unreachable);
    const submission = (): AttemptInput => ({
      id: randomUUID(),
      testId: randomUUID(),
      testVersion: 1,
      userId: "down",
      answers: [],
      score: 0,
      maxScore: 1,
    });
    const outcomes = await Promise.allSettled([attempts.insert(submission()), attempts.insert(submission())]);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    // Nothing was sent: certainly not stored, so the route may say "nothing stored, retry" (503).
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason)).toEqual([
      expect.any(WriteNotApplied),
      expect.any(WriteNotApplied),
    ]);
    expect(calls).toBe(1);
  });
});

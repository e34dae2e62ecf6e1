import { loadMigrations, migrate } from "../../../../services/api/src/db/migrations";
import type { PgDatabase } from "../../../../services/api/src/db/pg-database";
import { AttemptWriter } from "../../../../services/api/src/domain/attempt-writer";
import { insertTest } from "../../../../services/api/src/domain/repository";
import { PgQueue } from "../../../../services/api/src/queue/pg-queue";
import {
  asyncAttemptId,
  encodeSubmission,
  type SubmissionMessage,
} from "../../../../services/api/src/queue/submission";
import type { ReceivedMessage } from "../../../../services/api/src/queue/work-queue";
import { QueueConsumer } from "../../../../services/api/src/worker/consumer";
import { SubmissionProcessor, type Outcome } from "../../../../services/api/src/worker/submission-processor";
import { testDatabase, uniqueName } from "../support/backends";
import { sampleTest } from "../support/tokens";

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

let db: PgDatabase;
let schema: string;
beforeAll(async () => {
  schema = uniqueName("consumer_test");
  db = testDatabase(schema);
  await migrate(db, loadMigrations(), { schema });
});
afterAll(async () => {
  await db.writer.query(`drop schema ${schema} cascade`);
  await db.close();
});

const newQueue = () => new PgQueue(db.writer, { name: uniqueName("q"), pollIntervalMs: 10, maxReceives: 3 });

function consumer(
  queue: PgQueue,
  handle: (m: readonly ReceivedMessage[]) => Promise<Outcome[]>,
  extra: Partial<ConstructorParameters<typeof QueueConsumer>[0]> = {},
): QueueConsumer {
  return new QueueConsumer({
    queue,
    handle,
    batchSize: 10,
    visibilitySeconds: 30,
    waitSeconds: 1,
    concurrency: 1,
    maxReceives: 3,
    log,
    ...extra,
  });
}

const committed: Outcome = { status: "committed", acceptedAt: Date.now() };

describe("QueueConsumer on the local driver", () => {
  test("deletes only what committed; a failure is left on the queue with a backoff, then delivered again", async () => {
    const queue = newQueue();
    await queue.send(["ok-1", "bad", "ok-2"]);
    const seen: [string, number][] = [];
    const c = consumer(queue, async (messages) => {
      for (const m of messages) seen.push([m.body, m.receiveCount]);
      return messages.map((m) =>
        m.body === "bad" && m.receiveCount === 1
          ? { status: "failed", permanent: false, reason: "db" }
          : committed,
      );
    });
    c.start();
    for (let i = 0; i < 100 && seen.length < 4; i++) await sleep(50);
    expect(await c.stop(5000)).toBe(true);
    // The failure came back after its 1 s backoff (receive count 2) and committed then.
    expect(seen).toEqual([
      ["ok-1", 1],
      ["bad", 1],
      ["ok-2", 1],
      ["bad", 2],
    ]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, dead: 0 });
  });

  test("a message failing every receive reaches the dead letters after maxReceives", async () => {
    const queue = newQueue();
    await queue.send(["poison"]);
    const c = consumer(queue, async (messages) =>
      messages.map(() => ({ status: "failed", permanent: true, reason: "not a submission" })),
    );
    c.start();
    for (let i = 0; i < 200 && (await queue.depth()).dead === 0; i++) await sleep(50);
    await c.stop(5000);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, dead: 1 });
  });

  test("a database outage longer than the backoffs does not spend the receives: receiving waits for it, nothing reaches the dead letters", async () => {
    const queue = newQueue(); // maxReceives 3: receives at 0, 1 and 3 s would use them all up
    await queue.send(["a", "b"]);
    let down = true;
    const receiveCounts: number[] = [];
    let probes = 0;
    const c = consumer(
      queue,
      async (messages) => {
        for (const m of messages) receiveCounts.push(m.receiveCount);
        return messages.map(() =>
          down ? { status: "failed", permanent: false, reason: "database unavailable" } : committed,
        );
      },
      {
        ready: async () => {
          probes += 1;
          if (down) throw new Error("database unavailable");
        },
      },
    );
    c.start();
    await sleep(5000);
    down = false;
    for (let i = 0; i < 100; i++) {
      const depth = await queue.depth();
      if (depth.visible + depth.inFlight === 0) break;
      await sleep(100);
    }
    expect(await c.stop(5000)).toBe(true);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, dead: 0 });
    // One receive failed at the outage; the next one, after it, committed.
    expect(receiveCounts.sort()).toEqual([1, 1, 2, 2]);
    expect(probes).toBeGreaterThan(2);
  });

  test("a batch slower than half the visibility timeout is extended: no other consumer gets it", async () => {
    const queue = newQueue();
    await queue.send(["slow"]);
    const receivedBy: string[] = [];
    const slow = consumer(
      queue,
      async (messages) => {
        receivedBy.push("slow");
        await sleep(3500);
        return messages.map(() => committed);
      },
      { visibilitySeconds: 2 },
    );
    slow.start();
    for (let i = 0; i < 100 && receivedBy.length === 0; i++) await sleep(20);
    const other = consumer(queue, async (messages) => {
      receivedBy.push("other");
      return messages.map(() => committed);
    });
    other.start();
    await sleep(4000);
    await Promise.all([slow.stop(5000), other.stop(5000)]);
    expect(receivedBy).toEqual(["slow"]);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, dead: 0 });
  });

  test("stop() ends the long poll at once and lets the batch in flight commit and delete", async () => {
    const queue = newQueue();
    const c = consumer(
      queue,
      async (messages) => {
        await sleep(800);
        return messages.map(() => committed);
      },
      { waitSeconds: 20 },
    );
    c.start();
    await queue.send(["in-flight"]);
    for (let i = 0; i < 100 && c.inFlightMessages === 0; i++) await sleep(20);
    const started = Date.now();
    expect(await c.stop(10_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await queue.depth()).toEqual({ visible: 0, inFlight: 0, dead: 0 });
  });

  test("stop() past its deadline releases the unfinished batch at once for another worker", async () => {
    const queue = newQueue();
    await queue.send(["stuck"]);
    // Never finishes; its heartbeat (every 1 s) must not hide the message again after the release.
    const c = consumer(queue, () => new Promise(() => undefined), { visibilitySeconds: 2 });
    c.start();
    for (let i = 0; i < 100 && c.inFlightMessages === 0; i++) await sleep(20);
    expect(await c.stop(200)).toBe(false);
    await sleep(1300);
    // Visible again now, not after the visibility timeout.
    const [again] = await queue.receive({ max: 1, waitSeconds: 0 });
    expect(again).toMatchObject({ body: "stuck", receiveCount: 2 });
  });

  test("a receive error is retried with backoff, not fatal", async () => {
    const queue = newQueue();
    await queue.send(["after-error"]);
    let failures = 0;
    const flaky = Object.create(queue) as PgQueue;
    flaky.receive = async (options) => {
      if (failures++ < 2) throw new Error("connection refused");
      return queue.receive(options);
    };
    const bodies: string[] = [];
    const errors = jest.fn();
    const c = consumer(
      flaky,
      async (messages) => {
        bodies.push(...messages.map((m) => m.body));
        return messages.map(() => committed);
      },
      { onReceiveError: errors },
    );
    c.start();
    for (let i = 0; i < 100 && bodies.length === 0; i++) await sleep(20);
    await c.stop(5000);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(bodies).toEqual(["after-error"]);
  });
});

describe("SubmissionProcessor: scoring and writing a batch, idempotently", () => {
  let testId: string;
  beforeAll(async () => {
    testId = "6f1c3b1e-8d2a-4c59-9b0e-2a1f0c3d4e5f";
    await insertTest(db.writer, testId, sampleTest, "admin");
  });

  const submission = (
    user: string,
    key: string,
    answers = [{ questionId: "q1", choice: 1 }],
  ): SubmissionMessage => ({
    v: 1,
    attemptId: asyncAttemptId(user, key),
    testId,
    userId: user,
    idempotencyKey: key,
    requestHash: `hash-${key}`,
    answers,
    acceptedAt: Date.now(),
  });
  const received = (body: string, receiveCount = 1): ReceivedMessage => ({
    body,
    receipt: "r",
    receiveCount,
    sentAt: Date.now(),
  });
  const processor = () =>
    new SubmissionProcessor({ db, writer: new AttemptWriter(db.writer, { maxBatch: 100 }), maxReceives: 3 });
  const rows = async (user: string) =>
    (
      await db.writer.query<{ id: string; score: number }>(
        "select id, score from attempts where user_id = $1",
        [user],
      )
    ).rows;

  test("a batch is scored and stored; the same messages again (a redelivery) store nothing more", async () => {
    const user = uniqueName("u");
    const batch = [submission(user, "k1"), submission(user, "k2", [{ questionId: "q2", choice: 0 }])].map(
      (m) => received(encodeSubmission(m)),
    );
    const p = processor();
    expect((await p.process(batch)).map((o) => o.status)).toEqual(["committed", "committed"]);
    expect((await p.process(batch.map((m) => ({ ...m, receiveCount: 2 })))).map((o) => o.status)).toEqual([
      "committed",
      "committed",
    ]);
    const stored = await rows(user);
    expect(stored.map((r) => r.id).sort()).toEqual(
      [asyncAttemptId(user, "k1"), asyncAttemptId(user, "k2")].sort(),
    );
    expect(stored.map((r) => r.score).sort()).toEqual([1, 2]);
  });

  test("the same Idempotency-Key in two messages is one attempt", async () => {
    const user = uniqueName("u");
    const m = encodeSubmission(submission(user, "same"));
    const outcomes = await processor().process([received(m), received(m)]);
    expect(outcomes.map((o) => o.status)).toEqual(["committed", "committed"]);
    expect(await rows(user)).toHaveLength(1);
  });

  test("poison and unscorable messages fail as permanent; their failure is recorded for GET", async () => {
    const user = uniqueName("u");
    const gone = { ...submission(user, "gone"), testId: "00000000-0000-4000-8000-000000000000" };
    const unfit = submission(user, "unfit", [{ questionId: "nope", choice: 0 }]);
    const outcomes = await processor().process([
      received("not json"),
      received(encodeSubmission(gone)),
      received(encodeSubmission(unfit)),
    ]);
    expect(outcomes).toEqual([
      { status: "failed", permanent: true, reason: "message body is not JSON" },
      { status: "failed", permanent: true, reason: expect.stringMatching(/does not exist/) },
      { status: "failed", permanent: true, reason: expect.stringMatching(/do not fit the test/) },
    ]);
    const failures = await db.writer.query<{ id: string }>(
      "select id from attempt_failures where user_id = $1",
      [user],
    );
    expect(failures.rows.map((r) => r.id).sort()).toEqual([gone.attemptId, unfit.attemptId].sort());
    expect(await rows(user)).toEqual([]);
  });

  test("a transient failure is recorded only on the last receive", async () => {
    const user = uniqueName("u");
    const broken = testDatabase(uniqueName("no_such_schema"));
    const p = new SubmissionProcessor({
      db, // tests are read and failures recorded here
      writer: new AttemptWriter(broken.writer, { timeoutMs: 300, retryDelayMs: 50 }),
      maxReceives: 3,
    });
    const first = submission(user, "t1");
    const last = submission(user, "t2");
    const outcomes = await p.process([
      received(encodeSubmission(first), 1),
      received(encodeSubmission(last), 3),
    ]);
    await broken.close();
    expect(outcomes.map((o) => o.status === "failed" && o.permanent)).toEqual([false, false]);
    const failures = await db.writer.query<{ id: string }>(
      "select id from attempt_failures where user_id = $1",
      [user],
    );
    expect(failures.rows.map((r) => r.id)).toEqual([last.attemptId]);
  });
});

import type { Database } from "../db/database";
import { classifyDbError, isTransient } from "../db/database";
import type { AttemptWriter } from "../domain/attempt-writer";
import { findTest, type TestRecord } from "../domain/repository";
import { scoreAttempt } from "../domain/scoring";
import { decodeSubmission, PoisonMessage, type SubmissionMessage } from "../queue/submission";
import type { ReceivedMessage } from "../queue/work-queue";

/** What became of one received message. */
export type Outcome =
  | { readonly status: "committed"; readonly acceptedAt: number }
  /** Not stored: left on the queue. `permanent`: it will fail the same way on every receive. */
  | { readonly status: "failed"; readonly permanent: boolean; readonly reason: string };

export interface SubmissionProcessorOptions {
  readonly db: Database;
  /** The group-commit writer: a batch's attempts go out as one INSERT. */
  readonly writer: AttemptWriter;
  /** The queue's maxReceiveCount: a failure on the last receive is recorded for GET /v1/attempts/:id. */
  readonly maxReceives: number;
  /** How long a test read from the database is reused. @default 5000 ms */
  readonly testTtlMs?: number;
}

/**
 * Scores a batch of submissions and writes them through the group-commit writer. Idempotent: an
 * attempt's id comes with the message (derived from user and Idempotency-Key), and the writer's INSERT
 * does nothing for an id or key already stored, so a redelivered message finds its row instead of
 * making a second one. A message that can never succeed (not a submission, a test that is gone, answers
 * that no longer fit the test) is failed as permanent; its failure is recorded at once so clients see
 * "failed", and it reaches the dead letters after the queue's receives.
 */
export class SubmissionProcessor {
  private readonly tests = new Map<string, { test?: TestRecord; until: number }>();
  private readonly testTtlMs: number;

  constructor(private readonly options: SubmissionProcessorOptions) {
    this.testTtlMs = options.testTtlMs ?? 5000;
  }

  async process(messages: readonly ReceivedMessage[]): Promise<Outcome[]> {
    const decoded = messages.map((m) => {
      try {
        return decodeSubmission(m.body);
      } catch (error) {
        return error as PoisonMessage;
      }
    });
    const outcomes: Outcome[] = await Promise.all(
      decoded.map(async (d): Promise<Outcome> => {
        if (d instanceof PoisonMessage) return { status: "failed", permanent: true, reason: d.message };
        return this.store(d);
      }),
    );
    await this.recordFailures(messages, decoded, outcomes);
    return outcomes;
  }

  private async store(m: SubmissionMessage): Promise<Outcome> {
    let test: TestRecord | undefined;
    try {
      test = await this.test(m.testId);
    } catch (error) {
      return { status: "failed", permanent: false, reason: `test read failed: ${(error as Error).message}` };
    }
    if (!test) return { status: "failed", permanent: true, reason: `test ${m.testId} does not exist` };
    const scored = scoreAttempt(test.questions, m.answers);
    if (Array.isArray(scored)) {
      return {
        status: "failed",
        permanent: true,
        reason: `answers do not fit the test: ${scored[0].message}`,
      };
    }
    try {
      const { attempt, replayed } = await this.options.writer.insert({
        id: m.attemptId,
        testId: test.id,
        testVersion: test.version,
        userId: m.userId,
        answers: scored.answers,
        score: scored.score,
        maxScore: scored.maxScore,
        idempotencyKey: m.idempotencyKey,
        requestHash: m.requestHash,
      });
      if (replayed && attempt.id !== m.attemptId) {
        // The key was used before by another attempt (a synchronous POST, say): no second attempt, and
        // GET on the id the 202 handed out must lead to that one, or say why not.
        if (attempt.requestHash !== m.requestHash) {
          return {
            status: "failed",
            permanent: true,
            reason: `idempotency-key-reused: attempt ${attempt.id} was submitted with this Idempotency-Key and a different request`,
          };
        }
        await this.options.db.writer.query(
          `insert into attempt_aliases (id, attempt_id, user_id) values ($1, $2, $3) on conflict (id) do nothing`,
          [m.attemptId, attempt.id, m.userId],
        );
      }
      // Stored now, or already (a redelivery, or the same key sent before): either way, done.
      return { status: "committed", acceptedAt: m.acceptedAt };
    } catch (error) {
      const failure = classifyDbError(error);
      // WriteNotApplied / WriteOutcomeUnknown and every transient class: another receive will do.
      const permanent = !isTransient(failure) && (failure === "constraint" || failure === "data");
      return { status: "failed", permanent, reason: `attempt write failed: ${(error as Error).message}` };
    }
  }

  private async test(id: string): Promise<TestRecord | undefined> {
    const now = Date.now();
    const cached = this.tests.get(id);
    if (cached && cached.until > now) return cached.test;
    const test = await findTest(this.options.db.writer, id);
    this.tests.set(id, { test, until: now + this.testTtlMs });
    return test;
  }

  /** Failures no further receive will fix: permanent ones, and any on the message's last receive. */
  private async recordFailures(
    messages: readonly ReceivedMessage[],
    decoded: readonly (SubmissionMessage | PoisonMessage)[],
    outcomes: readonly Outcome[],
  ): Promise<void> {
    const rows: { id: string; userId: string; reason: string }[] = [];
    outcomes.forEach((o, i) => {
      const d = decoded[i];
      if (o.status !== "failed" || d instanceof PoisonMessage) return;
      if (o.permanent || messages[i].receiveCount >= this.options.maxReceives) {
        rows.push({ id: d.attemptId, userId: d.userId, reason: o.reason });
      }
    });
    if (rows.length === 0) return;
    // Best effort: if this fails too, the message still reaches the dead letters (and the alarm).
    await this.options.db.writer
      .query(
        `insert into attempt_failures (id, user_id, reason)
         select * from unnest($1::uuid[], $2::text[], $3::text[]) on conflict (id) do nothing`,
        [rows.map((r) => r.id), rows.map((r) => r.userId), rows.map((r) => r.reason)],
      )
      .catch(() => undefined);
  }
}

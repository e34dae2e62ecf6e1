import { classifyDbError, isTransient, outcomeUnknown, type DbFailure, type Queryable } from "../db/database";
import { insertAttemptRows, insertedAttempts, type AttemptInput, type InsertedAttempt } from "./repository";
import { WriteNotApplied, WriteOutcomeUnknown } from "./write-outcome";

export interface AttemptWriterOptions {
  /** Most attempts in one INSERT. @default 64 */
  readonly maxBatch?: number;
  /** INSERTs in flight at once; keep it under the writer pool's size. @default 4 */
  readonly maxInFlight?: number;
  /**
   * How long, from its arrival, a submission may take to reach a known outcome (DB_WRITE_TIMEOUT_MS).
   * Past it, one that may have been stored is answered "outcome unknown". @default 25000 ms
   */
  readonly timeoutMs?: number;
  /** The longest wait for one statement's answer (the pool's query timeout). @default 15000 ms */
  readonly queryTimeoutMs?: number;
  /** Pause between tries while the database does not answer. @default 250 ms */
  readonly retryDelayMs?: number;
  /** Told about every try that failed and is tried again (metrics, logs). */
  readonly onRetry?: (failure: DbFailure, attempts: number) => void;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

/** What an unfinished step resolves to once the answer-by time (answerBy) has passed. */
const CUT_OFF = Symbol("cut off");

interface Waiting {
  readonly input: AttemptInput;
  /** When its outcome must be known (arrival + timeoutMs). */
  readonly deadline: number;
  resolve(result: InsertedAttempt): void;
  reject(error: unknown): void;
}

/**
 * Group commit for attempt submissions, and the one place that decides what a failed INSERT means.
 *
 * Each request gets its answer only after its row is committed (durability is unchanged), but attempts
 * arriving while earlier INSERTs are in flight are written together: one statement, one round trip and
 * one commit for the group. Nothing waits on a timer: an idle service writes each attempt at once.
 *
 * Every attempt has its id before the first try, and the INSERT does nothing for a row whose id (or
 * idempotency key) is already stored, so trying again is always safe: an attempt is stored at most once.
 * What a failure means (classifyDbError):
 * - timeout or lost connection after the statement was sent: the group may have been committed, or may
 *   still be. It is tried again, same ids, until it answers or the deadline passes: a row that the lost
 *   try committed then conflicts on its id and is reported as stored (reconciled by id), never as a
 *   failure and never twice. Still no answer at the deadline: WriteOutcomeUnknown (202).
 * - nothing sent (no connection): WriteNotApplied (503, safe to retry), unless an earlier try of the
 *   same group may have been committed: then that is still unknown and it keeps trying.
 * - the server refused the statement (constraint, data): nothing of it was committed; a group is retried
 *   one attempt at a time, so one bad row fails only its own request.
 * While the process drains (answerBy), every submission gets its answer by the drain's deadline, whatever
 * the database does: one that may have been stored is answered "outcome unknown", one never sent "not
 * applied", instead of its connection being cut when the process exits.
 */
export class AttemptWriter {
  private readonly queue: Waiting[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly now: () => number;
  private inFlight = 0;
  private scheduled = false;
  /** Every submission's outcome is due by then (epoch ms); Infinity until the drain sets it. */
  private answerByAt = Infinity;
  /** Steps (statements in flight) to end with CUT_OFF when answerByAt passes. */
  private readonly cutOffListeners = new Set<() => void>();

  constructor(
    private readonly db: Queryable,
    private readonly options: AttemptWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
    this.timeoutMs = options.timeoutMs ?? 25_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 15_000;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  /**
   * Stores the attempt (or finds the one its idempotency key already stored). Rejects with
   * WriteNotApplied, WriteOutcomeUnknown, or the database's error when the server refused the row.
   */
  insert(input: AttemptInput): Promise<InsertedAttempt> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, deadline: this.now() + this.timeoutMs, resolve, reject });
      if (!this.scheduled) {
        // Lets the other requests parsed in this turn of the event loop join the same group.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /**
   * The process is draining: every submission, waiting or being written, gets its answer by `at` (epoch
   * ms), so none is left unanswered when the process exits. A statement still unanswered then is left to
   * the database (its outcome is unknown: 202), and nothing is sent after it.
   */
  answerBy(at: number): void {
    if (at >= this.answerByAt) return;
    this.answerByAt = at;
    const timer = setTimeout(
      () => {
        for (const cutOff of this.cutOffListeners) cutOff();
        this.cutOffListeners.clear();
      },
      Math.max(0, at - this.now()),
    );
    timer.unref();
  }

  /** Attempts waiting for a free INSERT slot (tests, metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const group = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.write(group, false).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  /** Writes the group until each attempt's outcome is known or the deadline passes. Never rejects. */
  private async write(group: Waiting[], maybeStored: boolean): Promise<void> {
    const groupDeadline = Math.min(...group.map((w) => w.deadline));
    const deadline = () => Math.min(groupDeadline, this.answerByAt);
    for (let tries = 1; ; tries++) {
      const remaining = deadline() - this.now();
      if (remaining <= 0) {
        // Waited for a free slot (or for answers) past the deadline.
        const error = new Error("attempt write deadline passed");
        return this.fail(
          group,
          maybeStored ? new WriteOutcomeUnknown("timeout", error) : new WriteNotApplied("timeout", error),
        );
      }
      const timeoutMs = Math.min(remaining, this.queryTimeoutMs);
      let error: unknown;
      try {
        const inputs = group.map((w) => w.input);
        const createdAt = await this.beforeCutOff(insertAttemptRows(this.db, inputs, { timeoutMs }));
        if (createdAt === CUT_OFF) return this.failAtCutOff(group);
        // The statement answered: every attempt is stored now (by it, by an earlier try, or as a replay).
        maybeStored = true;
        const outcomes = await this.beforeCutOff(insertedAttempts(this.db, inputs, createdAt));
        if (outcomes === CUT_OFF) return this.failAtCutOff(group);
        group.forEach((w, i) => w.resolve(outcomes[i]));
        return;
      } catch (caught) {
        error = caught;
      }
      const failure = classifyDbError(error);
      if (outcomeUnknown(failure)) {
        maybeStored = true;
      } else if (!isTransient(failure)) {
        // The server refused the statement, so none of it was committed: one bad row must fail only its
        // own request, so a group is tried one attempt at a time.
        if (group.length === 1) return group[0].reject(error);
        await Promise.all(group.map((w) => this.write([w], maybeStored)));
        return;
      } else if (!maybeStored) {
        return this.fail(group, new WriteNotApplied(failure, error));
      }
      if (this.now() + this.retryDelayMs >= deadline()) {
        return this.fail(group, new WriteOutcomeUnknown(failure, error));
      }
      this.options.onRetry?.(failure, tries);
      await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
  }

  /**
   * The step's result, or CUT_OFF if answerBy's time passes first (the step's own result is then dropped).
   * Every step is raced, since the drain may begin while it is in flight.
   */
  private beforeCutOff<T>(step: Promise<T>): Promise<T | typeof CUT_OFF> {
    return new Promise((resolve, reject) => {
      const cutOff = () => resolve(CUT_OFF);
      // Past the time already: a step that has its answer (no query to wait for) still wins.
      if (this.now() >= this.answerByAt) setImmediate(cutOff);
      else this.cutOffListeners.add(cutOff);
      step.then(
        (value) => {
          this.cutOffListeners.delete(cutOff);
          resolve(value);
        },
        (error: unknown) => {
          this.cutOffListeners.delete(cutOff);
          reject(error);
        },
      );
    });
  }

  /** The drain's deadline passed with a statement sent (or stored): its outcome is not known here. */
  private failAtCutOff(group: readonly Waiting[]): void {
    const cause = new Error("no answer from the database before the drain's deadline");
    this.fail(group, new WriteOutcomeUnknown("timeout", cause));
  }

  private fail(group: readonly Waiting[], error: Error): void {
    for (const w of group) w.reject(error);
  }
}

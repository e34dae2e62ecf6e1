import { isDatabaseUnavailable, type Queryable } from "../db/database";
import { insertAttemptRows, insertedAttempt, type AttemptInput, type InsertedAttempt } from "./repository";

export interface AttemptWriterOptions {
  /** Most attempts in one INSERT. @default 64 */
  readonly maxBatch?: number;
  /** INSERTs in flight at once; keep it under the writer pool's size. @default 4 */
  readonly maxInFlight?: number;
}

interface Waiting {
  readonly input: AttemptInput;
  resolve(result: InsertedAttempt): void;
  reject(error: unknown): void;
}

/**
 * Group commit for attempt submissions. Each request still gets its answer only after its row is
 * committed (durability is unchanged), but attempts arriving while earlier INSERTs are in flight are
 * written together: one statement, one round trip and one commit (one WAL flush) for the group instead
 * of one each. Nothing waits on a timer: an idle service writes each attempt at once, and groups form
 * only when the database is the bottleneck. If a group's INSERT fails for a reason other than the
 * database being unreachable, its attempts are retried one by one, so one bad row fails only its own
 * request.
 */
export class AttemptWriter {
  private readonly queue: Waiting[] = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly db: Queryable,
    options: AttemptWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  insert(input: AttemptInput): Promise<InsertedAttempt> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
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

  /** Attempts waiting for a free INSERT slot (tests, metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const group = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.write(group).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  private async write(group: Waiting[]): Promise<void> {
    let createdAt: Map<string, string>;
    try {
      createdAt = await insertAttemptRows(
        this.db,
        group.map((w) => w.input),
      );
    } catch (error) {
      if (group.length === 1 || isDatabaseUnavailable(error)) {
        for (const w of group) w.reject(error);
        return;
      }
      // Nothing of the group was committed (one statement): each attempt gets its own outcome instead.
      await Promise.all(group.map((w) => this.write([w])));
      return;
    }
    await Promise.all(
      group.map((w) => insertedAttempt(this.db, w.input, createdAt).then(w.resolve, w.reject)),
    );
  }
}

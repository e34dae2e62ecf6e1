import type { ReceivedMessage, WorkQueue } from "../queue/work-queue";
import type { Outcome } from "./submission-processor";
import type { TaskProtection } from "./task-protection";

export interface ConsumerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ConsumerOptions {
  readonly queue: WorkQueue;
  readonly handle: (messages: readonly ReceivedMessage[]) => Promise<Outcome[]>;
  readonly batchSize: number;
  readonly visibilitySeconds: number;
  readonly waitSeconds: number;
  /** Receive loops running at once. */
  readonly concurrency: number;
  /** The queue's maxReceiveCount: on the last receive a failed message is released at once (to the DLQ). */
  readonly maxReceives: number;
  readonly protection?: TaskProtection;
  /**
   * Resolves when what the handler needs (the database) answers. After a batch with a transient failure
   * no loop receives again until it does: an outage would otherwise spend a message's receives, one per
   * backoff, and send it to the dead letters. @default none: receiving never waits
   */
  readonly ready?: () => Promise<void>;
  readonly log: ConsumerLog;
  readonly onReceived?: (count: number) => void;
  readonly onBatch?: (report: {
    size: number;
    processed: number;
    failed: number;
    permanent: number;
    latencyMs: number;
    endToEndMs: number[];
  }) => void;
  readonly onReceiveError?: () => void;
}

/**
 * The worker's receive loop, over either driver. Ours rather than a consumer library: sqs-consumer (the
 * maintained one) is bound to the SQS client, so the local driver and the tests could not use it, and it
 * handles one message or one batch without the per-message outcome this needs (delete only what
 * committed, back off only what failed). Per loop: long-poll a batch; while it is worked on, extend its
 * visibility every half timeout (a slow database never lets it reappear mid-batch); delete the
 * committed messages; leave the failed ones invisible for a backoff that grows with their receive count
 * (at once on their last receive, so they reach the dead letters). After a transient failure, receiving
 * waits until `ready` answers: a database outage costs each message one receive, not all of them.
 * stop() ends the polls, lets the batches in flight finish, and after the deadline releases what is
 * still unfinished.
 */
export class QueueConsumer {
  private stopping = false;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  /** Receipts received and not yet deleted or released, by batch. */
  private readonly inFlight = new Set<readonly string[]>();
  /** The visibility heartbeats of the batches in flight. */
  private readonly heartbeats = new Set<NodeJS.Timeout>();
  /** While a dependency is down: resolves when it answers again (every loop waits on the same one). */
  private waitingForReady?: Promise<void>;

  constructor(private readonly options: ConsumerOptions) {}

  start(): void {
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  get inFlightMessages(): number {
    let n = 0;
    for (const batch of this.inFlight) n += batch.length;
    return n;
  }

  get running(): boolean {
    return this.loops.length > 0 && !this.stopping;
  }

  /**
   * Stops polling; waits up to `deadlineMs` for the batches in flight to commit and delete; then makes
   * whatever is still unfinished visible again at once (another worker takes it; redelivery is safe).
   * Resolves true when everything in flight finished.
   */
  async stop(deadlineMs: number): Promise<boolean> {
    this.stopping = true;
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(this.loops).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
    ]);
    clearTimeout(timer);
    if (!finished) {
      // Stop extending them first: a heartbeat after the release would hide them again.
      for (const heartbeat of this.heartbeats) clearInterval(heartbeat);
      const receipts = [...this.inFlight].flat();
      this.options.log.warn(
        { messages: receipts.length },
        "batches still in flight at the deadline: releasing them",
      );
      await this.options.queue
        .changeVisibility(receipts, 0)
        .catch((error: Error) =>
          this.options.log.error({ err: { message: error.message } }, "could not release in-flight messages"),
        );
    }
    await this.options.protection?.release();
    return finished;
  }

  private async loop(): Promise<void> {
    let errorDelay = 100;
    while (!this.stopping) {
      let messages: ReceivedMessage[];
      try {
        messages = await this.options.queue.receive({
          max: this.options.batchSize,
          waitSeconds: this.options.waitSeconds,
          visibilitySeconds: this.options.visibilitySeconds,
          signal: this.abort.signal,
        });
        errorDelay = 100;
      } catch (error) {
        this.options.onReceiveError?.();
        this.options.log.warn({ err: { message: (error as Error).message } }, "receive failed; backing off");
        await delay(errorDelay, this.abort.signal);
        errorDelay = Math.min(errorDelay * 2, 5000);
        continue;
      }
      if (messages.length === 0) continue;
      // Received after stop() began (the poll raced the abort): processed like any other batch.
      const transientFailures = await this.runBatch(messages);
      if (transientFailures > 0) await this.untilReady();
    }
  }

  /** Waits, probing with backoff, until `ready` answers (or stop() begins). */
  private untilReady(): Promise<void> {
    const ready = this.options.ready;
    if (!ready) return Promise.resolve();
    this.waitingForReady ??= (async () => {
      let wait = 250;
      let paused = false;
      while (!this.stopping) {
        try {
          await ready();
          if (paused) this.options.log.info({}, "the database answers again: receiving");
          return;
        } catch (error) {
          if (!paused) {
            this.options.log.warn(
              { err: { message: (error as Error).message } },
              "the database does not answer: receiving paused until it does (the messages keep their receives)",
            );
          }
          paused = true;
        }
        await delay(wait, this.abort.signal);
        wait = Math.min(wait * 2, 5000);
      }
    })().finally(() => (this.waitingForReady = undefined));
    return this.waitingForReady;
  }

  /** Works one batch; resolves with how many of its messages failed transiently. */
  private async runBatch(messages: ReceivedMessage[]): Promise<number> {
    const started = Date.now();
    const receipts = messages.map((m) => m.receipt);
    this.inFlight.add(receipts);
    this.options.onReceived?.(messages.length);
    await this.options.protection?.busy();
    const heartbeat = setInterval(
      () =>
        void this.options.queue
          .changeVisibility(receipts, this.options.visibilitySeconds)
          .catch((error: Error) =>
            this.options.log.warn(
              { err: { message: error.message } },
              "could not extend a batch's visibility",
            ),
          ),
      (this.options.visibilitySeconds * 1000) / 2,
    );
    this.heartbeats.add(heartbeat);
    let outcomes: Outcome[];
    try {
      outcomes = await this.options.handle(messages);
    } catch (error) {
      outcomes = messages.map(() => ({
        status: "failed",
        permanent: false,
        reason: (error as Error).message,
      }));
    } finally {
      clearInterval(heartbeat);
      this.heartbeats.delete(heartbeat);
    }
    const committed = messages.filter((_, i) => outcomes[i].status === "committed").map((m) => m.receipt);
    // Not deleted (stale receipt, SQS error): it comes back and is found committed; nothing to do here.
    await this.options.queue.delete(committed).catch(() => undefined);
    const failed = messages.map((m, i) => ({ m, o: outcomes[i] })).filter(({ o }) => o.status === "failed");
    const bySeconds = new Map<number, string[]>();
    for (const { m } of failed) {
      const seconds = this.backoffSeconds(m.receiveCount);
      bySeconds.set(seconds, [...(bySeconds.get(seconds) ?? []), m.receipt]);
    }
    for (const [seconds, group] of bySeconds) {
      await this.options.queue.changeVisibility(group, seconds).catch(() => undefined);
    }
    for (const { o } of failed.slice(0, 3)) {
      this.options.log.warn(
        { reason: o.status === "failed" ? o.reason : "" },
        "message failed; left on the queue",
      );
    }
    this.inFlight.delete(receipts);
    this.options.protection?.idle();
    const now = Date.now();
    this.options.onBatch?.({
      size: messages.length,
      processed: committed.length,
      failed: failed.length,
      permanent: failed.filter(({ o }) => o.status === "failed" && o.permanent).length,
      latencyMs: now - started,
      endToEndMs: outcomes.flatMap((o) => (o.status === "committed" ? [now - o.acceptedAt] : [])),
    });
    return failed.filter(({ o }) => o.status === "failed" && !o.permanent).length;
  }

  /** 1, 2, 4 … s, capped by the visibility timeout; 0 on the last receive so the DLQ move is not delayed. */
  private backoffSeconds(receiveCount: number): number {
    if (receiveCount >= this.options.maxReceives) return 0;
    return Math.min(this.options.visibilitySeconds, 2 ** (receiveCount - 1));
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

import type { WorkQueue } from "./work-queue";

interface Waiting {
  readonly body: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Group send for the API, as AttemptWriter is group commit: the messages of requests that arrive while
 * earlier sends are in flight go out together (one INSERT on the local driver, one SendMessageBatch per
 * 10 on SQS). Nothing waits on a timer: an idle API sends each message at once. Each request is answered
 * only once its own message is stored.
 */
export class EnqueueBatcher {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly target: WorkQueue,
    private readonly maxInFlight = 4,
  ) {}

  send(body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ body, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const group = this.queue.splice(0, this.target.maxBatch);
      this.inFlight += 1;
      void this.target
        .send(group.map((w) => w.body))
        .then(
          (results) =>
            group.forEach((w, i) => {
              const r = results[i];
              if (r?.ok) w.resolve();
              else w.reject(r?.error ?? new Error("queue send returned no result"));
            }),
          (error: Error) => group.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.drain();
        });
    }
  }
}

import type Redis from "ioredis";

/** Called with the id that changed, or undefined for "drop everything" (messages may have been missed). */
export type InvalidationHandler = (id: string | undefined) => void;

/**
 * How instances tell each other that a cached value changed, so each can drop its in-process copy.
 * The in-process tier may be trusted only while `live`: otherwise another instance's update could go unheard.
 */
export interface InvalidationChannel {
  readonly live: boolean;
  /** Tells every instance (this one included) that id changed. Rejects when the message could not be sent. */
  publish(id: string): Promise<void>;
  onInvalidate(handler: InvalidationHandler): void;
  close(): Promise<void>;
}

/** One process (the embedded default, or tests): always live, delivered synchronously. */
export class LocalInvalidationChannel implements InvalidationChannel {
  readonly live = true;
  private readonly handlers: InvalidationHandler[] = [];

  async publish(id: string): Promise<void> {
    for (const handler of this.handlers) handler(id);
  }

  onInvalidate(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {}
}

/** No channel (a shared cache without pub/sub wiring): never live, so nothing is cached in-process. */
export class NoInvalidationChannel implements InvalidationChannel {
  readonly live = false;
  async publish(): Promise<void> {}
  onInvalidate(): void {}
  async close(): Promise<void> {}
}

/**
 * Redis pub/sub, on a second connection (a subscribed connection can run no other command). Live from
 * the moment the SUBSCRIBE is acknowledged until that connection drops; both edges tell the handlers to
 * drop everything, because messages sent while it was down are lost (pub/sub does not queue them).
 */
export class RedisInvalidationChannel implements InvalidationChannel {
  private subscribed = false;
  private readonly handlers: InvalidationHandler[] = [];
  private readonly subscriber: Redis;
  private readonly subscribeRetryMs: number;

  constructor(
    private readonly publisher: Redis,
    private readonly channel: string,
    onError: (error: Error) => void,
    /** subscribeRetryMs: wait before asking again when SUBSCRIBE is refused (ACLs). @default 5000 */
    options: { readonly subscribeRetryMs?: number } = {},
  ) {
    this.subscribeRetryMs = options.subscribeRetryMs ?? 5000;
    // Resubscribing is done here on every "ready", so the moment it is live is known exactly.
    this.subscriber = publisher.duplicate({ autoResubscribe: false, lazyConnect: true });
    this.subscriber.on("error", onError);
    this.subscriber.on("ready", () => this.subscribe());
    this.subscriber.on("close", () => this.setLive(false));
    this.subscriber.on("message", (channel: string, id: string) => {
      if (channel === this.channel) this.emit(id);
    });
  }

  get live(): boolean {
    return this.subscribed;
  }

  /** Starts connecting; a Redis that is down now is not fatal (the connection keeps retrying). */
  async connect(): Promise<void> {
    await this.subscriber.connect();
  }

  async publish(id: string): Promise<void> {
    await this.publisher.publish(this.channel, id);
  }

  onInvalidate(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.setLive(false);
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }

  /** Subscribes on the current connection; a refusal is retried on a timer (without the in-process tier meanwhile). */
  private subscribe(): void {
    this.subscriber.subscribe(this.channel).then(
      () => this.setLive(true),
      () => {
        const retry = setTimeout(() => {
          if (this.subscriber.status === "ready") this.subscribe();
        }, this.subscribeRetryMs);
        retry.unref();
      },
    );
  }

  private setLive(live: boolean): void {
    if (this.subscribed === live) return;
    this.subscribed = live;
    this.emit(undefined);
  }

  private emit(id: string | undefined): void {
    for (const handler of this.handlers) handler(id);
  }
}

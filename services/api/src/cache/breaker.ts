import type { Cache, WindowHit } from "./cache";
import type { InvalidationChannel, InvalidationHandler } from "./invalidation";

export type BreakerState = "closed" | "open" | "half-open";

/** What a call gets while the breaker is open: at once, without touching the connection. */
export class BreakerOpenError extends Error {
  readonly code = "BREAKER_OPEN";
  constructor() {
    super("cache circuit breaker is open");
    this.name = "BreakerOpenError";
  }
}

export interface BreakerOptions {
  /** Consecutive failed calls (timeouts, lost or refused connections) that open it. @default 3 */
  readonly failureThreshold?: number;
  /** How long it stays open before a probe is sent. @default 1000 ms */
  readonly openMs?: number;
  /** Told about every change of state (metrics, one log line each). */
  readonly onStateChange?: (to: BreakerState, from: BreakerState, reason: string) => void;
  /** Told about every call refused because the breaker is open (metrics). */
  readonly onRejected?: () => void;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

/**
 * A circuit breaker in front of the shared cache. A cache that hangs (a stopped Redis: the connection is
 * up, nothing answers) would otherwise cost every request the full command timeout; once the breaker is
 * open, each call fails at once (microseconds) and the callers degrade as they do when Redis is down
 * (reads go to PostgreSQL, rate limits fail open).
 *
 * closed: calls go through; `failureThreshold` failures in a row open it. An error Redis answered with
 *   (a ReplyError) is not a failure: the server is there.
 * open: calls fail at once. After `openMs` a probe (PING, with the usual command timeout) is sent in the
 *   background: half-open. Requests never wait for a probe.
 * half-open: calls still fail at once; the probe's answer closes it, its failure opens it for another
 *   `openMs`.
 */
export class CircuitBreaker {
  private current: BreakerState = "closed";
  private failures = 0;
  private openUntil = 0;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(
    private readonly probe: () => Promise<void>,
    private readonly options: BreakerOptions = {},
  ) {
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 3);
    this.openMs = options.openMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Runs op unless the breaker is open (then rejects at once with BreakerOpenError). */
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.current !== "closed") {
      if (this.current === "open" && this.now() >= this.openUntil) this.startProbe();
      this.options.onRejected?.();
      throw new BreakerOpenError();
    }
    try {
      const result = await op();
      this.failures = 0;
      return result;
    } catch (error) {
      if (isOutage(error)) this.failed(error);
      else this.failures = 0;
      throw error;
    }
  }

  private failed(error: unknown): void {
    this.failures += 1;
    if (this.current === "closed" && this.failures >= this.failureThreshold) {
      this.open(`${this.failures} failures in a row, the last: ${(error as Error).message}`);
    }
  }

  private open(reason: string): void {
    const from = this.current;
    this.current = "open";
    this.openUntil = this.now() + this.openMs;
    this.options.onStateChange?.("open", from, reason);
  }

  private startProbe(): void {
    this.current = "half-open";
    this.options.onStateChange?.("half-open", "open", "probing");
    this.probe().then(
      () => {
        this.failures = 0;
        this.current = "closed";
        this.options.onStateChange?.("closed", "half-open", "the probe was answered");
      },
      (error: unknown) => this.open(`the probe failed: ${(error as Error).message}`),
    );
  }
}

/** A failure that says the cache is not answering, as opposed to an error it answered with. */
function isOutage(error: unknown): boolean {
  return !(
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "ReplyError"
  );
}

/** The shared cache behind a circuit breaker: every call goes through breaker.run. */
export class BreakerCache implements Cache {
  readonly kind: Cache["kind"];

  constructor(
    private readonly inner: Cache,
    readonly breaker: CircuitBreaker,
  ) {
    this.kind = inner.kind;
  }

  get(key: string): Promise<string | null> {
    return this.breaker.run(() => this.inner.get(key));
  }

  set(key: string, value: string, ttlSeconds: number, onlyIfAbsent?: boolean): Promise<boolean> {
    return this.breaker.run(() => this.inner.set(key, value, ttlSeconds, onlyIfAbsent));
  }

  del(key: string): Promise<void> {
    return this.breaker.run(() => this.inner.del(key));
  }

  hit(key: string, windowMs: number, increment?: number): Promise<WindowHit> {
    return this.breaker.run(() => this.inner.hit(key, windowMs, increment));
  }

  ping(): Promise<void> {
    return this.breaker.run(() => this.inner.ping());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * An invalidation channel that is live only while the breaker is closed: when the cache hangs, messages
 * are not flowing either, so in-process copies must not be trusted; every change of the breaker's state
 * drops them all (as a lost subscription does).
 */
export class BreakerGatedChannel implements InvalidationChannel {
  private readonly handlers: InvalidationHandler[] = [];

  constructor(
    private readonly inner: InvalidationChannel,
    private readonly breaker: CircuitBreaker,
  ) {
    inner.onInvalidate((id) => this.emit(id));
  }

  get live(): boolean {
    return this.inner.live && this.breaker.state === "closed";
  }

  publish(id: string): Promise<void> {
    return this.breaker.run(() => this.inner.publish(id));
  }

  onInvalidate(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  /** Call on every breaker state change. */
  dropAll(): void {
    this.emit(undefined);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private emit(id: string | undefined): void {
    for (const handler of this.handlers) handler(id);
  }
}

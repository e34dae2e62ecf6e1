import type { Cache, WindowHit } from "./cache";

interface Entry {
  value: string;
  expiresAt: number;
}

interface Counter {
  count: number;
  resetAt: number;
}

/** In-process cache and counters for the embedded default (one process, so nothing to share). */
export class MemoryCache implements Cache {
  readonly kind = "memory" as const;
  private readonly entries = new Map<string, Entry>();
  private readonly counters = new Map<string, Counter>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    /** Bounds memory: the oldest entry is dropped past this many. @default 10000 */
    private readonly maxEntries = 10_000,
  ) {
    // Expired counters would otherwise accumulate one per client IP forever.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number, onlyIfAbsent = false): Promise<boolean> {
    if (onlyIfAbsent && (await this.get(key)) !== null) return false;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async hit(key: string, windowMs: number, increment = 1): Promise<WindowHit> {
    const now = this.now();
    let counter = this.counters.get(key);
    if (!counter || counter.resetAt <= now) {
      counter = { count: 0, resetAt: now + windowMs };
      this.counters.set(key, counter);
    }
    counter.count += increment;
    return { count: counter.count, resetMs: counter.resetAt - now };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Drops expired entries and counters. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, counter] of this.counters) if (counter.resetAt <= now) this.counters.delete(key);
  }

  /** Entries currently held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}

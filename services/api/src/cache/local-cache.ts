/** A value held in this process until expiresAt (local clock, ms). */
interface LocalEntry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export interface LocalCacheOptions {
  /** How long an entry is served without asking the shared cache again. @default 5000 ms */
  readonly ttlMs?: number;
  /** Bound on entries; the least recently written is dropped first. @default 1000 */
  readonly maxEntries?: number;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

/**
 * The in-process tier in front of the shared cache: hot values without a network round trip or a
 * JSON.parse. Short-lived and bounded; whoever owns it must drop entries when they change elsewhere
 * (see TestCatalog, which listens for invalidations). A TTL of 0 disables it.
 */
export class LocalCache<V> {
  private readonly entries = new Map<string, LocalEntry<V>>();
  readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: LocalCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxEntries > 0;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

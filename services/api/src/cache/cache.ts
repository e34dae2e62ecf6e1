/**
 * Key-value cache plus the fixed-window counter the rate limiter needs. Two implementations: Redis
 * (shared by every task) and in-process memory (the embedded default). Every method may reject when
 * the backend is down; callers degrade (read PostgreSQL, fail open) instead of failing the request.
 */
export interface WindowHit {
  /** Hits in the current window, this one included. */
  readonly count: number;
  /** Milliseconds until the window resets. */
  readonly resetMs: number;
}

export interface Cache {
  readonly kind: "redis" | "memory";
  get(key: string): Promise<string | null>;
  /** Stores value; with onlyIfAbsent it leaves an existing (fresher) value alone and returns false. */
  set(key: string, value: string, ttlSeconds: number, onlyIfAbsent?: boolean): Promise<boolean>;
  del(key: string): Promise<void>;
  /**
   * Counts hits against key in a fixed window of windowMs starting at the first hit.
   * @param increment hits to add at once (a batch counted locally first). @default 1
   */
  hit(key: string, windowMs: number, increment?: number): Promise<WindowHit>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

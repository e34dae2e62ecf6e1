import type { Cache } from "../cache/cache";
import {
  decide,
  failOpen,
  limitKey,
  type Limiter,
  type RateDecision,
  type RateLimitRule,
} from "./rate-limit";

export interface BatchingOptions {
  /**
   * Share of a rule's max that one instance may count locally before the store hears of it. The
   * budget is floor(max × localShare); a budget under 1 means every hit goes to the store (exact).
   * @default 0.1 (10 of the default 100 requests per client address)
   */
  readonly localShare?: number;
  /** How often locally counted hits are sent to the store and the shared count read back. @default 100 ms */
  readonly syncIntervalMs?: number;
  /** Subjects tracked locally at once; past this, new subjects are counted in the store per hit. @default 50000 */
  readonly maxKeys?: number;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

interface KeyState {
  readonly windowMs: number;
  /** The store's count at the last answer: every instance's hits, this one's included. */
  shared: number;
  /** Hits counted here and not sent yet. */
  pending: number;
  /** Hits sent and not yet acknowledged. */
  inflight: number;
  /** Local time the window ends; never later than the store's (measured from before the call). */
  readonly resetAt: number;
}

/**
 * The per-client and per-user limits, still shared by every instance through the store, without a store
 * round trip per request. Each instance counts hits locally and sends them as one INCRBY per subject every
 * syncIntervalMs, reading back the shared count (which includes the other instances' hits).
 *
 * Accuracy: a hit is answered locally only while this instance has fewer than `budget` unsent hits for
 * the subject and the known count leaves at least `budget` of the limit free; nearer the limit every hit
 * is counted in the store before it is answered, exactly as the unbatched limiter does. One instance is
 * therefore exact; N instances can together admit at most about N × budget more than max in a window
 * (what each counted before the others heard of it). A subject known to be over the limit is refused
 * locally: within a window the shared count only grows, but for refunds (an idempotent replay is given
 * its hit back), so that refusal is right or early by the refunds another instance made meanwhile.
 * Store down: a hit that needs the store fails open, as before; unsent hits of a failed sync are dropped.
 */
export class BatchedRateLimiter implements Limiter {
  private readonly states = new Map<string, KeyState>();
  private readonly localShare: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Cache,
    private readonly keyPrefix: string,
    options: BatchingOptions = {},
  ) {
    this.localShare = options.localShare ?? 0.1;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.sync(), options.syncIntervalMs ?? 100);
    this.timer.unref();
  }

  async consume(rule: RateLimitRule, subject: string): Promise<RateDecision> {
    const key = limitKey(this.keyPrefix, rule, subject);
    const now = this.now();
    return this.decideLocally(key, rule, now) ?? this.countInStore(key, rule, this.current(key, now), now);
  }

  consumeLocally(rule: RateLimitRule, subject: string): RateDecision | undefined {
    return this.decideLocally(limitKey(this.keyPrefix, rule, subject), rule, this.now());
  }

  /**
   * Takes back one hit: an unsent one if there is one (nothing to tell the store), else one already in the
   * store (a DECR by INCRBY -1, best effort). The known count drops with it, so the subject is not refused
   * locally for a hit that no longer counts.
   */
  refund(rule: RateLimitRule, subject: string): void {
    const key = limitKey(this.keyPrefix, rule, subject);
    const state = this.current(key, this.now());
    if (state && state.pending > 0) {
      state.pending -= 1;
      return;
    }
    if (state) state.shared = Math.max(0, state.shared - 1);
    this.store.hit(key, rule.windowMs, -1).catch(() => undefined);
  }

  /** Sends every subject's unsent hits (one INCRBY each) and reads back the shared counts; drops ended windows. */
  async sync(): Promise<void> {
    const now = this.now();
    const sends: Promise<void>[] = [];
    for (const [key, state] of this.states) {
      if (now >= state.resetAt) this.states.delete(key);
      else if (state.pending > 0) sends.push(this.send(key, state));
    }
    await Promise.all(sends);
  }

  /** Subjects tracked locally (tests and memory bounds). */
  get size(): number {
    return this.states.size;
  }

  /** Stops the timer after sending what is unsent, so a draining instance's hits still count. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
  }

  /** The subject's state in the current window; an ended window is dropped (its unsent hits with it). */
  private current(key: string, now: number): KeyState | undefined {
    const state = this.states.get(key);
    if (state && now >= state.resetAt) {
      this.states.delete(key);
      return undefined;
    }
    return state;
  }

  /** Counts the hit locally and decides, when the rules above allow it; else undefined, nothing counted. */
  private decideLocally(key: string, rule: RateLimitRule, now: number): RateDecision | undefined {
    const state = this.current(key, now);
    if (!state) return undefined;
    const known = state.shared + state.inflight + state.pending;
    const budget = Math.floor(rule.max * this.localShare);
    const unsent = state.pending + state.inflight;
    if (known >= rule.max || (unsent < budget && rule.max - (known + 1) >= budget)) {
      state.pending += 1;
      return decide(rule, known + 1, state.resetAt - now);
    }
    return undefined;
  }

  /** The exact path: this hit (and any unsent ones) counted in the store before answering. */
  private async countInStore(
    key: string,
    rule: RateLimitRule,
    state: KeyState | undefined,
    now: number,
  ): Promise<RateDecision> {
    const carried = state ? state.pending + 1 : 1;
    if (state) {
      state.pending = 0;
      state.inflight += carried;
    }
    try {
      const { count, resetMs } = await this.store.hit(key, rule.windowMs, carried);
      this.remember(key, rule.windowMs, count, now + resetMs);
      return decide(rule, count, resetMs);
    } catch {
      if (state) this.forget(key, state);
      return failOpen(rule);
    } finally {
      if (state) state.inflight -= carried;
    }
  }

  private async send(key: string, state: KeyState): Promise<void> {
    const count = state.pending;
    state.pending = 0;
    state.inflight += count;
    try {
      const result = await this.store.hit(key, state.windowMs, count);
      state.shared = Math.max(state.shared, result.count);
    } catch {
      // The store is down: requests that need it fail open until it is back; these hits are lost.
      this.forget(key, state);
    } finally {
      state.inflight -= count;
    }
  }

  private remember(key: string, windowMs: number, count: number, resetAt: number): void {
    const current = this.states.get(key);
    if (current && this.now() < current.resetAt) {
      // Answers can arrive out of order; within a window the count only grows.
      current.shared = Math.max(current.shared, count);
      return;
    }
    if (this.states.size >= this.maxKeys && !current) return;
    this.states.set(key, { windowMs, shared: count, pending: 0, inflight: 0, resetAt });
  }

  private forget(key: string, state: KeyState): void {
    if (this.states.get(key) === state) this.states.delete(key);
  }
}

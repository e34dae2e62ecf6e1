import type { Cache } from "../cache/cache";

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets (for RateLimit-Reset and Retry-After). */
  readonly resetSeconds: number;
  /** True when the store was unreachable and the request was let through unchecked. */
  readonly failedOpen: boolean;
}

export interface RateLimitRule {
  readonly scope: "ip" | "user";
  readonly max: number;
  readonly windowMs: number;
}

/** What the hooks call: one hit against a rule for a subject (a client address or a user id). */
export interface Limiter {
  consume(rule: RateLimitRule, subject: string): Promise<RateDecision>;
  /** The decision when it needs no I/O (counted locally), else undefined and nothing counted: call consume. */
  consumeLocally?(rule: RateLimitRule, subject: string): RateDecision | undefined;
  /** Takes back one hit consume counted (a request that turned out not to count: an idempotent replay). */
  refund(rule: RateLimitRule, subject: string): void;
}

/** The store key of a rule's counter for one subject: shared by both limiters, so they count together. */
export function limitKey(keyPrefix: string, rule: RateLimitRule, subject: string): string {
  return `${keyPrefix}rl:${rule.scope}:${subject}`;
}

/** The decision for `count` hits so far in a window that resets in resetMs. */
export function decide(rule: RateLimitRule, count: number, resetMs: number): RateDecision {
  return {
    allowed: count <= rule.max,
    limit: rule.max,
    remaining: Math.max(0, rule.max - count),
    resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
    failedOpen: false,
  };
}

/** The decision when the store is unreachable: let the request through and say so. */
export function failOpen(rule: RateLimitRule): RateDecision {
  return {
    allowed: true,
    limit: rule.max,
    remaining: rule.max,
    resetSeconds: Math.ceil(rule.windowMs / 1000),
    failedOpen: true,
  };
}

/**
 * Fixed-window limiter on the shared cache, one store round trip per hit (exact), so the limit holds across every task behind the load
 * balancer. When the store is down it fails open: availability beats strict limiting for this API,
 * and the caller counts the event on a warning metric.
 */
export class RateLimiter implements Limiter {
  constructor(
    private readonly store: Cache,
    private readonly keyPrefix: string,
  ) {}

  async consume(rule: RateLimitRule, subject: string): Promise<RateDecision> {
    try {
      const { count, resetMs } = await this.store.hit(limitKey(this.keyPrefix, rule, subject), rule.windowMs);
      return decide(rule, count, resetMs);
    } catch {
      return failOpen(rule);
    }
  }

  refund(rule: RateLimitRule, subject: string): void {
    // Best effort: a store that is down now loses the refund, as it lost nothing by failing open.
    this.store.hit(limitKey(this.keyPrefix, rule, subject), rule.windowMs, -1).catch(() => undefined);
  }
}

/** The headers for a decision (IETF draft RateLimit header fields, in the widely used X- form too). */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {
    "x-ratelimit-limit": String(decision.limit),
    "x-ratelimit-remaining": String(decision.remaining),
    "x-ratelimit-reset": String(decision.resetSeconds),
  };
  if (!decision.allowed) headers["retry-after"] = String(decision.resetSeconds);
  return headers;
}

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

/**
 * Fixed-window limiter on the shared cache, so the limit holds across every task behind the load
 * balancer. When the store is down it fails open: availability beats strict limiting for this API,
 * and the caller counts the event on a warning metric.
 */
export class RateLimiter {
  constructor(
    private readonly store: Cache,
    private readonly keyPrefix: string,
  ) {}

  async consume(rule: RateLimitRule, subject: string): Promise<RateDecision> {
    try {
      const { count, resetMs } = await this.store.hit(
        `${this.keyPrefix}rl:${rule.scope}:${subject}`,
        rule.windowMs,
      );
      return {
        allowed: count <= rule.max,
        limit: rule.max,
        remaining: Math.max(0, rule.max - count),
        resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
        failedOpen: false,
      };
    } catch {
      return {
        allowed: true,
        limit: rule.max,
        remaining: rule.max,
        resetSeconds: Math.ceil(rule.windowMs / 1000),
        failedOpen: true,
      };
    }
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

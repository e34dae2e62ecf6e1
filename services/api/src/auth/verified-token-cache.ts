import type { JwtVerifier, Principal, TokenVerifier } from "./jwt";

export interface VerifiedTokenCacheOptions {
  /** Distinct tokens remembered; the oldest is forgotten first. @default 10000 */
  readonly maxEntries?: number;
  /**
   * Longest a verification is reused, whatever the token's exp: bounds how long a token signed by a key
   * since removed from the JWKS keeps working. @default 60000 ms
   */
  readonly maxAgeMs?: number;
  /** Clock (tests). @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly principal: Principal;
  readonly until: number;
}

/**
 * Remembers tokens that verified, so a client sending the same bearer token on every request costs one
 * signature check per token instead of one per request. Keyed by the whole token (signature included),
 * so only the exact bytes that verified match; never past the token's exp; failures are not remembered.
 */
export class VerifiedTokenCache implements TokenVerifier {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly verifier: Pick<JwtVerifier, "verifyWithExpiry">,
    options: VerifiedTokenCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal> {
    const now = this.now();
    const hit = this.entries.get(token);
    if (hit !== undefined) {
      if (now < hit.until) return hit.principal;
      this.entries.delete(token);
    }
    const { principal, validUntilMs } = await this.verifier.verifyWithExpiry(token);
    if (this.maxEntries > 0) {
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(token, { principal, until: Math.min(validUntilMs, now + this.maxAgeMs) });
    }
    return principal;
  }

  /** Tokens remembered (tests). */
  get size(): number {
    return this.entries.size;
  }
}

import type { KeyObject } from "node:crypto";
import { JwtError, keyFromJwk, type KeyResolver } from "./jwt";

export interface JwksOptions {
  /** How long fetched keys are trusted before a refetch. @default 10 minutes */
  readonly cacheMs?: number;
  /** An unknown kid refetches at most this often, so forged kids cannot hammer the issuer. @default 30 seconds */
  readonly minRefetchMs?: number;
  /** @default 3000 */
  readonly timeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
  readonly now?: () => number;
}

const ALG_KTY: Record<string, string> = { RS256: "RSA", ES256: "EC" };

/** Keys from a JWKS URL, cached, refetched when a token names a kid not seen yet (key rotation). */
export class Jwks implements KeyResolver {
  private keys = new Map<string, { key: KeyObject; kty: string }>();
  private fetchedAt = -Infinity;
  private inflight?: Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly url: string,
    private readonly options: JwksOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async resolve(kid: string | undefined, alg: string): Promise<KeyObject> {
    const age = this.now() - this.fetchedAt;
    if (age > (this.options.cacheMs ?? 600_000)) await this.refresh();
    let found = this.find(kid, alg);
    if (!found && age > (this.options.minRefetchMs ?? 30_000)) {
      await this.refresh();
      found = this.find(kid, alg);
    }
    if (!found)
      throw new JwtError("unknown-key", `No key in the JWKS matches kid ${kid ?? "(none)"} for ${alg}.`);
    return found;
  }

  private find(kid: string | undefined, alg: string): KeyObject | undefined {
    const kty = ALG_KTY[alg];
    if (kid !== undefined) {
      const entry = this.keys.get(kid);
      return entry && entry.kty === kty ? entry.key : undefined;
    }
    // A token without kid is accepted only when exactly one key of its type exists.
    const candidates = [...this.keys.values()].filter((k) => k.kty === kty);
    return candidates.length === 1 ? candidates[0].key : undefined;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(): Promise<void> {
    const fetchImpl = this.options.fetchImpl ?? fetch;
    const response = await fetchImpl(this.url, {
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
    });
    if (!response.ok) throw new Error(`JWKS ${this.url} answered ${response.status}.`);
    const body = (await response.json()) as { keys?: Record<string, unknown>[] };
    if (!Array.isArray(body.keys)) throw new Error(`JWKS ${this.url} has no keys array.`);
    const keys = new Map<string, { key: KeyObject; kty: string }>();
    body.keys.forEach((jwk, index) => {
      if (jwk.use !== undefined && jwk.use !== "sig") return;
      if (jwk.kty !== "RSA" && jwk.kty !== "EC") return;
      const kid = typeof jwk.kid === "string" ? jwk.kid : `#${index}`;
      keys.set(kid, { key: keyFromJwk(jwk), kty: jwk.kty });
    });
    this.keys = keys;
    this.fetchedAt = this.now();
  }
}

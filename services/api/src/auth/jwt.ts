import {
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as verifySignature,
  type KeyObject,
} from "node:crypto";
import { hasLoneSurrogate } from "../text";

/**
 * JWT verification with node:crypto (HS256 with a shared secret; RS256/ES256 with keys from a JWKS URL).
 * Written here rather than with jose because jose 6 ships only ES modules, which the CommonJS test
 * runner cannot load; the checks follow RFC 7519 / RFC 8725 (explicit algorithm allow-list, no "none").
 */
export interface Principal {
  readonly userId: string;
  readonly roles: readonly string[];
}

export type JwtFailure =
  | "malformed"
  | "unsupported-algorithm"
  | "unknown-key"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "missing-exp"
  | "wrong-issuer"
  | "wrong-audience"
  | "missing-subject"
  | "invalid-subject";

export class JwtError extends Error {
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
    this.name = "JwtError";
  }
}

/** Finds the public key for an asymmetric token (by kid); see Jwks. */
export interface KeyResolver {
  resolve(kid: string | undefined, alg: string): Promise<KeyObject>;
}

export interface VerifierOptions {
  readonly secret?: string;
  readonly keys?: KeyResolver;
  readonly issuer?: string;
  readonly audience?: string;
  /** Claim holding roles: an array of strings or a space-separated string. @default "roles" */
  readonly rolesClaim?: string;
  /** Allowed clock skew for exp / nbf. @default 30 seconds */
  readonly clockToleranceSeconds?: number;
  readonly now?: () => number;
}

// C0 and C1 control characters and DEL.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const ASYMMETRIC: Record<string, { hash: string; dsaEncoding?: "ieee-p1363" }> = {
  RS256: { hash: "sha256" },
  ES256: { hash: "sha256", dsaEncoding: "ieee-p1363" },
};

/** What the guards need: a token in, the caller out (or a JwtError). */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** A verified token: the caller, and the instant (ms) from which its exp makes it invalid. */
export interface Verified {
  readonly principal: Principal;
  readonly validUntilMs: number;
}

export class JwtVerifier implements TokenVerifier {
  private readonly secret?: Buffer;
  private readonly tolerance: number;
  private readonly now: () => number;
  private readonly rolesClaim: string;

  constructor(private readonly options: VerifierOptions) {
    if (!options.secret && !options.keys) throw new Error("JwtVerifier needs a secret or a key resolver.");
    this.secret = options.secret ? Buffer.from(options.secret) : undefined;
    this.tolerance = options.clockToleranceSeconds ?? 30;
    this.now = options.now ?? Date.now;
    this.rolesClaim = options.rolesClaim ?? "roles";
  }

  async verify(token: string): Promise<Principal> {
    return (await this.verifyWithExpiry(token)).principal;
  }

  async verifyWithExpiry(token: string): Promise<Verified> {
    const parts = token.split(".");
    if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
      throw new JwtError(
        "malformed",
        "The token is not a JWS compact serialization (header.payload.signature).",
      );
    }
    const header = decodeJson(parts[0], "header");
    const payload = decodeJson(parts[1], "payload");
    const alg = header.alg;
    const signingInput = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], "base64url");

    if (alg === "HS256" && this.secret) {
      const expected = createHmac("sha256", this.secret).update(signingInput).digest();
      if (expected.length !== signature.length || !timingSafeEqual(expected, signature)) {
        throw new JwtError("bad-signature", "The token's signature does not verify.");
      }
    } else if (typeof alg === "string" && ASYMMETRIC[alg] && this.options.keys) {
      const key = await this.options.keys.resolve(
        typeof header.kid === "string" ? header.kid : undefined,
        alg,
      );
      const { hash, dsaEncoding } = ASYMMETRIC[alg];
      const ok = verifySignature(hash, signingInput, dsaEncoding ? { key, dsaEncoding } : key, signature);
      if (!ok) throw new JwtError("bad-signature", "The token's signature does not verify.");
    } else {
      throw new JwtError("unsupported-algorithm", `Algorithm ${String(alg)} is not accepted here.`);
    }

    this.checkClaims(payload);
    const sub = payload.sub;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > 200) {
      throw new JwtError("missing-subject", "The token has no usable sub claim.");
    }
    // The subject is stored as the user id (text): a control character (NUL above all) or broken
    // Unicode is refused here, as the token's problem, instead of failing the query.
    if (CONTROL_CHARACTER.test(sub) || hasLoneSurrogate(sub)) {
      throw new JwtError(
        "invalid-subject",
        "The token's sub claim holds control characters or invalid Unicode.",
      );
    }
    return {
      principal: { userId: sub, roles: readRoles(payload[this.rolesClaim]) },
      // checkClaims guarantees a numeric exp; the token stops verifying once exp + tolerance has passed.
      validUntilMs: ((payload.exp as number) + this.tolerance) * 1000,
    };
  }

  private checkClaims(payload: Record<string, unknown>): void {
    const nowSeconds = this.now() / 1000;
    if (typeof payload.exp !== "number") throw new JwtError("missing-exp", "The token has no exp claim.");
    if (payload.exp + this.tolerance <= nowSeconds) throw new JwtError("expired", "The token has expired.");
    if (typeof payload.nbf === "number" && payload.nbf - this.tolerance > nowSeconds) {
      throw new JwtError("not-yet-valid", "The token is not valid yet (nbf).");
    }
    if (this.options.issuer !== undefined && payload.iss !== this.options.issuer) {
      throw new JwtError("wrong-issuer", "The token's issuer is not accepted.");
    }
    if (this.options.audience !== undefined) {
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.includes(this.options.audience)) {
        throw new JwtError("wrong-audience", "The token's audience is not accepted.");
      }
    }
  }
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new JwtError("malformed", `The token's ${what} is not base64url-encoded JSON.`);
  }
}

function readRoles(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((r): r is string => typeof r === "string");
  if (typeof claim === "string") return claim.split(" ").filter(Boolean);
  return [];
}

/** Signs an HS256 token: local development (`npm run token`), tests and the benchmark. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/** Builds a public key from one JWK (RSA or EC P-256). */
export function keyFromJwk(jwk: Record<string, unknown>): KeyObject {
  return createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
}

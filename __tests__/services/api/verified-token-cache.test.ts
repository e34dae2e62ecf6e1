import { JwtError, JwtVerifier, signHs256 } from "../../../services/api/src/auth/jwt";
import { VerifiedTokenCache } from "../../../services/api/src/auth/verified-token-cache";

const SECRET = "c".repeat(32);
const NOW = 1_800_000_000_000;

describe("VerifiedTokenCache", () => {
  let now = NOW;
  const clock = () => now;
  const jwt = new JwtVerifier({ secret: SECRET, now: clock });
  let checks = 0;
  const counting = {
    verifyWithExpiry: (token: string) => {
      checks += 1;
      return jwt.verifyWithExpiry(token);
    },
  };
  const token = (sub: string, expInSeconds: number) =>
    signHs256({ sub, roles: ["r"], exp: NOW / 1000 + expInSeconds }, SECRET);

  beforeEach(() => {
    now = NOW;
    checks = 0;
  });

  test("checks a token's signature once, then answers from memory", async () => {
    const cache = new VerifiedTokenCache(counting, { now: clock });
    const t = token("alice", 600);
    expect(await cache.verify(t)).toEqual({ userId: "alice", roles: ["r"] });
    expect(await cache.verify(t)).toEqual({ userId: "alice", roles: ["r"] });
    expect(checks).toBe(1);
  });

  test("never past the token's exp (plus the verifier's clock tolerance)", async () => {
    const cache = new VerifiedTokenCache(counting, { now: clock, maxAgeMs: 3_600_000 });
    const t = token("bob", 10);
    await cache.verify(t);
    now += 10_000 + 30_000; // exp + 30 s tolerance
    await expect(cache.verify(t)).rejects.toMatchObject({ reason: "expired" });
    expect(checks).toBe(2);
  });

  test("reuses a verification for at most maxAgeMs, whatever the exp", async () => {
    const cache = new VerifiedTokenCache(counting, { now: clock, maxAgeMs: 1000 });
    const t = token("carol", 600);
    await cache.verify(t);
    now += 1000;
    await cache.verify(t);
    expect(checks).toBe(2);
  });

  test("failures are not remembered, and a tampered token is a different key", async () => {
    const cache = new VerifiedTokenCache(counting, { now: clock });
    const t = token("dave", 600);
    await cache.verify(t);
    const tampered = `${t.slice(0, -4)}AAAA`;
    await expect(cache.verify(tampered)).rejects.toBeInstanceOf(JwtError);
    await expect(cache.verify(tampered)).rejects.toBeInstanceOf(JwtError);
    expect(checks).toBe(3);
    expect(cache.size).toBe(1);
  });

  test("holds at most maxEntries tokens, forgetting the oldest", async () => {
    const cache = new VerifiedTokenCache(counting, { now: clock, maxEntries: 2 });
    const [t1, t2, t3] = ["u1", "u2", "u3"].map((sub) => token(sub, 600));
    for (const t of [t1, t2, t3]) await cache.verify(t);
    expect(cache.size).toBe(2);
    await cache.verify(t1);
    expect(checks).toBe(4);
  });
});

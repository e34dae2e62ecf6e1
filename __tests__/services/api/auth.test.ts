import { createSign, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Jwks } from "../../../services/api/src/auth/jwks";
import { JwtError, JwtVerifier, signHs256 } from "../../../services/api/src/auth/jwt";

const SECRET = "k".repeat(32);
const NOW = 1_800_000_000_000;
const exp = NOW / 1000 + 60;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JwtError) return error.reason;
    throw error;
  }
  return "accepted";
}

describe("JwtVerifier with HS256", () => {
  const verifier = new JwtVerifier({ secret: SECRET, issuer: "iss", audience: "aud", now: () => NOW });
  const claims = { sub: "alice", roles: ["admin"], iss: "iss", aud: "aud", exp };

  test("accepts a valid token and reads roles (array or space-separated)", async () => {
    expect(await verifier.verify(signHs256(claims, SECRET))).toEqual({ userId: "alice", roles: ["admin"] });
    expect((await verifier.verify(signHs256({ ...claims, roles: "a b" }, SECRET))).roles).toEqual(["a", "b"]);
    expect((await verifier.verify(signHs256({ ...claims, aud: ["x", "aud"] }, SECRET))).userId).toBe("alice");
  });

  test.each([
    ["malformed", "abc"],
    ["malformed", "a.b.c"],
    ["bad-signature", signHs256(claims, "z".repeat(32))],
    ["expired", signHs256({ ...claims, exp: NOW / 1000 - 31 }, SECRET)],
    ["missing-exp", signHs256({ ...claims, exp: undefined }, SECRET)],
    ["not-yet-valid", signHs256({ ...claims, nbf: NOW / 1000 + 60 }, SECRET)],
    ["wrong-issuer", signHs256({ ...claims, iss: "evil" }, SECRET)],
    ["wrong-audience", signHs256({ ...claims, aud: "other" }, SECRET)],
    ["missing-subject", signHs256({ ...claims, sub: "" }, SECRET)],
    ["unsupported-algorithm", `${b64({ alg: "none" })}.${b64(claims)}.x`],
    ["unsupported-algorithm", `${b64({ alg: "RS256" })}.${b64(claims)}.x`],
  ])("rejects %s", async (expected, token) => {
    expect(await reason(verifier.verify(token))).toBe(expected);
  });

  test("tolerates 30 s of clock skew on exp", async () => {
    expect(await reason(verifier.verify(signHs256({ ...claims, exp: NOW / 1000 - 10 }, SECRET)))).toBe(
      "accepted",
    );
  });
});

describe("JwtVerifier with a JWKS URL", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  let server: http.Server;
  let url: string;
  let fetches = 0;
  let keys: unknown[] = [];

  beforeAll(async () => {
    keys = [
      { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", use: "sig" },
      { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1" },
    ];
    server = http.createServer((_req, res) => {
      fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const claims = { sub: "bob", exp: Date.now() / 1000 + 60 };
  const rs256 = (kid: string, key = rsa.privateKey) => {
    const input = `${b64({ alg: "RS256", kid })}.${b64(claims)}`;
    return `${input}.${createSign("sha256").update(input).sign(key).toString("base64url")}`;
  };
  const es256 = (kid: string) => {
    const input = `${b64({ alg: "ES256", kid })}.${b64(claims)}`;
    return `${input}.${cryptoSign("sha256", Buffer.from(input), { key: ec.privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
  };

  test("verifies RS256 and ES256 by kid, fetching the key set once", async () => {
    const verifier = new JwtVerifier({ keys: new Jwks(url) });
    fetches = 0;
    expect((await verifier.verify(rs256("rsa-1"))).userId).toBe("bob");
    expect((await verifier.verify(es256("ec-1"))).userId).toBe("bob");
    expect(fetches).toBe(1);
  });

  test("a forged signature, an unknown kid and HS256 without a secret are rejected", async () => {
    const verifier = new JwtVerifier({ keys: new Jwks(url, { minRefetchMs: 0 }) });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(await reason(verifier.verify(rs256("rsa-1", other.privateKey)))).toBe("bad-signature");
    expect(await reason(verifier.verify(rs256("nope")))).toBe("unknown-key");
    expect(await reason(verifier.verify(signHs256(claims, SECRET)))).toBe("unsupported-algorithm");
  });

  test("a rotated key is found by refetching on an unknown kid", async () => {
    let now = 0;
    const jwks = new Jwks(url, { now: () => now, minRefetchMs: 1000 });
    const verifier = new JwtVerifier({ keys: jwks });
    await verifier.verify(rs256("rsa-1"));
    const rotated = generateKeyPairSync("rsa", { modulusLength: 2048 });
    keys = [...keys, { ...rotated.publicKey.export({ format: "jwk" }), kid: "rsa-2" }];
    fetches = 0;
    now = 500; // too soon: no refetch for an unknown kid
    expect(await reason(verifier.verify(rs256("rsa-2", rotated.privateKey)))).toBe("unknown-key");
    now = 2000;
    expect(await reason(verifier.verify(rs256("rsa-2", rotated.privateKey)))).toBe("accepted");
    expect(fetches).toBe(1);
  });

  test("an unreachable JWKS is a plain error (the guard answers 503), not an auth failure", async () => {
    const verifier = new JwtVerifier({ keys: new Jwks("http://127.0.0.1:1/jwks", { timeoutMs: 500 }) });
    await expect(verifier.verify(rs256("rsa-1"))).rejects.not.toBeInstanceOf(JwtError);
  });
});

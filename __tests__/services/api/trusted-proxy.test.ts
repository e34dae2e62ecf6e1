import {
  DEFAULT_TRUSTED_PROXY_RANGES,
  parseTrustedRanges,
  trustedProxy,
} from "../../../services/api/src/http/trusted-proxy";
import { loadConfig } from "../../../services/api/src/config";

describe("TRUST_PROXY_FROM", () => {
  test("unset: the private ranges a load balancer in a VPC connects from, never loopback or public", () => {
    const problems: string[] = [];
    expect(parseTrustedRanges(undefined, problems)).toEqual(DEFAULT_TRUSTED_PROXY_RANGES);
    const trust = trustedProxy(DEFAULT_TRUSTED_PROXY_RANGES, 1);
    expect(
      ["10.20.3.4", "172.31.0.9", "192.168.1.1", "fd00::1", "::ffff:10.1.2.3"].map((a) => trust(a, 0)),
    ).toEqual([true, true, true, true, true]);
    expect(
      ["127.0.0.1", "::1", "::ffff:127.0.0.1", "203.0.113.7", "172.32.0.1"].map((a) => trust(a, 0)),
    ).toEqual([false, false, false, false, false]);
    expect(problems).toEqual([]);
  });

  test("only the last TRUST_PROXY_HOPS entries are used, and only when the peer is trusted", () => {
    const two = trustedProxy(["10.0.0.0/8"], 2);
    expect(two("10.0.0.1", 0)).toBe(true); // the ALB
    expect(two("198.51.100.1", 1)).toBe(true); // the CDN it reports (any address)
    expect(two("203.0.113.9", 2)).toBe(false); // what the client wrote: never trusted
    expect(trustedProxy(["10.0.0.0/8"], 0)("10.0.0.1", 0)).toBe(false);
  });

  test("lists addresses and CIDRs of both families; none trusts nobody; a bad entry is named", () => {
    const problems: string[] = [];
    const ranges = parseTrustedRanges(" 127.0.0.1 , ::1,100.64.0.0/10", problems);
    const trust = trustedProxy(ranges, 1);
    expect([trust("127.0.0.1", 0), trust("::1", 0), trust("100.100.1.1", 0), trust("10.0.0.1", 0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(trustedProxy(parseTrustedRanges("none", problems), 1)("10.0.0.1", 0)).toBe(false);
    expect(problems).toEqual([]);
    parseTrustedRanges("10.0.0.0/33,alb.internal,10.0.0.0/8/1", problems);
    expect(problems).toHaveLength(3);
    expect(problems[1]).toContain('"alb.internal"');
    expect(() => loadConfig({ TRUST_PROXY_FROM: "10.0.0.0/x" })).toThrow(
      /TRUST_PROXY_FROM entry "10.0.0.0\/x"/,
    );
  });
});

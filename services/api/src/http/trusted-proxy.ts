import { BlockList, isIP } from "node:net";

/**
 * Where a load balancer in a VPC connects from: the private address ranges (RFC 1918, IPv6 ULA). Loopback
 * and public addresses are not in it, so a client that reaches the service directly (a port-forward, a
 * local run, a misrouted listener) cannot choose its address with X-Forwarded-For.
 */
export const DEFAULT_TRUSTED_PROXY_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

/** One CIDR (`10.0.0.0/8`, `::1/128`) or one address; undefined when it is neither. */
function parseRange(text: string): { address: string; prefix: number; family: "ipv4" | "ipv6" } | undefined {
  const [address, prefixText, extra] = text.split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * TRUST_PROXY_FROM's value: comma-separated CIDRs or addresses; `none` trusts no peer (X-Forwarded-For is
 * never read). Each bad entry is added to problems, naming it.
 */
export function parseTrustedRanges(raw: string | undefined, problems: string[]): readonly string[] {
  if (raw === undefined) return DEFAULT_TRUSTED_PROXY_RANGES;
  if (raw === "none") return [];
  const ranges = raw.split(",").map((entry) => entry.trim());
  for (const entry of ranges) {
    if (parseRange(entry) === undefined) {
      problems.push(
        `TRUST_PROXY_FROM entry "${entry}" is not a CIDR or an IP address; use e.g. 10.0.0.0/8,fc00::/7, or none.`,
      );
    }
  }
  return ranges;
}

/**
 * Fastify's trustProxy function: X-Forwarded-For is read only when the connection comes from one of
 * `ranges` (the load balancer), and then only its last `hops` entries' worth (hop 0 is the connecting
 * peer, hop 1 the address that peer reports, …). Whatever a client writes further left is never used, and
 * a client connecting from outside the ranges is known by its socket address whatever header it sends.
 */
export function trustedProxy(
  ranges: readonly string[],
  hops: number,
): (address: string, hop: number) => boolean {
  const list = new BlockList();
  for (const entry of ranges) {
    const range = parseRange(entry);
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return (address, hop) => {
    if (hop >= hops) return false;
    if (hop > 0) return true;
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
    const v4 = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : undefined;
    if (v4 !== undefined) return list.check(v4, "ipv4");
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
}

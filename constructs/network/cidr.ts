/** IPv4 CIDR arithmetic for subnet planning and overlap checks. Pure functions, no tokens. */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; throws if malformed or if host bits are set (e.g. `10.0.1.0/16`). */
export function parseCidr(cidr: string): Ipv4Cidr {
  const match = CIDR_PATTERN.exec(cidr);
  if (!match) throw new Error(`"${cidr}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`"${cidr}" is not a valid IPv4 CIDR block`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % blockSize(prefix) !== 0) {
    throw new Error(
      `"${cidr}" has host bits set; the network address is ${formatCidr({ base: alignDown(base, prefix), prefix })}`,
    );
  }
  return { base, prefix };
}

export function formatCidr({ base, prefix }: Ipv4Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}

/**
 * Terraform's `cidrsubnet(prefix, newbits, netnum)`, computed at synth so subnet CIDRs are literal
 * in the JSON and reviewable in a plan.
 */
export function cidrSubnet(parent: Ipv4Cidr, newBits: number, netNum: number): Ipv4Cidr {
  const prefix = parent.prefix + newBits;
  if (prefix > 28) throw new Error(`cidrSubnet: /${prefix} is smaller than the /28 AWS allows for a subnet`);
  if (netNum < 0 || netNum >= 2 ** newBits) {
    throw new Error(`cidrSubnet: network number ${netNum} does not fit in ${newBits} new bits`);
  }
  return { base: parent.base + netNum * blockSize(prefix), prefix };
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

function alignDown(base: number, prefix: number): number {
  return base - (base % blockSize(prefix));
}

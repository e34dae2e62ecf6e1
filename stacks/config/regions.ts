/**
 * The AWS regions skyline knows, with the short code used in every resource name
 * (`<app>-<env>-<region-code>-<role>`) and the availability-zone letters the region offers.
 * AZ letters, not counts, because a few regions skip letters (ap-northeast-1 has no "b").
 * A region missing here is one line away.
 */
export interface RegionInfo {
  /** Short code used in resource names, e.g. `use1`. Unique across regions. */
  readonly code: string;
  /** Availability-zone letters in the order subnets are allocated. */
  readonly azLetters: readonly string[];
}

export const REGIONS: Readonly<Record<string, RegionInfo>> = {
  "us-east-1": { code: "use1", azLetters: ["a", "b", "c", "d", "e", "f"] },
  "us-east-2": { code: "use2", azLetters: ["a", "b", "c"] },
  "us-west-2": { code: "usw2", azLetters: ["a", "b", "c", "d"] },
  "ca-central-1": { code: "cac1", azLetters: ["a", "b", "d"] },
  "eu-west-1": { code: "euw1", azLetters: ["a", "b", "c"] },
  "eu-west-2": { code: "euw2", azLetters: ["a", "b", "c"] },
  "eu-central-1": { code: "euc1", azLetters: ["a", "b", "c"] },
  "eu-north-1": { code: "eun1", azLetters: ["a", "b", "c"] },
  "ap-south-1": { code: "aps1", azLetters: ["a", "b", "c"] },
  "ap-southeast-1": { code: "apse1", azLetters: ["a", "b", "c"] },
  "ap-southeast-2": { code: "apse2", azLetters: ["a", "b", "c"] },
  "ap-northeast-1": { code: "apne1", azLetters: ["a", "c", "d"] },
  "sa-east-1": { code: "sae1", azLetters: ["a", "b", "c"] },
};

export function isKnownRegion(region: string): boolean {
  return Object.prototype.hasOwnProperty.call(REGIONS, region);
}

export function regionInfo(region: string): RegionInfo {
  const info = REGIONS[region];
  if (!info) {
    throw new Error(`Unknown AWS region "${region}". Known regions: ${Object.keys(REGIONS).join(", ")}.`);
  }
  return info;
}

/** The first `count` availability zones of a region, e.g. `["eu-west-1a", "eu-west-1b"]`. */
export function availabilityZones(region: string, count: number): string[] {
  return regionInfo(region)
    .azLetters.slice(0, count)
    .map((letter) => `${region}${letter}`);
}

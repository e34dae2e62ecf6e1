/**
 * Names of the API origin's failover chain (see DnsFailover), without provider imports so that the
 * regional stack can name its certificate's domains from them.
 */

/** `origin.<domain>`: the name CloudFront and clients use; level 0 of the chain. */
export function apiOriginName(domainName: string): string {
  return `origin.${domainName}`;
}

/**
 * Level `k` of the chain: `origin.<domain>` for 0, `failover-<k>.origin.<domain>` after it (it
 * answers with region k while healthy, else with the next level).
 */
export function failoverLevelName(domainName: string, level: number): string {
  return level === 0 ? apiOriginName(domainName) : `failover-${level}.${apiOriginName(domainName)}`;
}

/**
 * Where CloudFront retries a failed GET/HEAD: the chain from the first DR region on (so a region
 * `failover dns` forced out is skipped there too), or that region's own name when there are only
 * two regions; none with one region.
 */
export function secondaryOriginName(domainName: string, regionCodes: readonly string[]): string | undefined {
  if (regionCodes.length < 2) return undefined;
  if (regionCodes.length === 2) return `${regionCodes[1]}.${apiOriginName(domainName)}`;
  return failoverLevelName(domainName, 1);
}

/**
 * The names the ALB certificate of region `index` (in failover order) must cover: every name that
 * can resolve to it and that CloudFront or a health check connects to. `origin.<domain>` and the
 * region's own `<code>.origin.<domain>`; a DR region also the chain level CloudFront retries on.
 */
export function originCertificateNames(
  domainName: string,
  regionCodes: readonly string[],
  index: number,
): { domainName: string; alternativeNames: string[] } {
  const origin = apiOriginName(domainName);
  const retry = secondaryOriginName(domainName, regionCodes);
  const chained = regionCodes.length > 2;
  return {
    domainName: origin,
    alternativeNames: [`${regionCodes[index]}.${origin}`, ...(chained && index > 0 && retry ? [retry] : [])],
  };
}

/**
 * The metric a region's traffic switch alarm watches (see TrafficSwitch): `ForcedOut` 1 takes the
 * region out of the failover chain, 0 lets it serve. The CLI reads these from the ops manifest.
 */
export const TRAFFIC_SWITCH_METRIC = {
  namespace: "Skyline/TrafficSwitch",
  metricName: "ForcedOut",
  dimension: "Switch",
} as const;

/** `<prefix>-traffic-switch`: the alarm's name, the same in every region that keeps a copy. */
export function trafficSwitchAlarmName(namePrefix: string): string {
  return `${namePrefix}-traffic-switch`;
}

/**
 * The API record's Route 53 failover chain (constructs/dns-failover) as the CLI reads it: the regions
 * in order from the records themselves, each health check's two switches, its checkers' view, and
 * where Route 53 sends traffic now. Shared by `failover dns` and `status`.
 */
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import type { Context } from "./context";
import { UsageError } from "./errors";

const fqdn = (name: string): string => (name.endsWith(".") ? name : `${name}.`);

export async function hostedZoneId(ctx: Context, zoneName: string): Promise<string> {
  const response = await ctx.call(`hosted zone ${zoneName}`, () =>
    ctx.clients.route53().send(new ListHostedZonesByNameCommand({ DNSName: zoneName, MaxItems: 1 })),
  );
  const zone = response.HostedZones?.find((z) => z.Name === fqdn(zoneName));
  if (!zone?.Id)
    throw new UsageError(
      `hosted zone ${zoneName} was not found: check global.hostedZoneName in the manifest.`,
    );
  return zone.Id.replace("/hostedzone/", "");
}

async function failoverRecords(
  ctx: Context,
  hostedZoneId: string,
  recordName: string,
): Promise<ResourceRecordSet[]> {
  const response = await ctx.call(`record ${recordName}`, () =>
    ctx.clients.route53().send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        StartRecordName: recordName,
        MaxItems: 20,
      }),
    ),
  );
  return (response.ResourceRecordSets ?? []).filter((r) => r.Name === fqdn(recordName) && r.Failover);
}

/** Share of Route 53 checkers reporting success (0..1): the endpoint's real health, never inverted. */
export async function passingShare(ctx: Context, healthCheckId: string): Promise<number> {
  const response = await ctx.call(`health check ${healthCheckId}`, () =>
    ctx.clients.route53().send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId })),
  );
  const observations = response.HealthCheckObservations ?? [];
  if (observations.length === 0) return 0;
  return (
    observations.filter((o) => o.StatusReport?.Status?.startsWith("Success")).length / observations.length
  );
}

/** Route 53 considers an endpoint healthy when more than 18 % of its checkers report it healthy. */
export const ROUTE53_HEALTHY_SHARE = 0.18;

/** The two switches of a health check: both on means Route 53 considers it always unhealthy. */
export interface CheckSwitches {
  readonly disabled: boolean;
  readonly inverted: boolean;
}

export const FORCED_OUT: CheckSwitches = { disabled: true, inverted: true };
export const REAL_HEALTH: CheckSwitches = { disabled: false, inverted: false };

export async function checkSwitches(ctx: Context, healthCheckId: string): Promise<CheckSwitches> {
  const response = await ctx.call(`health check ${healthCheckId}`, () =>
    ctx.clients.route53().send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })),
  );
  const config = response.HealthCheck?.HealthCheckConfig;
  return { disabled: config?.Disabled === true, inverted: config?.Inverted === true };
}

export const same = (a: CheckSwitches, b: CheckSwitches) =>
  a.disabled === b.disabled && a.inverted === b.inverted;

export function describeSwitches(s: CheckSwitches): string {
  if (same(s, FORCED_OUT)) return "forced out";
  if (same(s, REAL_HEALTH)) return "real health";
  return s.disabled ? "disabled (always healthy)" : "inverted";
}

/** One region of the failover chain, in the order Route 53 falls through them. */
export interface ChainLink {
  readonly region: string;
  readonly healthCheckId: string;
}

/** Levels of aliases followed at most: far more regions than any config has. */
const MAX_LEVELS = 16;

/** The regions `recordName` fails over through, in order, read from the records themselves. */
export async function failoverChain(
  ctx: Context,
  hostedZoneId: string,
  recordName: string,
): Promise<ChainLink[]> {
  const chain: ChainLink[] = [];
  let name = recordName;
  for (let level = 0; level < MAX_LEVELS; level++) {
    const records = await failoverRecords(ctx, hostedZoneId, name);
    const primary = records.find((r) => r.Failover === "PRIMARY");
    const secondary = records.find((r) => r.Failover === "SECONDARY");
    if (!primary?.HealthCheckId || !primary.SetIdentifier || !secondary?.SetIdentifier) {
      throw new UsageError(
        `${name} has no PRIMARY record with a health check and a SECONDARY record; check the global stack is applied.`,
      );
    }
    chain.push({ region: primary.SetIdentifier, healthCheckId: primary.HealthCheckId });
    if (secondary.HealthCheckId) {
      chain.push({ region: secondary.SetIdentifier, healthCheckId: secondary.HealthCheckId });
      return chain;
    }
    const next = secondary.AliasTarget?.DNSName?.replace(/\.$/, "");
    if (!next) {
      throw new UsageError(
        `The SECONDARY record of ${name} has neither a health check nor an alias to the next failover level; check the global stack is applied.`,
      );
    }
    name = next;
  }
  throw new UsageError(
    `${recordName}: more than ${MAX_LEVELS} failover levels; check the global stack is applied.`,
  );
}

/** One region of the chain as Route 53 judges it now. */
export interface TrafficLink extends ChainLink {
  readonly switches: CheckSwitches;
  /** Share of checkers reporting success; null while the check is disabled (no checkers). */
  readonly passing: number | null;
  /** Whether Route 53 considers the region healthy, switches applied. */
  readonly healthy: boolean;
}

/**
 * Where `recordName` sends traffic: the first region of the chain that Route 53 considers healthy
 * (a disabled check counts as healthy, an inverted one the other way round); when none is, Route 53
 * answers with the primary.
 */
export async function dnsTraffic(
  ctx: Context,
  zoneName: string,
  recordName: string,
): Promise<{ record: string; serving: string; allUnhealthy: boolean; regions: TrafficLink[] }> {
  const chain = await failoverChain(ctx, await hostedZoneId(ctx, zoneName), recordName);
  const regions = await Promise.all(
    chain.map(async (link): Promise<TrafficLink> => {
      const switches = await checkSwitches(ctx, link.healthCheckId);
      const passing = switches.disabled ? null : await passingShare(ctx, link.healthCheckId);
      const real = passing === null ? true : passing > ROUTE53_HEALTHY_SHARE;
      return { ...link, switches, passing, healthy: switches.inverted ? !real : real };
    }),
  );
  const serving = regions.find((r) => r.healthy);
  return {
    record: recordName,
    serving: (serving ?? regions[0]).region,
    allUnhealthy: serving === undefined,
    regions,
  };
}

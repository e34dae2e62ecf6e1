/**
 * `skyline failover dns --to <region>`: shift the API's Route 53 failover routing to <region>.
 *
 * The API record has failover routing over every region in order: a PRIMARY and a SECONDARY record
 * (set identifier = region name) per level; with more than two regions a level's SECONDARY is an
 * alias to the next level (constructs/dns-failover). The command walks that chain, then forces the
 * regions ahead of <region> out: their health checks are disabled AND inverted, which Route 53
 * treats as always unhealthy whatever the region's real health (inverting alone would turn a region
 * that is really down into a "healthy" one and send traffic back to it). <region> and the regions
 * after it are judged by their real health again (both switches off). No record is rewritten: the
 * change is a few flags, reversible, and leaves Terraform's records untouched.
 */
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  UpdateHealthCheckCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import type { Context } from "../core/context";
import { UsageError } from "../core/errors";
import { alarmsInAlarm, kubernetesHealthDetail, serviceHealth, targetHealth } from "../core/health";
import { executePlan } from "../core/plan";
import { waitForChangeThenSettle } from "../core/waiter";

export interface FailoverDnsOptions {
  readonly to: string;
}

const fqdn = (name: string): string => (name.endsWith(".") ? name : `${name}.`);

async function zoneId(ctx: Context, zoneName: string): Promise<string> {
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
async function passingShare(ctx: Context, healthCheckId: string): Promise<number> {
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
const ROUTE53_HEALTHY_SHARE = 0.18;

/** The two switches of a health check: both on means Route 53 considers it always unhealthy. */
interface CheckSwitches {
  readonly disabled: boolean;
  readonly inverted: boolean;
}

const FORCED_OUT: CheckSwitches = { disabled: true, inverted: true };
const REAL_HEALTH: CheckSwitches = { disabled: false, inverted: false };

async function checkSwitches(ctx: Context, healthCheckId: string): Promise<CheckSwitches> {
  const response = await ctx.call(`health check ${healthCheckId}`, () =>
    ctx.clients.route53().send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })),
  );
  const config = response.HealthCheck?.HealthCheckConfig;
  return { disabled: config?.Disabled === true, inverted: config?.Inverted === true };
}

const same = (a: CheckSwitches, b: CheckSwitches) => a.disabled === b.disabled && a.inverted === b.inverted;

function describeSwitches(s: CheckSwitches): string {
  if (same(s, FORCED_OUT)) return "forced out";
  if (same(s, REAL_HEALTH)) return "real health";
  return s.disabled ? "disabled (always healthy)" : "inverted";
}

/** One region of the failover chain, in the order Route 53 falls through them. */
interface ChainLink {
  readonly region: string;
  readonly healthCheckId: string;
}

/** Levels of aliases followed at most: far more regions than any config has. */
const MAX_LEVELS = 16;

/** The regions `recordName` fails over through, in order, read from the records themselves. */
async function failoverChain(ctx: Context, hostedZoneId: string, recordName: string): Promise<ChainLink[]> {
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

export async function run(ctx: Context, options: FailoverDnsOptions): Promise<void> {
  const manifest = ctx.manifest();
  const global = manifest.global;
  if (!global)
    throw new UsageError(`The ${manifest.environment} manifest has no global section (no DNS failover).`);
  const entry = ctx.regionManifest(options.to, "--to");
  const chain = await failoverChain(ctx, await zoneId(ctx, global.hostedZoneName), global.apiRecordName);
  const target = chain.findIndex((link) => link.region === options.to);
  if (target === -1) {
    throw new UsageError(
      `--to ${options.to}: ${global.apiRecordName} fails over through ${chain.map((l) => l.region).join(", ")}, in that order; pick one of those.`,
    );
  }
  const primary = chain[0];
  // The regions ahead of the target are forced out; the target and those after it are judged by
  // their real health.
  const links = await Promise.all(
    chain.map(async (link, i) => {
      const now = await checkSwitches(ctx, link.healthCheckId);
      const want = i < target ? FORCED_OUT : REAL_HEALTH;
      return { ...link, now, want, forceOut: i < target };
    }),
  );
  // Forcing out from the target back to the primary, then restoring from the target on: traffic
  // moves once, straight from where it is to the target, never through a region in between.
  const changes = [
    ...links.filter((l) => l.forceOut && !same(l.now, l.want)).reverse(),
    ...links.filter((l) => !l.forceOut && !same(l.now, l.want)),
  ];
  const awayFromPrimary = target > 0;
  const targetLink = links[target];
  // A disabled check has no checkers: the target is then judged by its alarms, service and targets.
  const targetCheckShare = targetLink.now.disabled
    ? undefined
    : await passingShare(ctx, targetLink.healthCheckId);
  const firing = await alarmsInAlarm(ctx, options.to, entry);
  // On EKS the pods' health is the ALB's view of them (the healthy targets below).
  const service = entry.service ? await serviceHealth(ctx, options.to, entry) : undefined;
  const healthyTargets = (await targetHealth(ctx, options.to, entry)).reduce((n, t) => n + t.healthy, 0);
  const ahead = links.filter((l) => l.forceOut).map((l) => l.region);
  const switches = (s: CheckSwitches) => `Disabled=${s.disabled} Inverted=${s.inverted}`;

  const plan = {
    command: "failover dns",
    action: `Send ${global.apiRecordName} traffic to ${options.to} (${target === 0 ? "PRIMARY" : `failover region ${target} of ${chain.length - 1}`})`,
    region: options.to,
    target: global.apiRecordName,
    impact: [
      awayFromPrimary
        ? `Route 53 treats ${ahead.join(", ")} as unhealthy whatever their real health (checks disabled and inverted) and answers with ${options.to}.`
        : `Route 53 judges ${primary.region} by its real health again and answers with it while it is healthy.`,
      "Clients move as DNS TTLs expire (typically 60 s); existing connections stay where they are.",
    ],
    checks: [
      {
        name: "not already routed there",
        ok: changes.length > 0,
        detail: links.map((l) => `${l.region} ${describeSwitches(l.now)}`).join(", "),
      },
      {
        name: `${options.to} health check passing`,
        ok: targetCheckShare === undefined || targetCheckShare > 0.5 || !awayFromPrimary,
        detail:
          targetCheckShare === undefined
            ? "its check is disabled now (no checkers): judged by its alarms, service and targets below"
            : `${Math.round(targetCheckShare * 100)}% of Route 53 checkers report success`,
      },
      {
        name: `no alarm in ALARM in ${options.to}`,
        ok: firing.length === 0,
        detail: firing.join(", ") || "none",
      },
      {
        name: `service healthy in ${options.to}`,
        ok: (service?.healthy ?? true) && healthyTargets > 0,
        detail: service
          ? `${service.running}/${service.desired} running, ${healthyTargets} healthy targets`
          : kubernetesHealthDetail(entry.kubernetes!, healthyTargets),
      },
    ],
    steps: [
      ...changes.map((l) => `UpdateHealthCheck ${l.healthCheckId} (${l.region}) ${switches(l.want)}`),
      // A forced-out check takes effect as soon as it is saved; of the restored ones only the
      // target's decides where traffic goes (a region after it may well be down).
      ...(changes.includes(targetLink)
        ? [`wait until Route 53 checkers report ${targetLink.region} healthy`]
        : []),
    ],
  };
  await executePlan(ctx, plan, async () => {
    for (const link of changes) {
      await ctx.call(`health check ${link.healthCheckId}`, () =>
        ctx.clients.route53().send(
          new UpdateHealthCheckCommand({
            HealthCheckId: link.healthCheckId,
            Disabled: link.want.disabled,
            Inverted: link.want.inverted,
          }),
        ),
      );
    }
    if (changes.includes(targetLink)) {
      await waitForChangeThenSettle(
        {
          resource: `health check ${targetLink.healthCheckId} (${targetLink.region})`,
          read: async () => ({
            switches: await checkSwitches(ctx, targetLink.healthCheckId),
            share: await passingShare(ctx, targetLink.healthCheckId),
          }),
          describe: (s) =>
            `${describeSwitches(s.switches)}, ${Math.round(s.share * 100)}% checkers report success`,
          changed: (s) => same(s.switches, REAL_HEALTH),
          settled: (s) => s.share > ROUTE53_HEALTHY_SHARE,
          settledText: "reported healthy",
          pollMs: 10_000,
          timeoutMs: 10 * 60_000,
        },
        ctx.waitClock(),
      );
    }
    return {
      lines: [
        `${global.apiRecordName} now resolves to ${options.to}.`,
        awayFromPrimary
          ? `Fail back later with: skyline failover dns --to ${primary.region}`
          : "Failover cleared: every region is judged by its real health again.",
      ],
      data: {
        record: global.apiRecordName,
        region: options.to,
        healthChecks: await Promise.all(
          links.map(async (l) => ({
            region: l.region,
            healthCheckId: l.healthCheckId,
            ...(await checkSwitches(ctx, l.healthCheckId)),
          })),
        ),
      },
    };
  });
}

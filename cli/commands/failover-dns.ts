/**
 * `skyline failover dns --to <region>`: shift the API's Route 53 failover routing to <region>.
 *
 * The API record has failover routing over every region in order: a PRIMARY and a SECONDARY record
 * (set identifier = region name) per level; with more than two regions a level's SECONDARY is an
 * alias to the next level (constructs/dns-failover). The command walks that chain, then inverts the
 * health checks of the regions ahead of <region> so Route 53 treats them as unhealthy, and clears
 * the inversion of <region> and those after it. No record is rewritten: the change is a few flags,
 * reversible, and leaves Terraform's records untouched.
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

/** Share of Route 53 checkers reporting success (0..1). */
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

async function isInverted(ctx: Context, healthCheckId: string): Promise<boolean> {
  const response = await ctx.call(`health check ${healthCheckId}`, () =>
    ctx.clients.route53().send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })),
  );
  return response.HealthCheck?.HealthCheckConfig?.Inverted === true;
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
  // Regions ahead of the target are treated as unhealthy; the target and those after it are judged
  // by their real health again.
  const links = await Promise.all(
    chain.map(async (link, i) => ({
      ...link,
      invertedNow: await isInverted(ctx, link.healthCheckId),
      wantInverted: i < target,
    })),
  );
  // Inversions from the target back to the primary, then clearances from the target on: traffic
  // moves once, straight from where it is to the target, never through a region in between.
  const changes = [
    ...links.filter((l) => l.wantInverted && !l.invertedNow).reverse(),
    ...links.filter((l) => !l.wantInverted && l.invertedNow),
  ];
  const awayFromPrimary = target > 0;
  const targetLink = links[target];
  // An inverted check reports the opposite of the region's health: turn it back for the pre-check.
  const reportedShare = await passingShare(ctx, targetLink.healthCheckId);
  const targetCheckShare = targetLink.invertedNow ? 1 - reportedShare : reportedShare;
  const firing = await alarmsInAlarm(ctx, options.to, entry);
  // On EKS the pods' health is the ALB's view of them (the healthy targets below).
  const service = entry.service ? await serviceHealth(ctx, options.to, entry) : undefined;
  const healthyTargets = (await targetHealth(ctx, options.to, entry)).reduce((n, t) => n + t.healthy, 0);
  const ahead = links.filter((l) => l.wantInverted).map((l) => l.region);

  const plan = {
    command: "failover dns",
    action: `Send ${global.apiRecordName} traffic to ${options.to} (${target === 0 ? "PRIMARY" : `failover region ${target} of ${chain.length - 1}`})`,
    region: options.to,
    target: global.apiRecordName,
    impact: [
      awayFromPrimary
        ? `Route 53 treats ${ahead.join(", ")} as unhealthy (inverted health checks) and answers with ${options.to}.`
        : `Route 53 uses the health of ${primary.region} again (inversions cleared).`,
      "Clients move as DNS TTLs expire (typically 60 s); existing connections stay where they are.",
    ],
    checks: [
      {
        name: "not already routed there",
        ok: changes.length > 0,
        detail: links.map((l) => `${l.region} inverted=${l.invertedNow}`).join(", "),
      },
      {
        name: `${options.to} health check passing`,
        ok: targetCheckShare > 0.5 || !awayFromPrimary,
        detail:
          `${Math.round(targetCheckShare * 100)}% of Route 53 checkers report success` +
          (targetLink.invertedNow ? " (its check is inverted now; this is its real health)" : ""),
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
      ...changes.map((l) => `UpdateHealthCheck ${l.healthCheckId} (${l.region}) Inverted=${l.wantInverted}`),
      // Only the checks that decide where traffic goes are waited for: a cleared region after the
      // target may well be down.
      ...changes
        .filter((l) => l.wantInverted || l === targetLink)
        .map(
          (l) =>
            `wait until Route 53 checkers report ${l.region} ${l.wantInverted ? "unhealthy" : "healthy"}`,
        ),
    ],
  };
  await executePlan(ctx, plan, async () => {
    for (const link of changes) {
      await ctx.call(`health check ${link.healthCheckId}`, () =>
        ctx.clients
          .route53()
          .send(
            new UpdateHealthCheckCommand({ HealthCheckId: link.healthCheckId, Inverted: link.wantInverted }),
          ),
      );
    }
    for (const link of changes.filter((l) => l.wantInverted || l === targetLink)) {
      await waitForChangeThenSettle(
        {
          resource: `health check ${link.healthCheckId} (${link.region})`,
          read: async () => ({
            inverted: await isInverted(ctx, link.healthCheckId),
            share: await passingShare(ctx, link.healthCheckId),
          }),
          describe: (s) => `inverted=${s.inverted}, ${Math.round(s.share * 100)}% checkers report success`,
          changed: (s) => s.inverted === link.wantInverted,
          settled: (s) => (link.wantInverted ? s.share < 0.5 : s.share > 0.5),
          settledText: link.wantInverted ? "reported unhealthy" : "reported healthy",
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
          : "Failover inversions cleared.",
      ],
      data: {
        record: global.apiRecordName,
        region: options.to,
        healthChecks: await Promise.all(
          links.map(async (l) => ({
            region: l.region,
            healthCheckId: l.healthCheckId,
            inverted: await isInverted(ctx, l.healthCheckId),
          })),
        ),
      },
    };
  });
}

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
import { UpdateHealthCheckCommand } from "@aws-sdk/client-route-53";
import type { Context } from "../core/context";
import {
  checkSwitches,
  describeSwitches,
  failoverChain,
  FORCED_OUT,
  hostedZoneId,
  passingShare,
  REAL_HEALTH,
  ROUTE53_HEALTHY_SHARE,
  same,
  type CheckSwitches,
} from "../core/dns";
import { UsageError } from "../core/errors";
import { alarmsInAlarm, kubernetesHealthDetail, serviceHealth, targetHealth } from "../core/health";
import { executePlan } from "../core/plan";
import { waitForChangeThenSettle } from "../core/waiter";

export interface FailoverDnsOptions {
  readonly to: string;
}

export async function run(ctx: Context, options: FailoverDnsOptions): Promise<void> {
  const manifest = ctx.manifest();
  const global = manifest.global;
  if (!global)
    throw new UsageError(`The ${manifest.environment} manifest has no global section (no DNS failover).`);
  const entry = ctx.regionManifest(options.to, "--to");
  const chain = await failoverChain(
    ctx,
    await hostedZoneId(ctx, global.hostedZoneName),
    global.apiRecordName,
  );
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

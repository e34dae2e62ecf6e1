/**
 * `skyline failover dns --to <region>`: shift the API's Route 53 failover routing to <region>.
 *
 * The API record has failover routing: a PRIMARY and a SECONDARY record (set identifier = region
 * name), each with a health check. Moving traffic to the SECONDARY inverts the PRIMARY's health check
 * so Route 53 treats it as unhealthy; moving back to the PRIMARY clears the inversion. No record is
 * rewritten, so the change is one flag, reversible, and leaves Terraform's records untouched.
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

export async function run(ctx: Context, options: FailoverDnsOptions): Promise<void> {
  const manifest = ctx.manifest();
  const global = manifest.global;
  if (!global)
    throw new UsageError(`The ${manifest.environment} manifest has no global section (no DNS failover).`);
  const entry = ctx.regionManifest(options.to, "--to");
  const records = await failoverRecords(ctx, await zoneId(ctx, global.hostedZoneName), global.apiRecordName);
  const primary = records.find((r) => r.Failover === "PRIMARY");
  const secondary = records.find((r) => r.Failover === "SECONDARY");
  if (!primary?.HealthCheckId || !secondary) {
    throw new UsageError(
      `${global.apiRecordName} has no PRIMARY record with a health check and a SECONDARY record; check the global stack is applied.`,
    );
  }
  const targetRecord = [primary, secondary].find((r) => r.SetIdentifier === options.to);
  if (!targetRecord) {
    throw new UsageError(
      `--to ${options.to}: ${global.apiRecordName} fails over between ${primary.SetIdentifier} and ${secondary.SetIdentifier}; pick one of those.`,
    );
  }
  const toSecondary = targetRecord === secondary;
  const primaryCheck = primary.HealthCheckId;
  const invertedNow = await isInverted(ctx, primaryCheck);
  const wantInverted = toSecondary;
  const targetCheckShare = targetRecord.HealthCheckId
    ? await passingShare(ctx, targetRecord.HealthCheckId)
    : undefined;
  const firing = await alarmsInAlarm(ctx, options.to, entry);
  // On EKS the pods' health is the ALB's view of them (the healthy targets below).
  const service = entry.service ? await serviceHealth(ctx, options.to, entry) : undefined;
  const healthyTargets = (await targetHealth(ctx, options.to, entry)).reduce((n, t) => n + t.healthy, 0);

  const plan = {
    command: "failover dns",
    action: `Send ${global.apiRecordName} traffic to ${options.to} (${targetRecord.Failover} record)`,
    region: options.to,
    target: global.apiRecordName,
    impact: [
      toSecondary
        ? `Route 53 treats ${primary.SetIdentifier} as unhealthy (inverted health check ${primaryCheck}) and answers with ${options.to}.`
        : `Route 53 uses the health of ${primary.SetIdentifier} again (inversion cleared).`,
      "Clients move as DNS TTLs expire (typically 60 s); existing connections stay where they are.",
    ],
    checks: [
      {
        name: "not already routed there",
        ok: invertedNow !== wantInverted,
        detail: `primary health check ${primaryCheck} inverted=${invertedNow}`,
      },
      ...(targetCheckShare === undefined
        ? []
        : [
            {
              name: `${options.to} health check passing`,
              ok: targetCheckShare > 0.5 || !toSecondary,
              detail: `${Math.round(targetCheckShare * 100)}% of Route 53 checkers report success`,
            },
          ]),
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
      `UpdateHealthCheck ${primaryCheck} Inverted=${wantInverted}`,
      `wait until Route 53 checkers report ${primary.SetIdentifier} ${wantInverted ? "unhealthy" : "healthy"}`,
    ],
  };
  await executePlan(ctx, plan, async () => {
    await ctx.call(`health check ${primaryCheck}`, () =>
      ctx.clients
        .route53()
        .send(new UpdateHealthCheckCommand({ HealthCheckId: primaryCheck, Inverted: wantInverted })),
    );
    const { state } = await waitForChangeThenSettle(
      {
        resource: `health check ${primaryCheck} (${primary.SetIdentifier})`,
        read: async () => ({
          inverted: await isInverted(ctx, primaryCheck),
          share: await passingShare(ctx, primaryCheck),
        }),
        describe: (s) => `inverted=${s.inverted}, ${Math.round(s.share * 100)}% checkers report success`,
        changed: (s) => s.inverted === wantInverted,
        settled: (s) => (wantInverted ? s.share < 0.5 : s.share > 0.5),
        settledText: wantInverted ? "reported unhealthy" : "reported healthy",
        pollMs: 10_000,
        timeoutMs: 10 * 60_000,
      },
      ctx.waitClock(),
    );
    return {
      lines: [
        `${global.apiRecordName} now resolves to ${options.to}.`,
        toSecondary
          ? `Fail back later with: skyline failover dns --to ${primary.SetIdentifier}`
          : "Failover inversion cleared.",
      ],
      data: {
        record: global.apiRecordName,
        region: options.to,
        healthCheckId: primaryCheck,
        inverted: state.inverted,
      },
    };
  });
}

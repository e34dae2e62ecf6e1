/**
 * `skyline status`: one screen per environment. Where Route 53 sends the API's traffic now (with a
 * global stack), then for each region (or --region): database instances (role, status, replica lag),
 * cache status, service running/desired, ALB healthy targets and alarms in ALARM. A section that
 * cannot be read shows its error; the exit code is then 1.
 */
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import type { RegionManifest } from "../../constructs/runbooks/manifest-schema";
import type { Context } from "../core/context";
import { describeInstance, isReplica } from "../core/database";
import { describeSwitches, dnsTraffic, FORCED_OUT, REAL_HEALTH, same, type TrafficLink } from "../core/dns";
import { FailedError } from "../core/errors";
import { alarmsInAlarm, maxReplicaLagSeconds, serviceHealth, targetHealth } from "../core/health";

type Section<T> = { ok: true; value: T } | { ok: false; error: string };

async function section<T>(read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

async function regionStatus(ctx: Context, region: string, entry: RegionManifest) {
  const database = await section(async () =>
    Promise.all(
      (entry.database?.instances ?? []).map(async (i) => {
        const state = await describeInstance(ctx, region, i.id);
        const lagSeconds =
          i.role === "writer" ? null : ((await maxReplicaLagSeconds(ctx, region, i.id)) ?? null);
        return {
          id: i.id,
          role: i.role,
          status: state.DBInstanceStatus ?? "unknown",
          replicating: isReplica(state),
          availabilityZone: state.AvailabilityZone ?? null,
          instanceClass: state.DBInstanceClass ?? null,
          lagSeconds,
        };
      }),
    ),
  );
  const cache = entry.cache
    ? await section(async () => {
        const id = entry.cache?.replicationGroupId as string;
        const response = await ctx.call(`cache ${id} (${region})`, () =>
          ctx.clients
            .elastiCache(region)
            .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })),
        );
        const group = response.ReplicationGroups?.[0];
        return { id, status: group?.Status ?? "missing", nodeType: group?.CacheNodeType ?? null };
      })
    : undefined;
  const service = entry.service ? await section(() => serviceHealth(ctx, region, entry)) : undefined;
  // EKS: skyline reads no Kubernetes API; name the workload and the kubectl line that shows it.
  const kubernetes = entry.kubernetes
    ? {
        ...entry.kubernetes,
        kubectl: `kubectl -n ${entry.kubernetes.namespace} get deployment,hpa ${entry.kubernetes.deployment}`,
      }
    : undefined;
  const loadBalancer = await section(async () => ({
    name: entry.loadBalancer.name,
    targetGroups: await targetHealth(ctx, region, entry),
  }));
  const alarms = await section(() => alarmsInAlarm(ctx, region, entry));
  return { region, role: entry.role, database, cache, service, kubernetes, loadBalancer, alarms };
}

type RegionStatus = Awaited<ReturnType<typeof regionStatus>>;

function show<T>(s: Section<T> | undefined, render: (v: T) => string): string {
  if (!s) return "-";
  return s.ok ? render(s.value) : `ERROR ${s.error}`;
}

function printText(ctx: Context, regions: RegionStatus[]): void {
  const { out } = ctx;
  for (const r of regions) {
    out.text(out.paint("bold", `${r.region} (${r.role})`));
    out.text(
      `  database  ${show(
        r.database,
        (list) =>
          list
            .map(
              (d) =>
                `${d.id} ${d.role} ${d.status === "available" ? out.paint("green", d.status) : out.paint("yellow", d.status)}` +
                (d.lagSeconds !== null ? ` lag ${d.lagSeconds}s` : d.role === "writer" ? "" : " lag unknown"),
            )
            .join("; ") || "none",
      )}`,
    );
    out.text(`  cache     ${show(r.cache, (c) => `${c.id} ${c.status}`)}`);
    if (r.kubernetes) {
      const k = r.kubernetes;
      out.text(
        `  pods      EKS ${k.namespace}/${k.deployment} in ${k.cluster} (HPA ${k.minReplicas}-${k.maxReplicas}); ready pods are the healthy ALB targets; ${k.kubectl}`,
      );
    } else {
      out.text(
        `  service   ${show(r.service, (s) => `${s.status} ${s.running}/${s.desired} running${s.pending ? `, ${s.pending} pending` : ""}`)}`,
      );
    }
    out.text(
      `  alb       ${show(r.loadBalancer, (lb) => `${lb.name} ${lb.targetGroups.map((t) => `${t.targetGroup} ${t.healthy}/${t.total} healthy`).join(", ")}`)}`,
    );
    out.text(
      `  alarms    ${show(r.alarms, (a) => (a.length === 0 ? out.paint("green", "none in ALARM") : out.paint("red", a.join(", "))))}`,
    );
  }
}

/** How Route 53 judges one region: forced out, or healthy/unhealthy with its checkers' share. */
function trafficState(link: TrafficLink): string {
  if (same(link.switches, FORCED_OUT)) return `${link.region} forced out`;
  const share = link.passing === null ? "" : ` ${Math.round(link.passing * 100)}%`;
  const judged = `${link.region} ${link.healthy ? "healthy" : "unhealthy"}${share}`;
  return same(link.switches, REAL_HEALTH) ? judged : `${judged} (${describeSwitches(link.switches)})`;
}

export async function run(ctx: Context): Promise<void> {
  const manifest = ctx.manifest();
  const regions = ctx.opts.region ? [ctx.region()] : Object.keys(manifest.regions);
  const global = manifest.global;
  const traffic = global
    ? await section(() => dnsTraffic(ctx, global.hostedZoneName, global.apiRecordName))
    : undefined;
  const results: RegionStatus[] = [];
  for (const region of regions)
    results.push(await regionStatus(ctx, region, manifest.regions[region] as RegionManifest));
  ctx.out.text(`${manifest.app} ${manifest.environment} (primary ${manifest.primaryRegion})`);
  if (traffic) {
    ctx.out.text(
      `traffic   ${show(traffic, (t) =>
        t.allUnhealthy
          ? `${t.record} -> ${ctx.out.paint("red", t.serving)} (every region unhealthy: Route 53 answers with the primary)`
          : `${t.record} -> ${ctx.out.paint(t.serving === manifest.primaryRegion ? "green" : "yellow", t.serving)} (${t.regions.map(trafficState).join(", ")})`,
      )}`,
    );
  }
  printText(ctx, results);
  ctx.out.document({
    app: manifest.app,
    environment: manifest.environment,
    primaryRegion: manifest.primaryRegion,
    ...(traffic ? { traffic } : {}),
    regions: results,
  });
  const failed = [
    ...(traffic && !traffic.ok ? ["traffic"] : []),
    ...results.flatMap((r) =>
      (["database", "cache", "service", "loadBalancer", "alarms"] as const)
        .filter((k) => r[k] && !(r[k] as Section<unknown>).ok)
        .map((k) => `${r.region} ${k}`),
    ),
  ];
  if (failed.length > 0) throw new FailedError(`Could not read ${failed.join(", ")}; see the errors above.`);
}

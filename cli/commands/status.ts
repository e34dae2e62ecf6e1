/**
 * `skyline status`: one screen per environment. Where the API's traffic goes, read on the data
 * plane only (the traffic switches in CloudWatch of every region that answers, and a DNS lookup of
 * the origin name; never Route 53's API, whose control plane is in us-east-1), then for each region
 * (or --region): database instances (role as AWS shows it: a promoted replica is the writer;
 * replica lag, "replication stopped" for -1, "source region unreachable" for no data), cache
 * status, service running/desired, the newest ECS deployment (an in-flight release with its stage,
 * traffic shifted and bake left: core/deployments.ts), ALB healthy targets, the submission queue (depth, oldest message,
 * dead letters, running workers: core/queue.ts) and alarms in ALARM; and the last drill with
 * its measured RTO and RPO. A section that cannot be read shows its error; the exit code is then 1.
 * First of all, operations the journal shows as started and never finished (unfinished.ts).
 * Regions and sections are read in parallel, so a silent endpoint costs one request timeout.
 */
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import type { RegionManifest } from "../../manifest/schema";
import type { Context } from "../core/context";
import { describeInstance, isReplica } from "../core/database";
import { answeringRegion, failoverOrder, intendedRegion, readSwitches, type RegionSwitch } from "../core/dns";
import { describeDrill, drillDir, latestDrill } from "../core/drill-report";
import { WRITER_SINCE_TAG } from "../core/failover/region-state";
import { readReplicaLag } from "../core/gates";
import { Outage } from "../core/outage";
import { auditLogPath } from "../core/audit";
import { FailedError } from "../core/errors";
import { errorDocument } from "../core/report";
import { alarmsInAlarm, serviceHealth, targetHealth } from "../core/health";
import { queueMetrics, queueStatus, queueStatusLines } from "../core/queue";
import { describeDeployment, recentDeployments } from "../core/deployments";
import { describeUnfinished, unfinishedOperations } from "../core/unfinished";

type Section<T> = { ok: true; value: T } | { ok: false; error: string };

async function section<T>(read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

async function regionStatus(ctx: Context, region: string, entry: RegionManifest) {
  const database = section(async () =>
    Promise.all(
      (entry.database?.instances ?? []).map(async (i) => {
        const state = await describeInstance(ctx, region, i.id);
        const replicating = isReplica(state);
        // A cross-region replica that was promoted is the writer now, whatever the manifest says.
        const promoted = i.role !== "writer" && !replicating;
        const lag = replicating ? await readReplicaLag(ctx, region, i.id) : undefined;
        return {
          id: i.id,
          role: i.role,
          actualRole: promoted ? ("writer" as const) : i.role,
          writerSince: state.TagList?.find((t) => t.Key === WRITER_SINCE_TAG)?.Value ?? null,
          status: state.DBInstanceStatus ?? "unknown",
          replicating,
          availabilityZone: state.AvailabilityZone ?? null,
          instanceClass: state.DBInstanceClass ?? null,
          lagSeconds: lag?.kind === "ok" ? lag.maxSeconds : null,
          lag: lag?.kind ?? null,
          sourceRegion: i.sourceRegion ?? null,
        };
      }),
    ),
  );
  const cache = entry.cache
    ? section(async () => {
        const id = entry.cache?.replicationGroupId as string;
        const response = await ctx.send(
          `cache ${id} (${region})`,
          ctx.clients.elastiCache(region),
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
        );
        const group = response.ReplicationGroups?.[0];
        return { id, status: group?.Status ?? "missing", nodeType: group?.CacheNodeType ?? null };
      })
    : undefined;
  const service = entry.service ? section(() => serviceHealth(ctx, region, entry)) : undefined;
  // The newest ECS deployment: an in-flight release (stage, traffic shifted, bake left) shows here.
  const ecs = entry.service;
  const deployment = ecs
    ? section(async () => {
        const [latest] = await recentDeployments(ctx, region, ecs.cluster, ecs.service, ecs.deployment, 1);
        return latest ?? null;
      })
    : undefined;
  // EKS: skyline reads no Kubernetes API; name the workload and the kubectl line that shows it.
  const kubernetes = entry.kubernetes
    ? {
        ...entry.kubernetes,
        kubectl: `kubectl -n ${entry.kubernetes.namespace} get deployment,hpa ${entry.kubernetes.deployment}`,
      }
    : undefined;
  const loadBalancer = section(async () => ({
    name: entry.loadBalancer.name,
    targetGroups: await targetHealth(ctx, region, entry),
  }));
  const q = entry.queue;
  const queue = q ? section(() => queueStatus(ctx, region, q)) : undefined;
  const queueMetricsRead = q ? section(() => queueMetrics(ctx, region, q)) : undefined;
  const alarms = section(() => alarmsInAlarm(ctx, region, entry));
  return {
    region,
    role: entry.role,
    database: await database,
    cache: await cache,
    service: await service,
    deployment: await deployment,
    kubernetes,
    loadBalancer: await loadBalancer,
    queue: await queue,
    queueMetrics: await queueMetricsRead,
    alarms: await alarms,
  };
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
                `${d.id} ${d.actualRole !== d.role ? `writer (promoted ${d.role}${d.writerSince ? `, writer since ${d.writerSince}` : ""})` : d.role} ` +
                `${d.status === "available" ? out.paint("green", d.status) : out.paint("yellow", d.status)}` +
                lagText(d),
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
    if (r.deployment) {
      out.text(
        `  deploy    ${show(r.deployment, (d) =>
          d === null
            ? "no deployment recorded"
            : d.outcome === "succeeded"
              ? `last: ${describeDeployment(d)}`
              : out.paint(
                  d.outcome === "rolled back" || d.outcome === "rollback failed" ? "red" : "yellow",
                  describeDeployment(d),
                ),
        )}`,
      );
    }
    out.text(
      `  alb       ${show(r.loadBalancer, (lb) => `${lb.name} ${lb.targetGroups.map((t) => `${t.targetGroup} ${t.healthy}/${t.total} healthy`).join(", ")}`)}`,
    );
    if (r.queue && r.queueMetrics) {
      for (const line of queueStatusLines(out, r.queue, r.queueMetrics)) out.text(line);
    }
    out.text(
      `  alarms    ${show(r.alarms, (a) => (a.length === 0 ? out.paint("green", "none in ALARM") : out.paint("red", a.join(", "))))}`,
    );
  }
}

function lagText(d: {
  replicating: boolean;
  lag: string | null;
  lagSeconds: number | null;
  role: string;
  sourceRegion: string | null;
}): string {
  if (!d.replicating) return "";
  if (d.lag === "ok") return ` lag ${d.lagSeconds}s`;
  if (d.lag === "stopped") return " replication stopped (ReplicaLag -1)";
  return d.role === "cross-region-replica"
    ? ` no lag data: source region ${d.sourceRegion ?? "?"} unreachable?`
    : " no lag data";
}

/** Where traffic goes: the switches (data plane) and the DNS answer; one region needs no reads. */
async function readTraffic(ctx: Context) {
  const manifest = ctx.manifest();
  const global = manifest.global!;
  const order = failoverOrder(manifest);
  if (!global.trafficSwitch || order.length < 2) {
    return {
      record: global.apiRecordName,
      serving: order[0],
      intended: order[0],
      switches: [],
      answer: null,
      oneRegion: true,
    };
  }
  const switches = await readSwitches(ctx, manifest, new Outage(manifest, {}));
  const answer = await answeringRegion(manifest, ctx.rt.env.SKYLINE_DNS_SERVER || undefined);
  const intended = intendedRegion(switches) ?? order[0];
  return {
    record: global.apiRecordName,
    serving: answer.region ?? intended,
    intended,
    switches,
    answer,
    oneRegion: false,
  };
}

function trafficState(s: RegionSwitch): string {
  const unread = s.copies.filter((c) => c.state === "unreachable").map((c) => c.host);
  return `${s.region} ${s.forcedOut ? "forced out" : "in"}${unread.length ? ` (switch unread in ${unread.join(", ")})` : ""}`;
}

export async function run(ctx: Context): Promise<void> {
  const manifest = ctx.manifest();
  const regions = ctx.opts.region ? [ctx.region()] : Object.keys(manifest.regions);
  const global = manifest.global;
  const unfinished = unfinishedOperations(
    auditLogPath(ctx.rt.env, ctx.rt.homedir),
    { app: manifest.app, environment: manifest.environment },
    ctx.rt.now(),
  );
  const trafficRead = global ? section(() => readTraffic(ctx)) : undefined;
  const drill = latestDrill(drillDir(ctx.rt.env, ctx.rt.homedir), manifest.app, manifest.environment);
  const results: RegionStatus[] = await Promise.all(
    regions.map((region) => regionStatus(ctx, region, manifest.regions[region] as RegionManifest)),
  );
  const traffic = await trafficRead;
  for (const op of unfinished) {
    ctx.out.text(ctx.out.paint(op.running ? "yellow" : "red", describeUnfinished(op)));
  }
  ctx.out.text(`${manifest.app} ${manifest.environment} (primary ${manifest.primaryRegion})`);
  if (traffic) {
    ctx.out.text(
      `traffic   ${show(traffic, (t) =>
        t.oneRegion
          ? `${t.record} -> ${ctx.out.paint("green", t.serving)} (one region: no failover chain)`
          : `${t.record} -> ${ctx.out.paint(t.serving === manifest.primaryRegion ? "green" : "yellow", t.serving)} ` +
            `(${t.switches.map(trafficState).join(", ")}; DNS ${t.answer?.region ? `answers with ${t.answer.region}` : `not read: ${t.answer?.error}`})`,
      )}`,
    );
  }
  ctx.out.text(
    `drills    ${drill ? describeDrill(drill) : "no drill recorded (skyline drill, on a non-production environment)"}`,
  );
  printText(ctx, results);
  const payload = {
    app: manifest.app,
    primaryRegion: manifest.primaryRegion,
    unfinished,
    lastDrill: drill ?? null,
    ...(traffic ? { traffic } : {}),
    regions: results,
  };
  const failed = [
    ...(traffic && !traffic.ok ? ["traffic"] : []),
    ...results.flatMap((r) =>
      (
        [
          "database",
          "cache",
          "service",
          "deployment",
          "loadBalancer",
          "queue",
          "queueMetrics",
          "alarms",
        ] as const
      )
        .filter((k) => r[k] && !(r[k] as Section<unknown>).ok)
        .map((k) => `${r.region} ${k}`),
    ),
  ];
  if (failed.length > 0) {
    const error = new FailedError(`Could not read ${failed.join(", ")}; see the errors above.`);
    ctx.report.emit({ outcome: "failed", exitCode: 1, ...payload, error: errorDocument(error) });
    throw error;
  }
  ctx.report.succeeded(payload);
}

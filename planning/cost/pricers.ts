/**
 * One pricer per priced Terraform resource type: from the resource's synthesized attributes (sizes,
 * counts, retention), the scenario's counts and traffic, and the price table, the resource's cost
 * components, Infracost-style (a name, a unit, a monthly quantity, a unit price). Types that cost
 * nothing of their own are listed with their reason in prices.json (`notPriced`), never here.
 */
import type { OpsManifest } from "../../manifest/schema";
import { instanceSize } from "../aws-facts";
import { kubernetesCpu, kubernetesMemoryMiB, num, type SynthResource } from "../terraform";
import type { CostAssumptions } from "./assumptions";
import {
  instanceHourly,
  tieredCost,
  type GlobalItem,
  type GlobalTierItem,
  type InstanceService,
  type PriceTable,
  type RegionItem,
  type RegionTierItem,
} from "./price-table";

export type Scenario = "min" | "target" | "max";
export const SCENARIOS: readonly Scenario[] = ["min", "target", "max"];
export type ByScenario = Readonly<Record<Scenario, number>>;

export const same = (x: number): ByScenario => ({ min: x, target: x, max: x });
const map = (s: ByScenario, f: (x: number) => number): ByScenario => ({
  min: f(s.min),
  target: f(s.target),
  max: f(s.max),
});

export interface Component {
  readonly name: string;
  /** Counts and sizes behind the quantity, e.g. `1 vCPU × 3 / 30 / 30 tasks`. */
  readonly detail?: string;
  readonly unit: string;
  /** USD per unit; absent for tiered prices. */
  readonly unitPrice?: number;
  readonly quantity: ByScenario;
  readonly monthly: ByScenario;
  /** The price's source page. */
  readonly source?: string;
  /** The table has no price for this: the component counts as $0 and the estimate is incomplete. */
  readonly missing?: string;
}

/** What every pricer may read. */
export interface PricingContext {
  readonly table: PriceTable;
  readonly a: CostAssumptions;
  readonly all: readonly SynthResource[];
  readonly manifest: OpsManifest;
  /** Counts of a region's scalable tier by scenario (undefined when the region has no such tier). */
  units(region: string, tier: "api" | "worker" | "nodes"): ByScenario | undefined;
  /** Requests and submissions per second a region serves, by scenario (the edge: region undefined). */
  traffic(region?: string): { readonly requests: ByScenario; readonly submissions: ByScenario };
}

type Attrs = Readonly<Record<string, unknown>>;
const obj = (v: unknown): Attrs => (v && typeof v === "object" && !Array.isArray(v) ? (v as Attrs) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const referenced = (value: unknown): string | undefined =>
  typeof value === "string" ? /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\./.exec(value)?.[1] : undefined;
const fmt = (x: number) => Math.round(x * 100) / 100;
const counts = (s: ByScenario) => (s.min === s.max ? `${s.min}` : `${s.min} / ${s.target} / ${s.max}`);

export function regionOf(r: SynthResource): string {
  return r.region ?? r.stackRegion ?? "unknown";
}

export class Prices {
  constructor(
    private readonly ctx: PricingContext,
    readonly region: string,
  ) {}

  private sourceUrl(key: string): string {
    return this.ctx.table.sources[key] ?? key;
  }

  /** A component at a flat per-unit price from the region's (or the global) table. */
  flat(
    item: RegionItem | GlobalItem,
    name: string,
    unit: string,
    quantity: ByScenario,
    detail?: string,
  ): Component {
    const t = this.ctx.table;
    const price =
      (t.global.prices as Record<string, { usd: number; source: string }>)[item] ??
      (t.regions[this.region]?.prices as Record<string, { usd: number; source: string }> | undefined)?.[item];
    if (!price)
      return this.missing(
        name,
        unit,
        quantity,
        `no price for ${item} in ${this.region} in the price table`,
        detail,
      );
    return {
      name,
      ...(detail ? { detail } : {}),
      unit,
      unitPrice: price.usd,
      quantity: map(quantity, fmt),
      monthly: map(quantity, (q) => q * price.usd),
      source: this.sourceUrl(price.source),
    };
  }

  /** A component under a tiered price (GB). */
  tiered(item: RegionTierItem | GlobalTierItem, name: string, gb: ByScenario, detail?: string): Component {
    const t = this.ctx.table;
    const tiers =
      (t.global.tiers as Record<string, PriceTable["global"]["tiers"][string]>)[item] ??
      (t.regions[this.region]?.tiers as Record<string, PriceTable["global"]["tiers"][string]> | undefined)?.[
        item
      ];
    if (!tiers)
      return this.missing(
        name,
        "GB",
        gb,
        `no price for ${item} in ${this.region} in the price table`,
        detail,
      );
    return {
      name,
      ...(detail ? { detail } : {}),
      unit: "GB",
      quantity: map(gb, fmt),
      monthly: map(gb, (q) => tieredCost(tiers, q)),
      source: this.sourceUrl(tiers.source),
    };
  }

  /** Instance-hours of a class. */
  instance(
    service: InstanceService,
    instanceClass: string,
    name: string,
    hours: ByScenario,
    factor = 1,
    detail?: string,
  ): Component {
    const hourly = instanceHourly(this.ctx.table, this.region, service, instanceClass);
    if (hourly === undefined) {
      return this.missing(
        name,
        "hours",
        hours,
        `no ${service} price for ${instanceClass} in ${this.region} in the price table`,
        detail,
      );
    }
    const source = this.ctx.table.regions[this.region].instances[service].source;
    return {
      name,
      ...(detail ? { detail } : {}),
      unit: "hours",
      unitPrice: fmt(hourly * factor * 100_000) / 100_000,
      quantity: map(hours, fmt),
      monthly: map(hours, (h) => h * hourly * factor),
      source: this.sourceUrl(source),
    };
  }

  missing(name: string, unit: string, quantity: ByScenario, why: string, detail?: string): Component {
    return {
      name,
      ...(detail ? { detail } : {}),
      unit,
      quantity: map(quantity, fmt),
      monthly: same(0),
      missing: why,
    };
  }

  /** A price of another region (the source of a cross-region transfer). */
  in(region: string): Prices {
    return new Prices(this.ctx, region);
  }
}

/** The price lookups of one region, for the pricers. */
export function pricesFor(ctx: PricingContext, region: string): Prices {
  return new Prices(ctx, region);
}

export type Pricer = (r: SynthResource, ctx: PricingContext, p: Prices) => Component[];

const seconds = (ctx: PricingContext) => ctx.a.hoursPerMonth.value * 3600;
const gbOf = (ctx: PricingContext, perSecond: ByScenario, bytes: number) =>
  map(perSecond, (x) => (x * bytes * seconds(ctx)) / 1e9);

function byAddress(
  ctx: PricingContext,
  stack: string,
  address: string | undefined,
): SynthResource | undefined {
  return address ? ctx.all.find((r) => r.stack === stack && r.address === address) : undefined;
}

/** The database instance a replica copies (same stack by reference, or another region's by ARN). */
function replicaSource(r: SynthResource, ctx: PricingContext): SynthResource | undefined {
  const source = r.attrs.replicate_source_db;
  const local = byAddress(ctx, r.stack, referenced(source));
  if (local) return local;
  const id = typeof source === "string" ? source.split(":").at(-1) : undefined;
  return ctx.all.find((x) => x.type === "aws_db_instance" && x.attrs.identifier === id);
}

function regionOfArn(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1];
}

/** The manifest's role of an ECS service or Deployment in its region: the API or the queue's workers. */
function tierOf(ctx: PricingContext, region: string, name: unknown): "api" | "worker" | undefined {
  const entry = ctx.manifest.regions[region];
  if (!entry) return undefined;
  if (entry.service?.service === name || entry.kubernetes?.deployment === name) return "api";
  const workers = entry.queue?.workers;
  if (workers && (workers.kind === "ecs" ? workers.service : workers.deployment) === name) return "worker";
  return undefined;
}

const fargate: Pricer = (r, ctx, p) => {
  const td = byAddress(ctx, r.stack, referenced(r.attrs.task_definition));
  const vcpu = (num(td?.attrs.cpu) ?? 0) / 1024;
  const gb = (num(td?.attrs.memory) ?? 0) / 1024;
  const tier = tierOf(ctx, p.region, r.attrs.name);
  const tasks = (tier && ctx.units(p.region, tier)) ?? same(num(r.attrs.desired_count) ?? 1);
  const hours = map(tasks, (n) => n * ctx.a.hoursPerMonth.value);
  const detail = `${counts(tasks)} tasks`;
  return [
    p.flat(
      "fargate.vcpuHour",
      "Fargate vCPU",
      "vCPU-hours",
      map(hours, (h) => h * vcpu),
      `${vcpu} vCPU × ${detail}`,
    ),
    p.flat(
      "fargate.gbHour",
      "Fargate memory",
      "GB-hours",
      map(hours, (h) => h * gb),
      `${gb} GB × ${detail}`,
    ),
  ];
};

const dbInstance: Pricer = (r, ctx, p) => {
  const a = ctx.a;
  const cls = String(r.attrs.instance_class ?? "");
  const multiAz = r.attrs.multi_az === true;
  const factor = multiAz ? ctx.table.rules.multiAzFactor : 1;
  const source = r.attrs.replicate_source_db ? replicaSource(r, ctx) : undefined;
  const storage = num(r.attrs.allocated_storage) ?? num(source?.attrs.allocated_storage) ?? 0;
  const az = multiAz ? "Multi-AZ" : "Single-AZ";
  const parts = [
    p.instance(
      "rds",
      cls,
      `Database instance (on-demand, ${az}, ${cls})`,
      same(a.hoursPerMonth.value),
      factor,
    ),
    p.flat(
      "rds.gp3.gbMonth",
      `Storage (gp3, ${az})`,
      "GB-months",
      same(storage * factor),
      `${storage} GB${multiAz ? " × 2" : ""}`,
    ),
  ];
  if (source && regionOf(source) !== p.region) {
    const wal = gbOf(ctx, ctx.traffic(regionOf(source)).submissions, a.walBytesPerSubmission.value);
    parts.push(
      p
        .in(regionOf(source))
        .flat(
          "transfer.interRegion.gb",
          `Cross-region replication (WAL from ${regionOf(source)})`,
          "GB",
          wal,
          `${a.walBytesPerSubmission.value} bytes per submission`,
        ),
    );
  }
  return parts;
};

const automatedBackupsReplication: Pricer = (r, ctx, p) => {
  const arn = String(r.attrs.source_db_instance_arn ?? "");
  const id = arn.split(":").at(-1);
  const source = ctx.all.find((x) => x.type === "aws_db_instance" && x.attrs.identifier === id);
  const storage = num(source?.attrs.allocated_storage) ?? 0;
  const from = regionOfArn(arn) ?? p.region;
  const a = ctx.a;
  return [
    p.flat(
      "rds.backup.gbMonth",
      "Replicated automated backups",
      "GB-months",
      same(storage * a.backupStorageFactor.value),
      `${storage} GB × ${a.backupStorageFactor.value}`,
    ),
    p
      .in(from)
      .flat(
        "transfer.interRegion.gb",
        `Backup replication transfer (from ${from})`,
        "GB",
        same((storage * a.backupDailyChangePercent.value * 30) / 100),
        `${a.backupDailyChangePercent.value} % of ${storage} GB a day`,
      ),
  ];
};

const dbProxy: Pricer = (r, ctx, p) => {
  const target = ctx.all.find(
    (t) =>
      t.type === "aws_db_proxy_target" &&
      t.stack === r.stack &&
      referenced(t.attrs.db_proxy_name) === r.address,
  );
  const db = byAddress(ctx, r.stack, referenced(target?.attrs.db_instance_identifier));
  const cls = String(db?.attrs.instance_class ?? "");
  // RDS Proxy bills the vCPUs of the instance it fronts, at least 2.
  const vcpu = Math.max(2, instanceSize(cls)?.vcpu ?? 2);
  return [
    p.flat(
      "rds.proxy.vcpuHour",
      "RDS Proxy",
      "vCPU-hours",
      same(vcpu * ctx.a.hoursPerMonth.value),
      `${vcpu} vCPU of ${cls || "the database"}`,
    ),
  ];
};

const cacheGroup: Pricer = (r, ctx, p) => {
  const a = r.attrs;
  const entry = Object.values(ctx.manifest.regions).find(
    (e) => e.cache?.replicationGroupId === a.replication_group_id,
  )?.cache;
  const nodeType = typeof a.node_type === "string" ? a.node_type : (entry?.nodeType ?? "");
  const engine = typeof a.engine === "string" ? a.engine : (entry?.engine ?? "redis");
  const shards = num(a.num_node_groups);
  const nodes =
    shards !== undefined
      ? shards * (1 + (num(a.replicas_per_node_group) ?? 0))
      : (num(a.num_cache_clusters) ?? 1);
  const factor = engine === "valkey" ? ctx.table.rules.valkeyFactor : 1;
  const parts = [
    p.instance(
      "elasticache",
      nodeType,
      `Cache nodes (on-demand, ${engine}, ${nodeType})`,
      same(nodes * ctx.a.hoursPerMonth.value),
      factor,
      `${nodes} nodes`,
    ),
  ];
  // The Global Datastore's primary sends its writes to each secondary region.
  const global = ctx.all.find(
    (g) =>
      g.type === "aws_elasticache_global_replication_group" &&
      referenced(g.attrs.primary_replication_group_id) === r.address &&
      g.stack === r.stack,
  );
  if (global) {
    const suffix = String(global.attrs.global_replication_group_id_suffix ?? "");
    const secondaries = ctx.all.filter(
      (x) =>
        x.type === "aws_elasticache_replication_group" &&
        String(x.attrs.global_replication_group_id ?? "").endsWith(`-${suffix}`),
    ).length;
    const gb = gbOf(ctx, ctx.traffic(p.region).submissions, ctx.a.cacheBytesPerSubmission.value);
    parts.push(
      p.flat(
        "transfer.interRegion.gb",
        "Global Datastore replication",
        "GB",
        map(gb, (x) => x * secondaries),
        `${ctx.a.cacheBytesPerSubmission.value} bytes per submission × ${secondaries} secondary regions`,
      ),
    );
  }
  return parts;
};

const natGateway: Pricer = (r, ctx, p) => {
  const gateways = ctx.all.filter((x) => x.type === "aws_nat_gateway" && x.stack === r.stack).length;
  const gb = map(
    gbOf(ctx, ctx.traffic(p.region).submissions, ctx.a.natBytesPerSubmission.value),
    (x) => x / gateways,
  );
  return [
    p.flat("nat.hour", "NAT gateway", "hours", same(ctx.a.hoursPerMonth.value)),
    p.flat(
      "nat.gb",
      "Data processed",
      "GB",
      gb,
      `SQS traffic of the submissions, shared by ${gateways} gateways`,
    ),
  ];
};

const eip: Pricer = (_r, ctx, p) => [
  p.flat("ipv4.hour", "Public IPv4 address", "hours", same(ctx.a.hoursPerMonth.value)),
];

const loadBalancer: Pricer = (_r, ctx, p) => {
  const a = ctx.a;
  // Behind CloudFront connections are kept alive: processed bytes (1 GB an hour per LCU) dominate.
  const lcu = map(
    ctx.traffic(p.region).requests,
    (rps) => (rps * (a.requestBytes.value + a.responseBytes.value) * 3600) / 1e9,
  );
  return [
    p.flat("alb.hour", "Application load balancer", "hours", same(a.hoursPerMonth.value)),
    p.flat(
      "alb.lcuHour",
      "Load balancer capacity units",
      "LCU-hours",
      map(lcu, (l) => l * a.hoursPerMonth.value),
      "processed bytes: 1 GB an hour per LCU",
    ),
  ];
};

/** GB a month of the API's and workers' logs in a region (they reach CloudWatch through the logs endpoint). */
function taskLogGb(ctx: PricingContext, region: string): ByScenario {
  const t = ctx.traffic(region);
  const api = gbOf(ctx, t.requests, ctx.a.apiLogBytesPerRequest.value);
  const worker = gbOf(ctx, t.submissions, ctx.a.workerLogBytesPerSubmission.value);
  return { min: api.min + worker.min, target: api.target + worker.target, max: api.max + worker.max };
}

const vpcEndpoint: Pricer = (r, ctx, p) => {
  if (r.attrs.vpc_endpoint_type !== "Interface") {
    return [
      {
        name: "Gateway endpoint (no charge)",
        unit: "endpoint",
        unitPrice: 0,
        quantity: same(1),
        monthly: same(0),
      },
    ];
  }
  const azs = list(r.attrs.subnet_ids).length || 1;
  const logs = String(r.attrs.service_name ?? "").endsWith(".logs");
  const gb = logs ? taskLogGb(ctx, p.region) : same(ctx.a.gbPerEndpointMonth.value);
  return [
    p.flat(
      "vpce.azHour",
      "Interface endpoint",
      "AZ-hours",
      same(azs * ctx.a.hoursPerMonth.value),
      `${azs} AZs`,
    ),
    p.flat("vpce.gb", "Data processed", "GB", gb, logs ? "the tasks' logs" : undefined),
  ];
};

const logGroup: Pricer = (r, ctx, p) => {
  const a = ctx.a;
  const name = String(r.attrs.name ?? "");
  const global = r.stack === ctx.manifest.global?.stack;
  const t = ctx.traffic(global ? undefined : p.region);
  let gb: ByScenario;
  let vended = false;
  let what: string;
  if (name.endsWith("/api")) {
    gb = gbOf(ctx, t.requests, a.apiLogBytesPerRequest.value);
    what = "API access lines";
  } else if (name.endsWith("/worker")) {
    gb = gbOf(ctx, t.submissions, a.workerLogBytesPerSubmission.value);
    what = "worker lines";
  } else if (name.startsWith("aws-waf-logs-")) {
    gb = gbOf(ctx, t.requests, a.wafLogBytesPerRequest.value);
    vended = true;
    what = "a WAF record per request";
  } else if (name.endsWith("/cloudfront")) {
    gb = gbOf(ctx, t.requests, a.cloudFrontLogBytesPerRequest.value);
    vended = true;
    what = "a CloudFront access record per request";
  } else if (name.endsWith("/vpc-flow-logs")) {
    gb = gbOf(ctx, t.requests, a.flowLogBytesPerRequest.value);
    vended = true;
    what = "VPC flow records";
  } else {
    gb = same(a.quietLogGroupGbPerMonth.value);
    what = "a quiet log group";
  }
  const retentionDays = num(r.attrs.retention_in_days) ?? 3650;
  const stored = map(gb, (g) => (g * a.logCompression.value * retentionDays) / 30.4);
  return [
    vended
      ? p.tiered("logs.vended.gb", "Log ingestion (vended)", gb, what)
      : p.flat("logs.ingest.gb", "Log ingestion", "GB", gb, what),
    p.flat(
      "logs.storage.gbMonth",
      "Log storage",
      "GB-months",
      stored,
      `${retentionDays} days kept, compressed`,
    ),
  ];
};

const metricAlarm: Pricer = (r, _ctx, p) => {
  const queries = list(r.attrs.metric_query).map(obj);
  const metrics = queries.length > 0 ? queries.filter((q) => q.metric !== undefined).length : 1;
  const periods = [num(r.attrs.period), ...queries.map((q) => num(obj(q.metric).period))].filter(
    (x) => x !== undefined,
  );
  const high = periods.some((x) => x! < 60);
  return [
    p.flat(
      high ? "cloudwatch.alarmHighResolution.month" : "cloudwatch.alarm.month",
      high ? "Alarm (high resolution)" : "Alarm",
      "alarm metrics",
      same(metrics),
    ),
  ];
};

const compositeAlarm: Pricer = (_r, _ctx, p) => [
  p.flat("cloudwatch.compositeAlarm.month", "Composite alarm", "alarms", same(1)),
];
const dashboard: Pricer = (_r, _ctx, p) => [
  p.flat("cloudwatch.dashboard.month", "Dashboard", "dashboards", same(1)),
];
const kmsKey: Pricer = (_r, _ctx, p) => [p.flat("kms.key.month", "Customer managed key", "keys", same(1))];

const secret: Pricer = (r, _ctx, p) => {
  const replicas = list(r.attrs.replica).length;
  return [
    p.flat(
      "secretsmanager.secret.month",
      "Secret",
      "secrets",
      same(1 + replicas),
      replicas ? `1 + ${replicas} replicas` : undefined,
    ),
  ];
};

const bucket: Pricer = (r, ctx, p) => {
  const name = String(r.attrs.bucket ?? "");
  if (!name.endsWith("-alb-logs")) {
    return [
      p.flat(
        "s3.standard.gbMonth",
        "Storage (Standard)",
        "GB-months",
        same(ctx.a.quietBucketGb.value),
        "a bucket whose size does not follow requests",
      ),
    ];
  }
  const lifecycle = ctx.all.find(
    (l) =>
      l.type === "aws_s3_bucket_lifecycle_configuration" &&
      l.stack === r.stack &&
      referenced(l.attrs.bucket) === r.address,
  );
  const days =
    list(lifecycle?.attrs.rule)
      .map(obj)
      .flatMap((rule) => list(rule.expiration).map((e) => num(obj(e).days)))
      .find((d) => d !== undefined) ?? 3650;
  const monthly = gbOf(ctx, ctx.traffic(p.region).requests, ctx.a.albLogBytesPerRequest.value);
  return [
    p.flat(
      "s3.standard.gbMonth",
      "Storage (Standard)",
      "GB-months",
      map(monthly, (g) => (g * days) / 30.4),
      `ALB access logs, ${days} days kept`,
    ),
  ];
};

const queue: Pricer = (r, ctx, p) => {
  if (String(r.attrs.name ?? "").endsWith("-dlq")) {
    return [p.flat("sqs.million", "Requests", "million requests", same(0), "dead letters only")];
  }
  const a = ctx.a;
  const sends = map(
    ctx.traffic(p.region).submissions,
    (s) => s * a.sqsRequestsPerSubmission.value * seconds(ctx),
  );
  const workers = ctx.units(p.region, "worker") ?? same(0);
  const idle = map(workers, (w) => w * a.idleReceivesPerWorkerHour.value * a.hoursPerMonth.value);
  return [
    p.flat(
      "sqs.million",
      "Requests",
      "million requests",
      {
        min: (sends.min + idle.min) / 1e6,
        target: (sends.target + idle.target) / 1e6,
        max: (sends.max + idle.max) / 1e6,
      },
      "send, receive and delete per submission; long polls of idle workers",
    ),
  ];
};

const webAcl: Pricer = (r, ctx, p) => {
  let rules = 0;
  try {
    rules = (JSON.parse(String(r.attrs.rule_json ?? "[]")) as unknown[]).length;
  } catch {
    rules = 0;
  }
  const global = r.stack === ctx.manifest.global?.stack;
  const requests = ctx.traffic(global ? undefined : p.region).requests;
  return [
    p.flat("waf.webAcl.month", "Web ACL", "web ACLs", same(1)),
    p.flat("waf.rule.month", "Rules", "rules", same(rules)),
    p.flat(
      "waf.million",
      "Requests inspected",
      "million requests",
      map(requests, (x) => (x * seconds(ctx)) / 1e6),
    ),
  ];
};

const healthCheck: Pricer = (r, _ctx, p) => {
  const a = r.attrs;
  const features = [
    a.type === "HTTPS" && "HTTPS",
    num(a.request_interval) === 10 && "fast interval",
    a.measure_latency === true && "latency",
    a.search_string !== undefined && "string match",
  ].filter((x): x is string => typeof x === "string");
  const parts = [
    p.flat("route53.healthCheck.month", `Health check (${String(a.type ?? "")})`, "health checks", same(1)),
  ];
  if (features.length > 0) {
    parts.push(
      p.flat(
        "route53.healthCheckFeature.month",
        "Optional features",
        "features",
        same(features.length),
        features.join(", "),
      ),
    );
  }
  return parts;
};

const distribution: Pricer = (_r, ctx, p) => {
  const requests = ctx.traffic(undefined).requests;
  return [
    p.flat(
      "cloudfront.https.10k",
      "HTTPS requests",
      "10k requests",
      map(requests, (x) => (x * seconds(ctx)) / 1e4),
      "viewers in North America and Europe",
    ),
    p.tiered(
      "cloudfront.transfer.gb",
      "Data transfer out",
      gbOf(ctx, requests, ctx.a.responseBytes.value),
      `${ctx.a.responseBytes.value} bytes per response`,
    ),
  ];
};

/** The region's database the backup plan protects: its writer (or the replica in a DR region). */
function protectedStorage(ctx: PricingContext, r: SynthResource): number {
  const dbs = ctx.all.filter((x) => x.type === "aws_db_instance" && x.stack === r.stack);
  const writer =
    dbs.find((x) => num(x.attrs.allocated_storage) !== undefined && !x.attrs.replicate_source_db) ?? dbs[0];
  return (
    num(writer?.attrs.allocated_storage) ??
    (writer ? (num(replicaSource(writer, ctx)?.attrs.allocated_storage) ?? 0) : 0)
  );
}

const backupPlan: Pricer = (r, ctx, p) => {
  const a = ctx.a;
  const storage = protectedStorage(ctx, r);
  const kept = storage * a.backupStorageFactor.value;
  const destinations = new Set(
    list(r.attrs.rule)
      .map(obj)
      .flatMap((rule) =>
        list(rule.copy_action).map((c) => regionOfArn(String(obj(c).destination_vault_arn ?? ""))),
      )
      .filter((x): x is string => x !== undefined && x !== p.region),
  );
  const parts = [
    p.flat(
      "backup.warm.gbMonth",
      "Backup storage (RDS snapshots)",
      "GB-months",
      same(kept),
      `${storage} GB × ${a.backupStorageFactor.value}`,
    ),
  ];
  for (const to of destinations) {
    parts.push(
      p.in(to).flat("backup.warm.gbMonth", `Copies in ${to}`, "GB-months", same(kept)),
      p.flat(
        "transfer.interRegion.gb",
        `Copy transfer to ${to}`,
        "GB",
        same((storage * a.backupDailyChangePercent.value * 30) / 100),
        `${a.backupDailyChangePercent.value} % of ${storage} GB a day`,
      ),
    );
  }
  return parts;
};

const ecrRepository: Pricer = (_r, ctx, p) => [
  p.flat(
    "ecr.storage.gbMonth",
    "Image storage",
    "GB-months",
    same(ctx.a.imagesKept.value * ctx.a.imageGb.value),
    `${ctx.a.imagesKept.value} images × ${ctx.a.imageGb.value} GB`,
  ),
];

const ecrReplication: Pricer = (r, ctx, p) => {
  const a = ctx.a;
  const destinations = list(obj(r.attrs.replication_configuration).rule)
    .map(obj)
    .flatMap((rule) => list(rule.destination).map((d) => String(obj(d).region ?? "")))
    .filter((x) => x && x !== p.region);
  return destinations.flatMap((to) => [
    p
      .in(to)
      .flat(
        "ecr.storage.gbMonth",
        `Replica storage in ${to}`,
        "GB-months",
        same(a.imagesKept.value * a.imageGb.value),
      ),
    p.flat(
      "transfer.interRegion.gb",
      `Replication transfer to ${to}`,
      "GB",
      same(a.deploysPerMonth.value * a.imageGb.value),
      `${a.deploysPerMonth.value} deploys a month`,
    ),
  ]);
};

const eksCluster: Pricer = (_r, ctx, p) => [
  p.flat("eks.cluster.hour", "EKS control plane", "hours", same(ctx.a.hoursPerMonth.value)),
];

const nodeGroup: Pricer = (r, ctx, p) => {
  const type = String(list(r.attrs.instance_types)[0] ?? "");
  const nodes = ctx.units(p.region, "nodes") ?? same(num(obj(r.attrs.scaling_config).desired_size) ?? 1);
  const hours = map(nodes, (n) => n * ctx.a.hoursPerMonth.value);
  const template = byAddress(ctx, r.stack, referenced(obj(r.attrs.launch_template).id));
  const volume =
    list(template?.attrs.block_device_mappings)
      .map((m) => num(obj(obj(m).ebs).volume_size))
      .find((v) => v !== undefined) ?? 20;
  return [
    p.instance("ec2", type, `Nodes (on-demand, ${type})`, hours, 1, `${counts(nodes)} nodes`),
    p.flat(
      "ebs.gp3.gbMonth",
      "Root volumes (gp3)",
      "GB-months",
      map(nodes, (n) => n * volume),
      `${volume} GB × ${counts(nodes)} nodes`,
    ),
  ];
};

/** Fargate's sizes for a pod: the request rounded up to a vCPU size, plus 256 MiB for Kubernetes' agents. */
function fargatePodSize(vcpu: number, memoryGb: number): { vcpu: number; gb: number } {
  const size = [0.25, 0.5, 1, 2, 4, 8, 16].find((s) => s >= vcpu) ?? 16;
  return { vcpu: size, gb: Math.ceil((memoryGb + 0.25) * 2) / 2 };
}

const deployment: Pricer = (r, ctx, p) => {
  const onFargate = ctx.all.some((x) => x.type === "aws_eks_fargate_profile" && regionOf(x) === p.region);
  if (!onFargate) {
    return [
      {
        name: "Pods (run on the node group, priced there)",
        unit: "pods",
        unitPrice: 0,
        quantity: same(0),
        monthly: same(0),
      },
    ];
  }
  const spec = obj(obj(obj(r.attrs.spec).template).spec);
  const requests = obj(obj(obj(list(spec.container)[0]).resources).requests);
  const vcpu = kubernetesCpu(requests.cpu) ?? 0.25;
  const gb = (kubernetesMemoryMiB(requests.memory) ?? 512) / 1024;
  const size = fargatePodSize(vcpu, gb);
  const tier = tierOf(ctx, p.region, obj(r.attrs.metadata).name);
  const pods = (tier && ctx.units(p.region, tier)) ?? same(num(spec.replicas) ?? 1);
  const hours = map(pods, (n) => n * ctx.a.hoursPerMonth.value);
  const detail = `${counts(pods)} pods on Fargate`;
  return [
    p.flat(
      "fargate.vcpuHour",
      "Fargate vCPU",
      "vCPU-hours",
      map(hours, (h) => h * size.vcpu),
      `${size.vcpu} vCPU × ${detail}`,
    ),
    p.flat(
      "fargate.gbHour",
      "Fargate memory",
      "GB-hours",
      map(hours, (h) => h * size.gb),
      `${size.gb} GB × ${detail}`,
    ),
  ];
};

/** Every priced type and its pricer. A type must be here or in prices.json's `notPriced`. */
export const PRICERS: Readonly<Record<string, Pricer>> = {
  aws_ecs_service: fargate,
  aws_db_instance: dbInstance,
  aws_db_instance_automated_backups_replication: automatedBackupsReplication,
  aws_db_proxy: dbProxy,
  aws_elasticache_replication_group: cacheGroup,
  aws_nat_gateway: natGateway,
  aws_eip: eip,
  aws_lb: loadBalancer,
  aws_vpc_endpoint: vpcEndpoint,
  aws_cloudwatch_log_group: logGroup,
  aws_cloudwatch_metric_alarm: metricAlarm,
  aws_cloudwatch_composite_alarm: compositeAlarm,
  aws_cloudwatch_dashboard: dashboard,
  aws_kms_key: kmsKey,
  aws_secretsmanager_secret: secret,
  aws_s3_bucket: bucket,
  aws_sqs_queue: queue,
  aws_wafv2_web_acl: webAcl,
  aws_route53_health_check: healthCheck,
  aws_cloudfront_distribution: distribution,
  aws_backup_plan: backupPlan,
  aws_ecr_repository: ecrRepository,
  aws_ecr_replication_configuration: ecrReplication,
  aws_eks_cluster: eksCluster,
  aws_eks_node_group: nodeGroup,
  kubernetes_deployment_v1: deployment,
};

/** Where each priced type's cost is summed, beside the product's own estimate. */
export const SERVICE_OF: Readonly<Record<string, string>> = {
  aws_ecs_service: "Compute (ECS/EKS)",
  aws_eks_cluster: "Compute (ECS/EKS)",
  aws_eks_node_group: "Compute (ECS/EKS)",
  kubernetes_deployment_v1: "Compute (ECS/EKS)",
  aws_db_instance: "RDS",
  aws_db_proxy: "RDS",
  aws_db_instance_automated_backups_replication: "RDS",
  aws_elasticache_replication_group: "ElastiCache",
  aws_cloudfront_distribution: "CloudFront",
  aws_s3_bucket: "S3",
  aws_wafv2_web_acl: "WAF",
  aws_cloudwatch_log_group: "CloudWatch",
  aws_cloudwatch_metric_alarm: "CloudWatch",
  aws_cloudwatch_composite_alarm: "CloudWatch",
  aws_cloudwatch_dashboard: "CloudWatch",
  aws_nat_gateway: "Network (NAT, ALB, endpoints, IPv4)",
  aws_eip: "Network (NAT, ALB, endpoints, IPv4)",
  aws_lb: "Network (NAT, ALB, endpoints, IPv4)",
  aws_vpc_endpoint: "Network (NAT, ALB, endpoints, IPv4)",
  aws_backup_plan: "Backup",
  aws_kms_key: "KMS, Secrets Manager, SQS, Route 53, ECR",
  aws_secretsmanager_secret: "KMS, Secrets Manager, SQS, Route 53, ECR",
  aws_sqs_queue: "KMS, Secrets Manager, SQS, Route 53, ECR",
  aws_route53_health_check: "KMS, Secrets Manager, SQS, Route 53, ECR",
  aws_ecr_repository: "KMS, Secrets Manager, SQS, Route 53, ECR",
  aws_ecr_replication_configuration: "KMS, Secrets Manager, SQS, Route 53, ECR",
};

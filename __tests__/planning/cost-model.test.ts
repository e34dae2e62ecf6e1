import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { capacityInputs } from "../../planning/capacity/inputs";
import { COST_ASSUMPTIONS } from "../../planning/cost/assumptions";
import { estimateCost, type CostReport, type ResourceCost } from "../../planning/cost/estimate";
import {
  instanceHourly,
  parsePriceTable,
  PRICE_TABLE_PATH,
  PriceTableError,
  readPriceTable,
  tieredCost,
} from "../../planning/cost/price-table";
import { PRICERS, pricesFor, same, type PricingContext } from "../../planning/cost/pricers";
import { renderCost } from "../../planning/cost/render";
import { DEFAULT_PROFILE_PATH, readProfile } from "../../planning/profile";
import { loadResources, resolveTargets } from "../../planning/sources";
import type { SynthResource } from "../../planning/terraform";
import { tmpDir } from "../cli/helpers";
import { synthesizeInto, withQueue } from "./synth";

const table = readPriceTable();
const profile = readProfile(DEFAULT_PROFILE_PATH).profile;
const HOURS = 730;
const SECONDS = HOURS * 3600;

// Small synthesized stacks: staging (one region) on ECS and on EKS Fargate, and production on ECS.
const synth = synthesizeInto([
  withQueue("staging", "ecs", "staging"),
  withQueue("staging", "eks", "stag-ekf", (e) => (e.eks = { capacity: "fargate" })),
  withQueue("production", "ecs", "production"),
]);

function estimate(env: string, assumptions = COST_ASSUMPTIONS): CostReport {
  const manifest = synth.manifest(env);
  const resources = loadResources(manifest, synth.stacksDir);
  return estimateCost({
    manifest,
    resources,
    capacityInputs: capacityInputs(manifest, resources),
    targets: resolveTargets(manifest, {}).targets,
    profile,
    table,
    tablePath: PRICE_TABLE_PATH,
    assumptions,
  });
}

function resource(
  report: CostReport,
  type: string,
  match: (r: ResourceCost) => boolean = () => true,
): ResourceCost {
  const found = report.stacks.flatMap((s) => s.resources).filter((r) => r.type === type && match(r));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}
const component = (r: ResourceCost, name: string) => {
  const found = r.components.find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no component ${name} on ${r.address}`);
  return found;
};

describe("cost per resource type: staging on ECS (1,000 users, 5,000 requests/s, 500 submissions/min)", () => {
  const report = estimate("staging");
  // Target traffic averages 30 % of the target: 1,500 requests/s and 2.5 submissions/s.
  const requests = 5000 * 0.3;

  it("Fargate: vCPU and GB-hours at min and max tasks, and where autoscaling puts them", () => {
    const api = resource(report, "aws_ecs_service", (r) => r.address.includes("api_service"));
    // 0.5 vCPU, 1 GB tasks; 1 at min, 4 at max; the request-count policy runs 4 for 1,500 requests/s.
    expect(component(api, "Fargate vCPU").monthly.min).toBeCloseTo(1 * 0.5 * HOURS * 0.04048, 6);
    expect(component(api, "Fargate vCPU").monthly.max).toBeCloseTo(4 * 0.5 * HOURS * 0.04048, 6);
    expect(component(api, "Fargate vCPU").monthly.target).toBeCloseTo(4 * 0.5 * HOURS * 0.04048, 6);
    expect(component(api, "Fargate memory").monthly.min).toBeCloseTo(1 * 1 * HOURS * 0.004445, 6);
    const worker = resource(report, "aws_ecs_service", (r) => r.address.includes("worker_service"));
    expect(worker.monthly.min).toBeCloseTo(HOURS * (0.5 * 0.04048 + 1 * 0.004445), 2);
  });

  it("RDS: instance hours by class, gp3 storage, the proxy by the database's vCPUs", () => {
    const db = resource(report, "aws_db_instance");
    expect(component(db, "Database instance").monthly.min).toBeCloseTo(0.065 * HOURS, 6);
    expect(component(db, "Storage").monthly.min).toBeCloseTo(20 * 0.115, 6);
    expect(resource(report, "aws_db_proxy").monthly.min).toBeCloseTo(2 * HOURS * 0.015, 2);
  });

  it("ElastiCache: node-hours of every node", () => {
    expect(resource(report, "aws_elasticache_replication_group").monthly.min).toBeCloseTo(0.032 * HOURS, 2);
  });

  it("network: NAT hours and data, public IPv4, ALB hours and LCUs at the target, interface endpoints per AZ", () => {
    const nat = resource(report, "aws_nat_gateway");
    expect(component(nat, "NAT gateway").monthly.min).toBeCloseTo(0.045 * HOURS, 6);
    // 2.5 submissions/s × 6 KiB through the one NAT gateway.
    expect(component(nat, "Data processed").quantity.target).toBeCloseTo((2.5 * 6144 * SECONDS) / 1e9, 1);
    expect(resource(report, "aws_eip").monthly.min).toBeCloseTo(0.005 * HOURS, 6);
    const alb = resource(report, "aws_lb");
    const lcu = (requests * 3072 * 3600) / 1e9;
    expect(component(alb, "Load balancer capacity units").monthly.target).toBeCloseTo(lcu * HOURS * 0.008, 4);
    expect(component(alb, "Load balancer capacity units").monthly.min).toBe(0);
    const ecr = resource(report, "aws_vpc_endpoint", (r) => r.address.includes("ecr-api"));
    expect(component(ecr, "Interface endpoint").monthly.min).toBeCloseTo(2 * HOURS * 0.01, 6);
    const s3 = resource(report, "aws_vpc_endpoint", (r) => r.address.includes("s3-endpoint"));
    expect(s3.monthly).toEqual(same(0));
  });

  it("CloudFront: HTTPS requests and tiered transfer out; WAF by ACL, rule and request", () => {
    const cdn = resource(report, "aws_cloudfront_distribution");
    expect(component(cdn, "HTTPS requests").monthly.target).toBeCloseTo(
      ((requests * SECONDS) / 1e4) * 0.01,
      4,
    );
    const gb = (requests * 2048 * SECONDS) / 1e9;
    expect(gb).toBeLessThan(10240);
    expect(component(cdn, "Data transfer out").monthly.target).toBeCloseTo(gb * 0.085, 4);
    const acl = resource(report, "aws_wafv2_web_acl", (r) => r.address.startsWith("aws_wafv2_web_acl.cdn"));
    expect(acl.monthly.min).toBe(5 + 4 * 1);
    expect(component(acl, "Requests inspected").monthly.target).toBeCloseTo(
      ((requests * SECONDS) / 1e6) * 0.6,
      4,
    );
  });

  it("CloudWatch: log ingestion by what each group logs, storage by retention, alarms, dashboards", () => {
    const api = resource(report, "aws_cloudwatch_log_group", (r) =>
      r.address.startsWith("aws_cloudwatch_log_group.api_logs"),
    );
    const gb = (requests * 220 * SECONDS) / 1e9;
    expect(component(api, "Log ingestion").monthly.target).toBeCloseTo(gb * 0.5, 4);
    expect(component(api, "Log storage").quantity.target).toBeCloseTo((gb * 0.15 * 30) / 30.4, 0);
    const alarms = report.stacks
      .flatMap((s) => s.resources)
      .filter((r) => r.type === "aws_cloudwatch_metric_alarm");
    expect(alarms.every((a) => a.monthly.min >= 0.1)).toBe(true);
    expect(resource(report, "aws_cloudwatch_dashboard").monthly.min).toBe(3);
    expect(resource(report, "aws_cloudwatch_composite_alarm").monthly.min).toBe(0.5);
  });

  it("SQS: requests per submission plus idle long polls; the dead-letter queue costs nothing", () => {
    const queue = resource(report, "aws_sqs_queue", (r) => r.address.includes("submissions_queue"));
    // At min no submissions: one worker's long polls, 180 an hour.
    expect(component(queue, "Requests").quantity.min).toBeCloseTo((180 * HOURS) / 1e6, 2);
    expect(resource(report, "aws_sqs_queue", (r) => r.address.includes("dead-letters")).monthly).toEqual(
      same(0),
    );
  });

  it("KMS keys, secrets, the backup plan and the ALB's log bucket", () => {
    expect(
      report.stacks
        .flatMap((s) => s.resources)
        .filter((r) => r.type === "aws_kms_key")
        .every((k) => k.monthly.min === 1),
    ).toBe(true);
    const secret = report.stacks
      .flatMap((s) => s.resources)
      .find((r) => r.type === "aws_secretsmanager_secret")!;
    expect(secret.monthly.min).toBe(0.4);
    // Staging's plan copies nowhere: 20 GB × 1.5 of snapshots.
    expect(resource(report, "aws_backup_plan").monthly.min).toBeCloseTo(20 * 1.5 * 0.095, 6);
    const logs = resource(report, "aws_s3_bucket", (r) => r.address.includes("access-logs"));
    expect(component(logs, "Storage").quantity.target).toBeCloseTo(
      ((requests * 60 * SECONDS) / 1e9) * (90 / 30.4),
      0,
    );
  });

  it("sums resources into stacks, services and the total, and per 1,000 users", () => {
    const total = report.stacks.reduce((t, s) => t + s.monthly.target, 0);
    expect(report.total.target).toBeCloseTo(total, 1);
    expect(report.services.reduce((t, s) => t + s.monthly.target, 0)).toBeCloseTo(total, 1);
    expect(report.perThousandUsers).toBeCloseTo(report.total.target, 1); // 1,000 users
    expect(report.comparison.at(-1)).toMatchObject({
      line: "Total",
      productMonthly: 6000,
      productPerThousandUsers: 6,
    });
    expect(report.missing).toEqual([]);
  });
});

describe("cost per resource type: EKS on Fargate and production's multi-region resources", () => {
  it("EKS: the control plane, and pods on Fargate by their request rounded up to a Fargate size", () => {
    const report = estimate("stag-ekf");
    expect(resource(report, "aws_eks_cluster").monthly.min).toBeCloseTo(0.1 * HOURS, 6);
    const api = resource(report, "kubernetes_deployment_v1", (r) => r.address.includes("api_deployment"));
    // 500m CPU and 512 MiB requested: 0.5 vCPU and 1 GB on Fargate (512 MiB + 256 MiB rounded up); 10 to 100 pods.
    expect(component(api, "Fargate vCPU").monthly.min).toBeCloseTo(10 * 0.5 * HOURS * 0.04048, 4);
    expect(component(api, "Fargate memory").monthly.max).toBeCloseTo(100 * 1 * HOURS * 0.004445, 4);
  });

  it("EKS on nodes: instance-hours and root volumes between the node group's min and max", () => {
    const synthNodes = synthesizeInto([withQueue("staging", "eks", "stag-eks")]);
    const manifest = synthNodes.manifest("stag-eks");
    const resources = loadResources(manifest, synthNodes.stacksDir);
    const report = estimateCost({
      manifest,
      resources,
      capacityInputs: capacityInputs(manifest, resources),
      targets: resolveTargets(manifest, {}).targets,
      profile,
      table,
      tablePath: PRICE_TABLE_PATH,
    });
    const nodes = resource(report, "aws_eks_node_group");
    // m6i.xlarge = 2 × m6i.large's $0.096; 3 to 30 nodes; 50 GB gp3 each.
    expect(component(nodes, "Nodes").monthly.min).toBeCloseTo(3 * 0.192 * HOURS, 4);
    expect(component(nodes, "Nodes").monthly.max).toBeCloseTo(30 * 0.192 * HOURS, 4);
    expect(component(nodes, "Root volumes").monthly.min).toBeCloseTo(3 * 50 * 0.08, 4);
    expect(resource(report, "kubernetes_deployment_v1", (r) => r.address.includes("api")).monthly).toEqual(
      same(0),
    );
  });

  const report = estimate("production");
  const inRegion = (region: string) => (r: ResourceCost) => r.region === region;

  it("RDS Multi-AZ at twice Single-AZ; a cross-region replica's WAL sent from the primary's region", () => {
    const writer = resource(report, "aws_db_instance", (r) => r.address.includes("writer"));
    expect(component(writer, "Database instance (on-demand, Multi-AZ").monthly.min).toBeCloseTo(
      2 * 0.239 * HOURS,
      4,
    );
    expect(component(writer, "Storage (gp3, Multi-AZ)").monthly.min).toBeCloseTo(2 * 100 * 0.115, 4);
    const replica = resource(report, "aws_db_instance", (r) => r.region === "ap-south-1");
    const wal = component(replica, "Cross-region replication");
    // 50,000 submissions/min averaged at 30 %: 250/s × 4 KiB; priced at us-east-1's $0.02/GB.
    expect(wal.quantity.target).toBeCloseTo((250 * 4096 * SECONDS) / 1e9, 0);
    expect(wal.monthly.target).toBeCloseTo(((250 * 4096 * SECONDS) / 1e9) * 0.02, 2);
    expect(wal.monthly.min).toBe(0);
  });

  it("ElastiCache in eu-west-1 at its own price; the Global Datastore's replication on the primary", () => {
    const dr = resource(report, "aws_elasticache_replication_group", inRegion("eu-west-1"));
    expect(dr.monthly.min).toBeCloseTo(3 * 0.243 * HOURS, 2);
    const primary = resource(report, "aws_elasticache_replication_group", inRegion("us-east-1"));
    expect(component(primary, "Global Datastore replication").detail).toContain("× 2 secondary regions");
  });

  it("secrets with replicas, health checks with their optional features, backups copied to the first DR region", () => {
    const jwt = resource(report, "aws_secretsmanager_secret", (r) => r.address.includes("jwt"));
    expect(jwt.monthly.min).toBeCloseTo(3 * 0.4, 6);
    const https = report.stacks
      .flatMap((s) => s.resources)
      .find(
        (r) =>
          r.type === "aws_route53_health_check" &&
          r.components.some((c) => c.detail === "HTTPS, fast interval, latency"),
      )!;
    expect(https.monthly.min).toBeCloseTo(0.5 + 3 * 1, 6);
    const plan = resource(report, "aws_backup_plan");
    expect(component(plan, "Copies in eu-west-1").monthly.min).toBeCloseTo(100 * 1.5 * 0.095, 6);
    expect(component(plan, "Copy transfer to eu-west-1").monthly.min).toBeCloseTo(100 * 0.02 * 30 * 0.02, 6);
  });

  it("DR regions idle at the target: their tasks at the minimum, no traffic", () => {
    const drApi = resource(
      report,
      "aws_ecs_service",
      (r) => r.region === "eu-west-1" && r.address.includes("api"),
    );
    expect(drApi.monthly.target).toBe(drApi.monthly.min);
    const drAlb = resource(report, "aws_lb", inRegion("eu-west-1"));
    expect(component(drAlb, "Load balancer capacity units").monthly.target).toBe(0);
  });

  it("text: Infracost-style components per resource, stack totals, services beside the product's estimate", () => {
    const text = renderCost(report, "profile line").join("\n");
    expect(text).toContain("skyline production: monthly cost ESTIMATE in USD");
    expect(text).toMatch(/^ aws_db_instance\.data_database_writer_\w+$/m);
    expect(text).toMatch(
      /^ {2}├─ Database instance \(on-demand, Multi-AZ, db\.r7g\.large\) +730 +hours +\$348\.94 +\$348\.94 +\$348\.94$/m,
    );
    expect(text).toMatch(/^ ECS +\$3,000\.00 +\$3\.00 +\$[\d,.]+$/m);
    expect(text).toContain("Not priced: ");
    expect(text.split("\n").at(-1)).toMatch(/^estimate: \$[\d,.]+ a month at minimum capacity/);
  });
});

describe("pricers on hand-made resources", () => {
  const ctx = (all: SynthResource[]): PricingContext => ({
    table,
    a: COST_ASSUMPTIONS,
    all,
    manifest: { regions: {}, global: undefined } as any,
    units: () => undefined,
    traffic: () => ({ requests: same(0), submissions: same(0) }),
  });
  const res = (type: string, attrs: Record<string, unknown>, region = "us-east-1"): SynthResource => ({
    stack: "s",
    type,
    key: "k",
    address: `${type}.k`,
    region,
    stackRegion: region,
    attrs,
  });

  it("Valkey nodes at 80 % of Redis OSS; cluster mode counts every shard's nodes", () => {
    const r = res("aws_elasticache_replication_group", {
      node_type: "cache.r7g.large",
      engine: "valkey",
      num_node_groups: 2,
      replicas_per_node_group: 1,
    });
    const [nodes] = PRICERS.aws_elasticache_replication_group(r, ctx([r]), pricesFor(ctx([r]), "us-east-1"));
    expect(nodes.monthly.min).toBeCloseTo(4 * 0.219 * 0.8 * HOURS, 4);
  });

  it("a size not listed is priced from its family's large; an unknown class is missing, with why", () => {
    expect(instanceHourly(table, "us-east-1", "rds", "db.r7g.4xlarge")).toBeCloseTo(0.239 * 8, 6);
    expect(instanceHourly(table, "us-east-1", "rds", "db.x2g.large")).toBeUndefined();
    const r = res("aws_db_instance", { instance_class: "db.x2g.large", allocated_storage: 10 });
    const [instance] = PRICERS.aws_db_instance(r, ctx([r]), pricesFor(ctx([r]), "us-east-1"));
    expect(instance).toMatchObject({
      monthly: same(0),
      missing: "no rds price for db.x2g.large in us-east-1 in the price table",
    });
  });

  it("a region not in the table leaves every component missing, naming the price", () => {
    const r = res("aws_kms_key", {}, "sa-east-1");
    const [key] = PRICERS.aws_kms_key(r, ctx([r]), pricesFor(ctx([r]), "sa-east-1"));
    expect(key.missing).toBe("no price for kms.key.month in sa-east-1 in the price table");
  });

  it("a high-resolution alarm at the high-resolution price, per metric of a metric-math alarm", () => {
    const r = res("aws_cloudwatch_metric_alarm", {
      metric_query: [
        { id: "e", expression: "a+b" },
        { id: "a", metric: { period: 10 } },
        { id: "b", metric: { period: 10 } },
      ],
    });
    const [alarm] = PRICERS.aws_cloudwatch_metric_alarm(r, ctx([r]), pricesFor(ctx([r]), "us-east-1"));
    expect(alarm).toMatchObject({ name: "Alarm (high resolution)", monthly: same(2 * 0.3) });
  });

  it("tiers: each rate applies to the GB inside its tier", () => {
    const cf = table.global.tiers["cloudfront.transfer.gb"];
    expect(tieredCost(cf, 100)).toBeCloseTo(8.5, 6);
    expect(tieredCost(cf, 20_000)).toBeCloseTo(10_240 * 0.085 + 9_760 * 0.08, 6);
    expect(tieredCost(cf, 0)).toBe(0);
  });

  it("an unknown resource type is reported missing, so a new type cannot go unpriced silently", () => {
    const manifest = synth.manifest("staging");
    const resources = loadResources(manifest, synth.stacksDir);
    const extra = {
      ...resources[0],
      type: "aws_shiny_new_thing",
      key: "x",
      address: "aws_shiny_new_thing.x",
    };
    const report = estimateCost({
      manifest,
      resources: [...resources, extra],
      capacityInputs: capacityInputs(manifest, resources),
      targets: resolveTargets(manifest, {}).targets,
      profile,
      table,
      tablePath: PRICE_TABLE_PATH,
    });
    expect(report.missing).toEqual([
      {
        address: `${extra.stack}/aws_shiny_new_thing.x`,
        component: "(all)",
        why: "no pricer for aws_shiny_new_thing and not in notPriced",
      },
    ]);
    expect(renderCost(report, "p").join("\n")).toContain(
      "MISSING PRICES: the estimate leaves out 1 component:",
    );
  });
});

describe("price table validation", () => {
  const shipped = () => JSON.parse(JSON.stringify(table));
  const issues = (change: (t: any) => void): readonly string[] => {
    const t = shipped();
    change(t);
    try {
      parsePriceTable(t, "t.json");
    } catch (e) {
      if (e instanceof PriceTableError) return e.issues;
      throw e;
    }
    return [];
  };

  it("accepts the shipped table, with a source and a date per region", () => {
    for (const [region, r] of Object.entries(table.regions)) {
      expect({ region, recorded: r.recorded }).toEqual({
        region,
        recorded: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    }
    expect(Object.keys(table.regions)).toEqual(
      expect.arrayContaining(["us-east-1", "eu-west-1", "ap-south-1"]),
    );
    expect(Object.values(table.sources).every((s) => s.startsWith("https://aws.amazon.com/"))).toBe(true);
  });

  it("refuses a region that lacks a price the pricers use", () => {
    expect(issues((t) => delete t.regions["eu-west-1"].prices["nat.gb"])).toEqual([
      "regions.eu-west-1.prices.nat.gb: missing: the pricers need it",
    ]);
  });

  it("refuses a price whose source page is not listed, a bad date and tiers that do not rise", () => {
    expect(
      issues((t) => {
        t.regions["us-east-1"].prices["nat.hour"].source = "blog";
        t.regions["ap-south-1"].recorded = "last week";
        t.global.tiers["cloudfront.transfer.gb"].tiers[1].upToGb = 5;
      }),
    ).toEqual(
      expect.arrayContaining([
        'regions.us-east-1.prices.nat.hour.source: "blog" is not in sources',
        "regions.ap-south-1.recorded: must be a date such as 2026-12-04",
        "global.tiers.cloudfront.transfer.gb.tiers: tiers must rise",
      ]),
    );
  });

  it("refuses a not-priced type without a reason, and a zero or negative price", () => {
    expect(issues((t) => (t.notPriced.aws_vpc = ""))).toEqual([
      "notPriced.aws_vpc: give the reason it is not priced",
    ]);
    expect(issues((t) => (t.regions["us-east-1"].prices["alb.hour"].usd = 0))).toEqual([
      expect.stringMatching(/^regions\.us-east-1\.prices\.alb\.hour\.usd: /),
    ]);
  });

  it("a file that is not JSON is a PriceTableError naming it", () => {
    const path = join(tmpDir("skyline-prices-"), "prices.json");
    writeFileSync(path, "{");
    expect(() => readPriceTable(path)).toThrow(`Invalid price table ${path}:`);
  });
});

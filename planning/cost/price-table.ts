/**
 * The price table (prices.json): on-demand list prices by region with their source page and the date
 * they were recorded, and the resource types that are deliberately not priced, each with its reason.
 * `parsePriceTable` checks the file's shape and that every region has every price the pricers use.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod/v4";
import { instanceSize } from "../aws-facts";
// Imported (not only read by path) so the build copies it next to the compiled module.
import shipped from "./prices.json";

export const PRICE_TABLE_PATH = join(__dirname, "prices.json");

/** Prices every region must list: the per-region items the pricers (pricers.ts) read. */
export const REGION_PRICE_ITEMS = [
  "fargate.vcpuHour",
  "fargate.gbHour",
  "rds.gp3.gbMonth",
  "rds.backup.gbMonth",
  "rds.proxy.vcpuHour",
  "ebs.gp3.gbMonth",
  "eks.cluster.hour",
  "nat.hour",
  "nat.gb",
  "ipv4.hour",
  "alb.hour",
  "alb.lcuHour",
  "vpce.azHour",
  "vpce.gb",
  "logs.ingest.gb",
  "logs.storage.gbMonth",
  "cloudwatch.alarm.month",
  "cloudwatch.alarmHighResolution.month",
  "cloudwatch.compositeAlarm.month",
  "cloudwatch.dashboard.month",
  "kms.key.month",
  "secretsmanager.secret.month",
  "s3.standard.gbMonth",
  "sqs.million",
  "transfer.interRegion.gb",
  "backup.warm.gbMonth",
  "ecr.storage.gbMonth",
] as const;
export const REGION_TIER_ITEMS = ["logs.vended.gb"] as const;
export const GLOBAL_PRICE_ITEMS = [
  "route53.healthCheck.month",
  "route53.healthCheckFeature.month",
  "cloudfront.https.10k",
  "waf.webAcl.month",
  "waf.rule.month",
  "waf.million",
] as const;
export const GLOBAL_TIER_ITEMS = ["cloudfront.transfer.gb"] as const;
export const INSTANCE_SERVICES = ["rds", "elasticache", "ec2"] as const;

export type RegionItem = (typeof REGION_PRICE_ITEMS)[number];
export type RegionTierItem = (typeof REGION_TIER_ITEMS)[number];
export type GlobalItem = (typeof GLOBAL_PRICE_ITEMS)[number];
export type GlobalTierItem = (typeof GLOBAL_TIER_ITEMS)[number];
export type InstanceService = (typeof INSTANCE_SERVICES)[number];

const day = z.iso.date({ message: "must be a date such as 2026-12-04" });
const usd = z.number().positive();

const priceSchema = z.object({ usd, per: z.string().min(1), source: z.string().min(1) }).strict();
const tieredSchema = z
  .object({
    per: z.string().min(1),
    source: z.string().min(1),
    tiers: z
      .array(z.object({ upToGb: z.number().positive().optional(), usd }).strict())
      .min(1)
      .refine((tiers) => tiers.slice(0, -1).every((t) => t.upToGb !== undefined), {
        message: "every tier but the last needs upToGb",
      })
      .refine((tiers) => tiers.at(-1)?.upToGb === undefined, {
        message: "the last tier must be open (no upToGb)",
      })
      .refine(
        (tiers) =>
          tiers.every((t, i) => i === 0 || t.upToGb === undefined || t.upToGb > tiers[i - 1].upToGb!),
        { message: "tiers must rise" },
      ),
  })
  .strict();
const instancesSchema = z
  .object({ source: z.string().min(1), per: z.string().min(1), hourly: z.record(z.string(), usd) })
  .strict();

const requireKeys = (keys: readonly string[]) => (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
  for (const key of keys) {
    if (!(key in value))
      ctx.addIssue({ code: "custom", path: [key], message: "missing: the pricers need it" });
  }
};

export const priceTableSchema = z
  .object({
    schemaVersion: z.literal(1),
    currency: z.literal("USD"),
    kind: z.string().min(1),
    recorded: day,
    howRecorded: z.string().min(1),
    sources: z.record(z.string(), z.url({ protocol: /^https$/ })),
    rules: z
      .object({
        multiAzFactor: z.number().positive(),
        multiAzWhy: z.string().min(1),
        valkeyFactor: z.number().positive(),
        valkeyWhy: z.string().min(1),
        sizesWhy: z.string().min(1),
      })
      .strict(),
    global: z
      .object({
        recorded: day,
        prices: z.record(z.string(), priceSchema).superRefine(requireKeys(GLOBAL_PRICE_ITEMS)),
        tiers: z.record(z.string(), tieredSchema).superRefine(requireKeys(GLOBAL_TIER_ITEMS)),
      })
      .strict(),
    regions: z.record(
      z.string(),
      z
        .object({
          recorded: day,
          prices: z.record(z.string(), priceSchema).superRefine(requireKeys(REGION_PRICE_ITEMS)),
          tiers: z.record(z.string(), tieredSchema).superRefine(requireKeys(REGION_TIER_ITEMS)),
          instances: z
            .object({ rds: instancesSchema, elasticache: instancesSchema, ec2: instancesSchema })
            .strict(),
        })
        .strict(),
    ),
    notPriced: z.record(
      z.string().regex(/^[a-z0-9_]+$/, "must be a Terraform resource type"),
      z.string().min(10, "give the reason it is not priced"),
    ),
  })
  .strict()
  .superRefine((table, ctx) => {
    // Every price names a source page the table lists.
    const check = (source: string, path: (string | number)[]) => {
      if (!(source in table.sources)) {
        ctx.addIssue({ code: "custom", path: [...path, "source"], message: `"${source}" is not in sources` });
      }
    };
    for (const [name, p] of Object.entries(table.global.prices)) check(p.source, ["global", "prices", name]);
    for (const [name, p] of Object.entries(table.global.tiers)) check(p.source, ["global", "tiers", name]);
    for (const [region, r] of Object.entries(table.regions)) {
      for (const [name, p] of Object.entries(r.prices)) check(p.source, ["regions", region, "prices", name]);
      for (const [name, p] of Object.entries(r.tiers)) check(p.source, ["regions", region, "tiers", name]);
      for (const service of INSTANCE_SERVICES)
        check(r.instances[service].source, ["regions", region, "instances", service]);
    }
  });

export type PriceTable = z.infer<typeof priceTableSchema>;
export type Tiered = z.infer<typeof tieredSchema>;

export class PriceTableError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid price table ${source}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "PriceTableError";
  }
}

export function parsePriceTable(json: unknown, source: string): PriceTable {
  const result = priceTableSchema.safeParse(json);
  if (result.success) return result.data;
  throw new PriceTableError(
    source,
    result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
  );
}

/** The table at `path`, or the shipped one (planning/cost/prices.json) when no path is given. */
export function readPriceTable(path?: string): PriceTable {
  if (path === undefined) return parsePriceTable(shipped, PRICE_TABLE_PATH);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new PriceTableError(path, [(error as Error).message]);
  }
  return parsePriceTable(json, path);
}

/** Dollars for `gb` under a tiered price (each tier's rate applies to the GB inside it). */
export function tieredCost(tiered: Tiered, gb: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiered.tiers) {
    const to = tier.upToGb ?? Infinity;
    if (gb <= from) break;
    cost += (Math.min(gb, to) - from) * tier.usd;
    from = to;
  }
  return cost;
}

/**
 * Hourly on-demand price of an instance class (`db.r7g.large`, `cache.t4g.small`, `m6i.xlarge`) in a
 * region: the listed size, else the family's `large` scaled by vCPU (rules.sizesWhy); undefined when
 * the table cannot price it.
 */
export function instanceHourly(
  table: PriceTable,
  region: string,
  service: InstanceService,
  instanceClass: string,
): number | undefined {
  const listed = table.regions[region]?.instances[service].hourly;
  if (!listed) return undefined;
  const name = instanceClass.replace(/^(db|cache)\./, "");
  if (listed[name] !== undefined) return listed[name];
  const family = name.split(".")[0];
  const large = listed[`${family}.large`];
  const size = instanceSize(name);
  if (large === undefined || !size || family.startsWith("t")) return undefined;
  return Math.round(large * (size.vcpu / 2) * 100_000) / 100_000;
}

/**
 * The cost model: a monthly estimate of an environment from its synthesized resources, per resource
 * (Infracost-style components), per stack and per service, in three scenarios:
 *   min     every scalable tier at its configured minimum, no traffic: the floor of the bill;
 *   target  a month whose busy hour is the load target: traffic averages `averageLoadPercent` of
 *           the target on the primary region, its tiers where autoscaling puts them for that average
 *           (the capacity model run at it, within min and max), DR regions at their minimum;
 *   max     the ceiling: every scalable tier at its configured maximum, the target's traffic all month.
 * It is an estimate: on-demand list prices from the price table, and stated assumptions.
 */
import type { OpsManifest } from "../../manifest/schema";
import type { Assumption } from "../capacity/assumptions";
import type { EnvironmentInputs } from "../capacity/inputs";
import { planCapacity, type CapacityReport, type LoadTargets } from "../capacity/model";
import type { Profile } from "../profile";
import type { SynthResource } from "../terraform";
import { COST_ASSUMPTIONS, type CostAssumptions } from "./assumptions";
import type { PriceTable } from "./price-table";
import {
  PRICERS,
  pricesFor,
  regionOf,
  same,
  SERVICE_OF,
  type ByScenario,
  type Component,
  type PricingContext,
} from "./pricers";
import { PRODUCT_ESTIMATE } from "./product-estimate";

export interface ResourceCost {
  readonly stack: string;
  readonly region: string;
  readonly address: string;
  readonly type: string;
  readonly service: string;
  readonly components: readonly Component[];
  readonly monthly: ByScenario;
}

export interface StackCost {
  readonly stack: string;
  readonly regions: readonly string[];
  readonly resources: readonly ResourceCost[];
  readonly monthly: ByScenario;
}

export interface CostReport {
  readonly app: string;
  readonly environment: string;
  readonly estimate: true;
  readonly currency: "USD";
  readonly priceTable: {
    readonly path: string;
    readonly kind: string;
    readonly recorded: string;
    readonly howRecorded: string;
    /** Date recorded of each region the environment uses. */
    readonly regions: Readonly<Record<string, string | null>>;
  };
  readonly targets: LoadTargets;
  readonly scenarios: Readonly<Record<"min" | "target" | "max", string>>;
  readonly stacks: readonly StackCost[];
  /** Monthly cost by service, biggest at the target first. */
  readonly services: readonly { readonly service: string; readonly monthly: ByScenario }[];
  readonly total: ByScenario;
  /** The target's monthly cost per 1,000 concurrent users of the target. */
  readonly perThousandUsers: number;
  /** The product's own estimate beside skyline's at the target, per 1,000 users. */
  readonly comparison: readonly {
    readonly line: string;
    readonly productMonthly: number | null;
    readonly productPerThousandUsers: number | null;
    readonly skylinePerThousandUsers: number;
  }[];
  /** Resources with no charge of their own, by type, with the reason (prices.json `notPriced`). */
  readonly notPriced: readonly { readonly type: string; readonly count: number; readonly reason: string }[];
  /** Prices the table lacks: each leaves the estimate short by that component. */
  readonly missing: readonly { readonly address: string; readonly component: string; readonly why: string }[];
  readonly assumptions: readonly ({ readonly name: string } & Assumption)[];
}

export interface CostInputs {
  readonly manifest: OpsManifest;
  readonly resources: readonly SynthResource[];
  /** What the config allows (capacity/inputs.ts). */
  readonly capacityInputs: EnvironmentInputs;
  readonly targets: LoadTargets;
  readonly profile: Profile;
  readonly table: PriceTable;
  readonly tablePath: string;
  readonly assumptions?: CostAssumptions;
}

const add = (a: ByScenario, b: ByScenario): ByScenario => ({
  min: a.min + b.min,
  target: a.target + b.target,
  max: a.max + b.max,
});
const sum = (xs: readonly ByScenario[]) => xs.reduce(add, same(0));
const cents = (s: ByScenario): ByScenario => ({
  min: Math.round(s.min * 100) / 100,
  target: Math.round(s.target * 100) / 100,
  max: Math.round(s.max * 100) / 100,
});

function context(inputs: CostInputs, a: CostAssumptions, average: CapacityReport): PricingContext {
  const { manifest, capacityInputs, targets } = inputs;
  const share = a.averageLoadPercent.value / 100;
  const served = { requests: targets.requestsPerSecond, submissions: targets.submissionsPerMinute / 60 };
  const loaded = (x: number): ByScenario => ({ min: 0, target: x * share, max: x });
  return {
    table: inputs.table,
    a,
    all: inputs.resources,
    manifest,
    units(region, tier) {
      const r = capacityInputs.regions.find((x) => x.region === region);
      const scales = average.regions.find((x) => x.region === region)?.scalesTo;
      if (!r || !scales) return undefined;
      const primary = region === manifest.primaryRegion;
      if (tier === "nodes") {
        if (!r.nodes) return undefined;
        const at = primary ? (scales.nodes ?? r.nodes.minNodes) : r.nodes.minNodes;
        return { min: r.nodes.minNodes, target: at, max: r.nodes.maxNodes };
      }
      const t = tier === "api" ? r.api : r.worker;
      if (!t) return undefined;
      const at = primary ? ((tier === "api" ? scales.api : scales.worker) ?? t.minUnits) : t.minUnits;
      return { min: t.minUnits, target: at, max: t.maxUnits };
    },
    traffic(region) {
      // Active-passive: the primary (and the edge in front of it) carries the load; DR regions idle.
      const carries = region === undefined || region === manifest.primaryRegion;
      return {
        requests: loaded(carries ? served.requests : 0),
        submissions: loaded(carries ? served.submissions : 0),
      };
    },
  };
}

/** The estimate. Pure: everything it reads is in `inputs`. */
export function estimateCost(inputs: CostInputs): CostReport {
  const a = inputs.assumptions ?? COST_ASSUMPTIONS;
  const { manifest, table, targets } = inputs;
  // Where autoscaling puts each tier for the month's average load.
  const share = a.averageLoadPercent.value / 100;
  const averageLoad = {
    ...targets,
    concurrentUsers: Math.max(1, Math.round(targets.concurrentUsers * share)),
    requestsPerSecond: Math.max(1, Math.round(targets.requestsPerSecond * share)),
    submissionsPerMinute: Math.round(targets.submissionsPerMinute * share),
  };
  const from = { concurrentUsers: "", requestsPerSecond: "", submissionsPerMinute: "", headroomPercent: "" };
  const average = planCapacity(inputs.capacityInputs, averageLoad, from, inputs.profile);
  const ctx = context(inputs, a, average);
  const costs: ResourceCost[] = [];
  const free = new Map<string, number>();
  const missing: CostReport["missing"][number][] = [];

  for (const r of inputs.resources) {
    if (table.notPriced[r.type] !== undefined) {
      free.set(r.type, (free.get(r.type) ?? 0) + 1);
      continue;
    }
    const pricer = PRICERS[r.type];
    const region = regionOf(r);
    let components: Component[];
    if (!pricer) {
      components = [];
      missing.push({
        address: `${r.stack}/${r.address}`,
        component: "(all)",
        why: `no pricer for ${r.type} and not in notPriced`,
      });
    } else {
      components = pricer(r, ctx, pricesFor(ctx, region));
      for (const c of components) {
        if (c.missing)
          missing.push({ address: `${r.stack}/${r.address}`, component: c.name, why: c.missing });
      }
    }
    costs.push({
      stack: r.stack,
      region,
      address: r.address,
      type: r.type,
      service: SERVICE_OF[r.type] ?? "Other",
      components,
      monthly: cents(sum(components.map((c) => c.monthly))),
    });
  }

  const stackNames = [...new Set(costs.map((c) => c.stack))].sort();
  const stacks = stackNames.map((stack) => {
    const resources = costs.filter((c) => c.stack === stack);
    return {
      stack,
      regions: [...new Set(resources.map((r) => r.region))].sort(),
      resources,
      monthly: cents(sum(resources.map((r) => r.monthly))),
    };
  });
  const serviceNames = [...new Set(costs.map((c) => c.service))];
  const services = serviceNames
    .map((service) => ({
      service,
      monthly: cents(sum(costs.filter((c) => c.service === service).map((c) => c.monthly))),
    }))
    .sort((x, y) => y.monthly.target - x.monthly.target);
  const total = cents(sum(costs.map((c) => c.monthly)));
  const perK = (usd: number) => Math.round((usd / targets.concurrentUsers) * 1000 * 100) / 100;

  const inProduct = new Set<string>(PRODUCT_ESTIMATE.lines.map((l) => l.service));
  const productPerK = (usd: number) => Math.round((usd / PRODUCT_ESTIMATE.users) * 1000 * 100) / 100;
  const comparison = [
    ...PRODUCT_ESTIMATE.lines.map((l) => ({
      line: l.line,
      productMonthly: l.monthly,
      productPerThousandUsers: productPerK(l.monthly),
      skylinePerThousandUsers: perK(services.find((s) => s.service === l.service)?.monthly.target ?? 0),
    })),
    {
      line: "Everything else (not in the product's table)",
      productMonthly: null,
      productPerThousandUsers: null,
      skylinePerThousandUsers: perK(
        services.filter((s) => !inProduct.has(s.service)).reduce((t, s) => t + s.monthly.target, 0),
      ),
    },
    {
      line: "Total",
      productMonthly: PRODUCT_ESTIMATE.monthly,
      productPerThousandUsers: productPerK(PRODUCT_ESTIMATE.monthly),
      skylinePerThousandUsers: perK(total.target),
    },
  ];

  const regions = Object.keys(manifest.regions);
  const n = (x: number) => x.toLocaleString("en-US");
  return {
    app: manifest.app,
    environment: manifest.environment,
    estimate: true,
    currency: "USD",
    priceTable: {
      path: inputs.tablePath,
      kind: table.kind,
      recorded: table.recorded,
      howRecorded: table.howRecorded,
      regions: Object.fromEntries(regions.map((r) => [r, table.regions[r]?.recorded ?? null])),
    },
    targets,
    scenarios: {
      min: "every scalable tier at its configured minimum, no traffic",
      target: `a month whose busy hour is the target (${n(targets.concurrentUsers)} users, ${n(targets.requestsPerSecond)} requests/s, ${n(targets.submissionsPerMinute)} submissions/min): traffic averages ${a.averageLoadPercent.value} % of it on ${manifest.primaryRegion}, tiers where autoscaling puts them for that average (within min and max), DR regions at their minimum`,
      max: "every scalable tier at its configured maximum and the target's traffic all month: the ceiling",
    },
    stacks,
    services,
    total,
    perThousandUsers: perK(total.target),
    comparison,
    notPriced: [...free]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([type, count]) => ({ type, count, reason: table.notPriced[type] })),
    missing,
    assumptions: Object.entries(a).map(([name, value]) => ({ name, ...value })),
  };
}

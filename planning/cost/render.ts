/**
 * The cost estimate as text, in Infracost's shape: per stack, each resource with its cost components
 * (monthly quantity at the target, unit, and the monthly cost in each scenario), stack totals, the
 * services beside the product's estimate, then what was not priced and why.
 */
import { columns, formatNumber, formatUsd } from "../text";
import type { CostReport, ResourceCost } from "./estimate";

/** Resources that cost under this much in every scenario are summed per type in the text (JSON lists each). */
export const SMALL_RESOURCE_USD = 5;

const HEADER = ["Name", "Monthly qty (target)", "Unit", "Min", "Target", "Max"];
const RIGHT = [1, 3, 4, 5];

function resourceRows(resource: ResourceCost): string[][] {
  const rows: string[][] = [[resource.address, "", "", "", "", ""]];
  resource.components.forEach((c, i) => {
    const branch = i === resource.components.length - 1 ? "└─" : "├─";
    const name = ` ${branch} ${c.name}${c.detail ? ` (${c.detail})` : ""}`;
    rows.push(
      c.missing
        ? [name, formatNumber(c.quantity.target, 2), c.unit, "not priced", "not priced", "not priced"]
        : [
            name,
            formatNumber(c.quantity.target, c.quantity.target < 10 ? 2 : 0),
            c.unit,
            formatUsd(c.monthly.min),
            formatUsd(c.monthly.target),
            formatUsd(c.monthly.max),
          ],
    );
  });
  return rows;
}

function smallRows(resources: readonly ResourceCost[]): string[][] {
  const byType = new Map<string, ResourceCost[]>();
  for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  return [...byType].map(([type, list]) => {
    const total = (k: "min" | "target" | "max") => list.reduce((t, r) => t + r.monthly[k], 0);
    return [
      `${type} (${list.length}, under ${formatUsd(SMALL_RESOURCE_USD)} each)`,
      "",
      "",
      formatUsd(total("min")),
      formatUsd(total("target")),
      formatUsd(total("max")),
    ];
  });
}

export function renderCost(report: CostReport, profileLine: string): string[] {
  const t = report.targets;
  const lines = [
    `${report.app} ${report.environment}: monthly cost ESTIMATE in USD (on-demand list prices; not a quote, not a bill)`,
    `prices: ${report.priceTable.path}, recorded ${report.priceTable.recorded} (${Object.entries(
      report.priceTable.regions,
    )
      .map(([region, day]) => `${region} ${day ?? "NOT IN THE TABLE"}`)
      .join(", ")}): ${report.priceTable.howRecorded}`,
    `profile (tasks at the target): ${profileLine}`,
    "scenarios:",
    `  min     ${report.scenarios.min}`,
    `  target  ${report.scenarios.target}`,
    `  max     ${report.scenarios.max}`,
  ];
  for (const stack of report.stacks) {
    const big = stack.resources.filter(
      (r) => Math.max(r.monthly.min, r.monthly.target, r.monthly.max) >= SMALL_RESOURCE_USD,
    );
    const small = stack.resources.filter((r) => !big.includes(r));
    const rows = [
      HEADER,
      ...big.flatMap(resourceRows),
      ...smallRows(small),
      [
        "Stack total",
        "",
        "",
        formatUsd(stack.monthly.min),
        formatUsd(stack.monthly.target),
        formatUsd(stack.monthly.max),
      ],
    ];
    lines.push(
      "",
      `${stack.stack} (${stack.regions.join(", ")})`,
      ...columns(rows, RIGHT).map((l) => ` ${l}`),
    );
  }

  lines.push("", "By service");
  lines.push(
    ...columns(
      [
        ["Service", "Min", "Target", "Max"],
        ...report.services.map((s) => [
          s.service,
          formatUsd(s.monthly.min),
          formatUsd(s.monthly.target),
          formatUsd(s.monthly.max),
        ]),
        ["Total", formatUsd(report.total.min), formatUsd(report.total.target), formatUsd(report.total.max)],
      ],
      [1, 2, 3],
    ).map((l) => ` ${l}`),
  );

  lines.push(
    "",
    `Per 1,000 users at the target (${formatNumber(t.concurrentUsers)} users): ${formatUsd(report.perThousandUsers)} a month, beside the product's estimate ($6,000 a month for 1,000,000 users)`,
  );
  lines.push(
    ...columns(
      [
        ["Line", "Product, a month", "Product per 1k users", "skyline per 1k users"],
        ...report.comparison.map((c) => [
          c.line,
          c.productMonthly === null ? "-" : formatUsd(c.productMonthly),
          c.productPerThousandUsers === null ? "-" : formatUsd(c.productPerThousandUsers),
          formatUsd(c.skylinePerThousandUsers),
        ]),
      ],
      [1, 2, 3],
    ).map((l) => ` ${l}`),
  );

  if (report.missing.length > 0) {
    lines.push(
      "",
      `MISSING PRICES: the estimate leaves out ${report.missing.length === 1 ? "1 component" : `${report.missing.length} components`}:`,
    );
    for (const m of report.missing) lines.push(`  - ${m.address} ${m.component}: ${m.why}`);
  }
  const free = report.notPriced.reduce((n, x) => n + x.count, 0);
  lines.push(
    "",
    `Not priced: ${free} resources of ${report.notPriced.length} types have no charge of their own (each type's reason is in ${report.priceTable.path} under notPriced; -o json lists them).`,
    "",
    "assumptions",
  );
  for (const a of report.assumptions)
    lines.push(`  ${a.name} = ${formatNumber(a.value, a.value % 1 ? 2 : 0)} ${a.unit}: ${a.why}`);
  lines.push(
    "",
    `estimate: ${formatUsd(report.total.min)} a month at minimum capacity, ${formatUsd(report.total.target)} at the target, ${formatUsd(report.total.max)} at the ceiling${report.missing.length ? " (incomplete: prices missing, above)" : ""}`,
  );
  return lines;
}

/** The capacity report as text: one table per region, the edge, the quotas, the assumptions, the verdict. */
import { columns, formatNumber } from "../text";
import type { CapacityReport, TierResult } from "./model";

const num = (x: number, unit: string) => formatNumber(x, unit === "vCPU" || unit === "GiB" ? 2 : 0);

function headroom(t: TierResult): string {
  if (t.headroomPercent === null) return "-";
  if (t.headroomPercent > 999) return ">999 %";
  return `${t.headroomPercent} %`;
}

function tierTable(tiers: readonly TierResult[]): string[] {
  const rows = [
    ["TIER", "TARGET", "PEAK", "ALLOWED", "UNIT", "HEADROOM", "", "LIMITED BY"],
    ...tiers.map((t) => [
      t.tier,
      num(t.neededAtTarget, t.unit),
      num(t.neededAtPeak, t.unit),
      num(t.allowed, t.unit),
      t.unit,
      headroom(t),
      t.ok ? "ok" : "SHORT",
      t.limitedBy,
    ]),
  ];
  const lines = columns(rows, [1, 2, 3, 5]).map((l) => `  ${l}`);
  for (const t of tiers.filter((x) => !x.ok)) {
    lines.push(`  ✗ ${t.tier}: ${t.fix} (need: ${t.basis})`);
  }
  return lines;
}

/** The report's text lines (no trailing newline on each). */
export function renderCapacity(report: CapacityReport, profileLine: string): string[] {
  const t = report.targets;
  const p = report.peak;
  const lines = [
    `${report.app} ${report.environment}: capacity for ${formatNumber(t.concurrentUsers)} users, ${formatNumber(t.requestsPerSecond)} requests/s, ${formatNumber(t.submissionsPerMinute)} submissions/min`,
    `peak (+${t.headroomPercent} %): ${formatNumber(p.concurrentUsers)} users, ${formatNumber(p.requestsPerSecond)} requests/s, ${formatNumber(p.submissionsPerMinute)} submissions/min`,
    `targets from: ${[...new Set(Object.values(report.targetsFrom))].join(", ")}`,
    `profile: ${profileLine}`,
    "each region is checked carrying the whole load: the primary now, a DR region after a failover",
  ];
  for (const region of report.regions) {
    lines.push("", `${region.region} (${region.role})`, ...tierTable(region.tiers));
  }
  if (report.edge.length > 0) lines.push("", "edge (every region)", ...tierTable(report.edge));
  if (report.quotas.length > 0) {
    lines.push("", "AWS quotas at the peak (AWS's defaults: check the account's values in Service Quotas)");
    const rows = [
      ["WHERE", "QUOTA", "PEAK NEEDS", "DEFAULT", ""],
      ...report.quotas.map((q) => [
        q.region ?? "global",
        q.code ? `${q.quota} (${q.code})` : q.quota,
        `${formatNumber(q.neededAtPeak, q.unit === "Gbps" ? 2 : 0)} ${q.unit}`,
        formatNumber(q.defaultValue),
        q.aboveDefault ? "above the default: request an increase" : "within the default",
      ]),
    ];
    lines.push(...columns(rows, [2, 3]).map((l) => `  ${l}`));
  }
  if (report.notices.length > 0) {
    lines.push("", "notices");
    for (const notice of report.notices) lines.push(`  - ${notice}`);
  }
  lines.push("", "assumptions (not measured: planning figures)");
  for (const a of report.assumptions)
    lines.push(`  ${a.name} = ${formatNumber(a.value)} ${a.unit}: ${a.why}`);
  lines.push("", `verdict: ${report.environment} ${report.verdict.summary}`);
  return lines;
}

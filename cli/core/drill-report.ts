/**
 * Drill reports: what `skyline drill` measured, as JSON (read back by `skyline status`) and as
 * Markdown (for the game-day review), in SKYLINE_DRILL_DIR (default `~/.skyline/drills`), one pair
 * per drill named `<app>-<env>-<time>.{json,md}`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatElapsed } from "./output";
import type { StepResult } from "./failover/steps";

export interface DrillPhase {
  readonly mode: "failover" | "failback";
  readonly from: string;
  readonly to: string;
  readonly steps: readonly StepResult[];
  readonly measuredMs: number;
}

export interface DrillMarker {
  readonly id: string;
  readonly writtenAt: string;
  readonly region: string;
  /** Read back after the failover / after the fail-back. */
  readonly foundAfterFailover?: boolean;
  readonly foundAfterFailback?: boolean;
}

export interface DrillReport {
  readonly schemaVersion: 1;
  readonly app: string;
  readonly environment: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: "succeeded" | "failed";
  readonly error?: string;
  readonly targets: { readonly rtoMinutes: number; readonly rpoSeconds: number };
  readonly phases: readonly DrillPhase[];
  /** The failover's measured time plus the detect budget: the RTO the drill shows. */
  readonly measuredRtoMs?: number;
  /** Writes lost, measured with the marker rows: 0 when every marker read back. */
  readonly measuredRpoSeconds?: number;
  readonly markers: readonly DrillMarker[];
}

export function drillDir(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  return env.SKYLINE_DRILL_DIR || join(homedir, ".skyline", "drills");
}

function stamp(iso: string): string {
  return iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

export function renderDrillMarkdown(r: DrillReport): string {
  const lines = [
    `# Drill: ${r.app} ${r.environment}, ${r.startedAt}`,
    "",
    `Outcome: **${r.outcome}**${r.error ? ` (${r.error})` : ""}. Finished ${r.finishedAt}.`,
    "",
    "| Measure | Measured | Target |",
    "| --- | --- | --- |",
    `| RTO (failover steps + detection budget) | ${r.measuredRtoMs === undefined ? "not measured" : formatElapsed(r.measuredRtoMs)} | ${r.targets.rtoMinutes} min |`,
    `| RPO (writes lost, by marker rows) | ${r.measuredRpoSeconds === undefined ? "not measured" : `${r.measuredRpoSeconds} s`} | ${r.targets.rpoSeconds} s |`,
    "",
  ];
  for (const p of r.phases) {
    lines.push(
      `## ${p.mode === "failover" ? "Failover" : "Fail-back"}: ${p.from} → ${p.to} (${formatElapsed(p.measuredMs)})`,
      "",
    );
    lines.push("| Step | Outcome | Measured | Budget |", "| --- | --- | --- | --- |");
    for (const s of p.steps) {
      lines.push(
        `| ${s.title} | ${s.outcome} | ${s.outcome === "done" ? formatElapsed(s.ms) : "-"} | ${s.budgetMinutes === undefined ? "-" : `${s.budgetMinutes} min`} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Marker rows",
    "",
    "| Record | Written | In | After failover | After fail-back |",
    "| --- | --- | --- | --- | --- |",
  );
  const yes = (b?: boolean) => (b === undefined ? "-" : b ? "found" : "LOST");
  for (const m of r.markers) {
    lines.push(
      `| ${m.id} | ${m.writtenAt} | ${m.region} | ${yes(m.foundAfterFailover)} | ${yes(m.foundAfterFailback)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes `<dir>/<app>-<env>-<time>.json` and `.md`; returns their paths. */
export function writeDrillReport(dir: string, report: DrillReport): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${report.app}-${report.environment}-${stamp(report.startedAt)}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderDrillMarkdown(report));
  return { json: `${base}.json`, markdown: `${base}.md` };
}

/** The newest drill report of an environment, or undefined when there is none. */
export function latestDrill(dir: string, app: string, environment: string): DrillReport | undefined {
  if (!existsSync(dir)) return undefined;
  const prefix = `${app}-${environment}-`;
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".json"))
    .sort();
  const last = files[files.length - 1];
  if (!last) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, last), "utf8")) as DrillReport;
  } catch {
    return undefined;
  }
}

/** One line for `skyline status`. */
export function describeDrill(r: DrillReport): string {
  const rto =
    r.measuredRtoMs === undefined
      ? "RTO not measured"
      : `measured RTO ${formatElapsed(r.measuredRtoMs)} (target ${r.targets.rtoMinutes} min)`;
  const rpo =
    r.measuredRpoSeconds === undefined
      ? "RPO not measured"
      : `measured RPO ${r.measuredRpoSeconds} s (target ${r.targets.rpoSeconds} s)`;
  const to = r.phases[0]?.to ?? "?";
  return `last drill ${r.startedAt} to ${to}: ${r.outcome}, ${rto}, ${rpo}`;
}

/**
 * docs/operations.md documents every alarm's missing-data rule by region role, whether it gates a
 * failover and whom it notifies. This compares that table with what synth builds for a primary and
 * a warm-standby region (ECS and EKS), so the two cannot drift.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "../../engine";
import { shortName } from "../../constructs/monitoring/alarm-catalog";
import type { AlarmSpec } from "../../constructs/monitoring/alarm-spec";
import { RegionalStack } from "../../stacks/regional-stack";
import { config } from "../helpers/config";

interface Row {
  readonly patterns: RegExp[];
  readonly primary: string;
  readonly standby: string;
  readonly gate: string;
  readonly notifies: string;
  used: boolean;
}

function tableRows(): Row[] {
  const doc = readFileSync(join(__dirname, "..", "..", "docs", "operations.md"), "utf8");
  const all = doc.split("\n");
  const start = all.findIndex((l) => /^\|\s*alarm\s*\|\s*missing data, primary\s*\|/.test(l));
  expect(start).toBeGreaterThan(0);
  const lines = all.slice(start);
  const rows: Row[] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith("|")) break;
    const [names, primary, standby, gate, notifies] = line
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
    const spans = [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const first = spans[0];
    // "`rds-<instance>-cpu`, `-connections`": a span starting with - continues the first one's stem.
    const stem = first.replace(/-[a-z0-9]+$/, "");
    const patterns = spans.map((span) => {
      const full = span.startsWith("-") ? `${stem}${span}` : span;
      const source = full
        .split(/<[a-z]+>/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join("[a-z0-9-]+");
      return new RegExp(`^${source}$`);
    });
    rows.push({ patterns, primary, standby, gate, notifies, used: false });
  }
  return rows;
}

function regionalSpecs(compute: "ecs" | "eks") {
  const env = config("production", (c) => {
    c.compute = compute;
  });
  const app = new App({ outdir: "/tmp/skyline-unused", skipValidation: true });
  return [env.primaryRegion, env.drRegions[0]].map((region) => {
    const stack = new RegionalStack(app, env, region);
    const roles = new Map(
      stack.dataTier.database.instances.map((i) => [shortName(i.id, stack.namePrefix), i.role]),
    );
    return { primary: stack.isPrimary, specs: stack.monitoring.specs, roles };
  });
}

describe("docs/operations.md alarm table", () => {
  const rows = tableRows();

  function rowFor(spec: AlarmSpec): Row {
    const matches = rows.filter((r) => r.patterns.some((p) => p.test(spec.key)));
    expect({ key: spec.key, rows: matches.length }).toEqual({ key: spec.key, rows: 1 });
    return matches[0];
  }

  it.each(["ecs", "eks"] as const)("matches every alarm synth builds (%s)", (compute) => {
    for (const { primary, specs, roles } of regionalSpecs(compute)) {
      for (const spec of specs) {
        const row = rowFor(spec);
        row.used = true;
        const role = primary ? "primary" : "standby";
        expect({ key: spec.key, role, missing: spec.treatMissingData }).toEqual({
          key: spec.key,
          role,
          missing: primary ? row.primary : row.standby,
        });
        // The longest id wins: `db-replica-1` before `db`.
        const instanceRole = [...roles]
          .filter(([id]) => spec.key.startsWith(`rds-${id}-`))
          .sort(([a], [b]) => b.length - a.length)[0]?.[1];
        const gate =
          row.gate === "yes"
            ? true
            : row.gate === "no"
              ? false
              : row.gate === "writer and cross-region replica"
                ? instanceRole !== "reader"
                : `unknown gate text ${row.gate}`;
        expect({ key: spec.key, canServe: spec.canServe ?? false }).toEqual({
          key: spec.key,
          canServe: gate,
        });
        expect({ key: spec.key, notifies: spec.severity ?? "page" }).toEqual({
          key: spec.key,
          notifies: row.notifies,
        });
      }
    }
  });

  it("has no row that no alarm matches", () => {
    for (const compute of ["ecs", "eks"] as const) {
      for (const { specs } of regionalSpecs(compute)) for (const spec of specs) rowFor(spec).used = true;
    }
    expect(rows.filter((r) => !r.used).map((r) => r.patterns.map(String))).toEqual([]);
  });
});

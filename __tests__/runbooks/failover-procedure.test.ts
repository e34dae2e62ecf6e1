/**
 * docs/cli.md, docs/operations.md and the generated runbooks describe the same regional failover:
 * the same steps in the same order with the same budgets as `skyline failover region` runs them
 * (cli/core/failover/steps.ts) and the manifest holds them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stepsFor } from "../../cli/core/failover/steps";
import { parseManifest } from "../../manifest/schema";
import { renderRunbookFiles } from "../../runbooks/runbooks";

const root = join(__dirname, "..", "..");
const manifest = parseManifest(
  JSON.parse(readFileSync(join(root, "docs", "examples", "manifest.production.json"), "utf8")),
  "docs/examples/manifest.production.json",
);
const budgets = manifest.targets.failoverBudgetMinutes;
const cliSteps = stepsFor("failover").map((s) => s.id);

/** The budget keys in the order a Markdown table of `doc` lists them, from its first column. */
function tableKeys(doc: string, header: RegExp): string[] {
  const lines = doc.split("\n");
  const start = lines.findIndex((l) => header.test(l));
  expect(start).toBeGreaterThan(0);
  const keys: string[] = [];
  for (const raw of lines.slice(start + 2)) {
    const line = raw.trim();
    if (!line.startsWith("|")) break;
    const key = /`([a-zA-Z]+)`/.exec(line)?.[1];
    if (key) keys.push(key);
  }
  return keys;
}

it("the CLI runs the budgeted steps in the manifest's order, and the budgets sum to the RTO", () => {
  expect(cliSteps).toEqual(["fence", "promoteDatabase", "repointWriter", "cache", "traffic", "verify"]);
  expect(Object.keys(budgets)).toEqual(["detect", ...cliSteps]);
  expect(Object.values(budgets).reduce((a, b) => a + b, 0)).toBe(manifest.targets.rtoMinutes);
});

it("docs/cli.md lists the same steps in the same order", () => {
  const cli = readFileSync(join(root, "docs", "cli.md"), "utf8");
  expect(tableKeys(cli, /^\| Step \(budget\)/)).toEqual(cliSteps);
});

it("docs/operations.md lists the same steps with the production budgets", () => {
  const ops = readFileSync(join(root, "docs", "operations.md"), "utf8");
  expect(tableKeys(ops, /^\| Step \(budget key\)/)).toEqual(["detect", ...cliSteps]);
  for (const [key, minutes] of Object.entries(budgets)) {
    expect(ops).toMatch(new RegExp(`\\| \`${key}\`\\s+\\| ${minutes} min`));
  }
});

it("the region-failover runbook has a step per CLI step, in order, with its budget", () => {
  const runbook = renderRunbookFiles(manifest).find((r) => r.name === "region-failover")!.markdown;
  expect(tableKeys(runbook, /^\s*\| Step \| Budget key \| Minutes \|/)).toEqual(["detect", ...cliSteps]);
  const headings = [...runbook.matchAll(/^### \d+\. (.*) \(budget (\d+) min\)$/gm)].map((m) => [
    m[1],
    Number(m[2]),
  ]);
  expect(headings.slice(1).map(([, minutes]) => minutes)).toEqual(
    cliSteps.map((id) => budgets[id as keyof typeof budgets]),
  );
  // The first heading is the one command with the whole budget but detection.
  expect(headings[0][1]).toBe(manifest.targets.rtoMinutes - budgets.detect);
  expect(runbook).toContain(`failover region --to eu-west-1 --declare-outage us-east-1`);
});

import { spawnSync } from "child_process";
import * as path from "path";
import { ALL_RULES, renderGuardrailDocs } from "../../guardrails";

const ROOT = path.join(__dirname, "..", "..");

describe("docs/guardrails.md", () => {
  // Prettier (which formats the docs) loads ESM on demand, which jest's VM cannot; check in a child process.
  it("is up to date with the rule definitions (run: npx tsx scripts/generate-guardrail-docs.ts)", () => {
    const tsx = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const run = spawnSync(process.execPath, [tsx, "scripts/generate-guardrail-docs.ts", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("documents each rule's id, what, why, mapping and fix", () => {
    const docs = renderGuardrailDocs();
    for (const rule of ALL_RULES) {
      const section = docs.slice(docs.indexOf(`### ${rule.id}\n`));
      expect(section).toContain(rule.description);
      expect(section).toContain(`Why: ${rule.why}`);
      expect(section).toContain(`Fix: ${rule.fix}`);
      for (const id of Object.values(rule.mappings)) expect(section).toContain(id);
    }
  });

  it("says so when a rule has no public equivalent", () => {
    const docs = renderGuardrailDocs([{ ...ALL_RULES[0], mappings: {} }]);
    expect(docs).toContain("Equivalent: none (skyline-specific)");
  });
});

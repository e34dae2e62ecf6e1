import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadExampleManifest,
  renderExampleFiles,
  staleExampleFiles,
  writeExampleFiles,
} from "../../scripts/generate-doc-examples";
import { tmpDir } from "../cli/helpers";

const ROOT = join(__dirname, "..", "..");

describe("docs/examples", () => {
  // Run as on-call and CI would: the script in its own process, like the guardrail docs check.
  it("is up to date (run: npx tsx scripts/generate-doc-examples.ts)", () => {
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const run = spawnSync(process.execPath, [tsx, "scripts/generate-doc-examples.ts", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("holds the production manifest and every runbook rendered from it", () => {
    const manifest = loadExampleManifest();
    expect(manifest.environment).toBe("production");
    const files = [...renderExampleFiles(manifest).keys()];
    expect(files).toContain("manifest.production.json");
    expect(files).toContain(join("runbooks", "index.md"));
    expect(files).toContain(join("runbooks", "database-failover.md"));
  });

  it("--check finds a missing, a changed and a left-over file", () => {
    const dir = tmpDir("skyline-examples-");
    const manifest = loadExampleManifest();
    expect(staleExampleFiles(dir, manifest)).toEqual([...renderExampleFiles(manifest).keys()].sort());
    writeExampleFiles(dir, manifest);
    expect(staleExampleFiles(dir, manifest)).toEqual([]);
    writeFileSync(join(dir, "runbooks", "scale-out.md"), "# edited by hand\n");
    writeFileSync(join(dir, "runbooks", "old-runbook.md"), "# gone\n");
    expect(staleExampleFiles(dir, manifest)).toEqual([
      join("runbooks", "old-runbook.md"),
      join("runbooks", "scale-out.md"),
    ]);
  });

  it("writes the manifest as parsed, two-space JSON", () => {
    const dir = tmpDir("skyline-examples-");
    const manifest = loadExampleManifest();
    writeExampleFiles(dir, manifest);
    expect(JSON.parse(readFileSync(join(dir, "manifest.production.json"), "utf8"))).toEqual(manifest);
  });
});

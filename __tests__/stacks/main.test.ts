import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function main(args: string[], env: Record<string, string> = {}) {
  const outdir = join(mkdtempSync(join(tmpdir(), "skyline-main-")), "out");
  const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), "main.ts", ...args], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  return { ...run, outdir };
}

describe("main (npm run synth, cdktf synth)", () => {
  it("prints help and writes nothing for --help and -h", () => {
    for (const flag of ["--help", "-h"]) {
      const run = main([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Usage: node dist\/main.js \[--env <name\|all>\]/);
      expect(run.stdout).toMatch(/--env <name\|all>\s+staging, production, all/);
      expect(run.stdout).toMatch(
        /Exit codes: 0 written, 1 refused by the guardrails, 2 invalid configuration/,
      );
      expect(existsSync(run.outdir)).toBe(false);
    }
  });

  it("refuses an unknown option with exit 2, naming it, and writes nothing", () => {
    const run = main(["--envv", "staging"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/skyline: Unknown option '--envv'/);
    expect(run.stderr).toMatch(/Usage:/);
    expect(existsSync(run.outdir)).toBe(false);
  });
});

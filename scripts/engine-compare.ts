/**
 * `npm run check:cdktn`: synthesizes every environment (and production on the EKS path) twice from
 * the built app (dist/), on cdktf
 * and on cdktn (through scripts/cdktn-register.js, with cdktn's AWS provider bindings), and compares
 * the outputs. Exit 0 when the only differences are the documented ones (scripts/engine-compare/
 * compare.ts ALLOWED), 1 otherwise, 2 when cdktn is not installed (npm ci --prefix .ci/cdktn).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compareOutputs } from "./engine-compare/compare";

const root = resolve(__dirname, "..");
const cdktnModules = process.env.SKYLINE_CDKTN_MODULES ?? join(root, ".ci", "cdktn", "node_modules");

/** Every environment, and production on the EKS path (scripts/engine-compare/synth-all.js). */
function synth(outdir: string, preload: string[]): void {
  execFileSync(process.execPath, [...preload, join(__dirname, "engine-compare", "synth-all.js"), outdir], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function version(pkg: string, paths: string[]): string {
  const file = require.resolve(`${pkg}/package.json`, { paths });
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function main(): number {
  if (!existsSync(join(cdktnModules, "cdktn"))) {
    process.stderr.write(
      `check:cdktn: cdktn is not installed in ${cdktnModules}: run npm ci --prefix .ci/cdktn\n`,
    );
    return 2;
  }
  if (!existsSync(join(root, "dist", "main.js"))) {
    process.stderr.write("check:cdktn: dist/main.js is missing: run npm run build\n");
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), "skyline-engines-"));
  try {
    const left = join(work, "cdktf");
    const right = join(work, "cdktn");
    synth(left, []);
    synth(right, ["-r", join(root, "scripts", "cdktn-register.js")]);
    const differences = ["ecs", "eks"].flatMap((path) => compareOutputs(join(left, path), join(right, path)));
    const unexpected = differences.filter((d) => d.allowedBecause === undefined);
    const expected = differences.length - unexpected.length;
    const engines =
      `cdktf ${version("cdktf", [root])} + @cdktf/provider-aws ${version("@cdktf/provider-aws", [root])} vs ` +
      `cdktn ${version("cdktn", [cdktnModules])} + @cdktn/provider-aws ${version("@cdktn/provider-aws", [cdktnModules])}`;
    process.stdout.write(`${engines}: ${expected} documented differences, ${unexpected.length} unexpected\n`);
    const reasons = new Map<string, number>();
    for (const d of differences) {
      if (d.allowedBecause) reasons.set(d.allowedBecause, (reasons.get(d.allowedBecause) ?? 0) + 1);
    }
    for (const [why, n] of reasons) process.stdout.write(`  ${n} x ${why}\n`);
    for (const d of unexpected.slice(0, 50)) {
      process.stdout.write(
        `  UNEXPECTED ${d.file} ${d.path || "(file)"}: ${JSON.stringify(d.left)} vs ${JSON.stringify(d.right)}\n`,
      );
    }
    return unexpected.length === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();

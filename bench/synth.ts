/**
 * Synth benchmark: wall time and peak memory of synthesizing skyline as `npm run synth` does (from
 * the synth snapshot, dist/synth.blob: production alone, and every environment), beside an empty
 * cdktf app run by the same node and harness, interleaved. Runs on Node 24 (bench/node-runtime.ts).
 * Also printed: `node dist/main.js` without the snapshot (the `cdktf synth` path), and both with
 * Node's own compile cache (NODE_COMPILE_CACHE), which skyline does not turn on. Targets on a 2-core machine, Node 24: production < 1.2 s, < 200 MiB, and
 * ≤ 2.5x the empty app. Run after `npm run build`: `npx tsx bench/synth.ts` (or `npm run bench`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchNode } from "./node-runtime";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = resolve(__dirname, "..");
const node = benchNode();

interface Sample {
  seconds: number;
  peakMiB: number;
}

interface Case {
  label: string;
  /** Node's arguments: options, the script and its arguments. */
  argv: string[];
  env?: Record<string, string>;
}

/**
 * Runs `node <argv>` under GNU time (peak resident memory of the child, whatever it runs, a
 * snapshot included) and times the whole process from here: start-up included, what a developer
 * waits for.
 */
function measure({ label, argv, env = {} }: Case): Sample {
  const outdir = mkdtempSync(join(tmpdir(), "skyline-bench-"));
  const started = process.hrtime.bigint();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", node.path, ...argv], {
    cwd: root,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (run.status !== 0)
    throw new Error(`${label}: node ${argv.join(" ")} exited ${run.status}\n${run.stderr}`);
  const peakKiB = Number(run.stderr.trim().split("\n").pop());
  return { seconds, peakMiB: peakKiB / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Measures every case RUNS times, interleaved (A, B, C, A, B, C, …), so a busy moment on a shared
 * machine lands on all cases alike and the ratios stay fair.
 */
function benchAll(cases: readonly Case[]): Sample[] {
  cases.forEach((c) => measure(c)); // warm the file cache (and the compile cache where used)
  const samples: Sample[][] = cases.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    cases.forEach((c, i) => samples[i].push(measure(c)));
  }
  return cases.map((c, i) => {
    const result = {
      seconds: median(samples[i].map((s) => s.seconds)),
      peakMiB: Math.max(...samples[i].map((s) => s.peakMiB)),
    };
    console.log(
      `${c.label.padEnd(28)} ${result.seconds.toFixed(3)} s   peak ${result.peakMiB.toFixed(0)} MiB   (median of ${RUNS})`,
    );
    return result;
  });
}

function main(): void {
  const emptyDir = mkdtempSync(join(tmpdir(), "skyline-empty-app-"));
  const emptyApp = join(emptyDir, "empty.js");
  writeFileSync(
    emptyApp,
    `const { App, TerraformStack } = require(${JSON.stringify(require.resolve("cdktf", { paths: [root] }))});
     const app = new App({ outdir: process.env.CDKTF_OUTDIR });
     new TerraformStack(app, "empty");
     app.synth();`,
  );
  const mainJs = join(root, "dist", "main.js");
  const blob = join(root, "dist", "synth.blob");
  // The blob belongs to the node that built it: build it with the node measured here.
  execFileSync(node.path, [join(root, "scripts", "build-synth-snapshot.js")], {
    cwd: root,
    stdio: "inherit",
  });
  const snapshot = ["--snapshot-blob", blob, mainJs];
  const cacheDir = mkdtempSync(join(tmpdir(), "skyline-compile-cache-"));
  const cache = { NODE_COMPILE_CACHE: cacheDir };
  const production = ["--env", "production"];
  console.log(`node ${node.version} (${node.path})`);
  const [baseline, prod, all, plainProd, cachedBaseline, cachedProd] = benchAll([
    { label: "empty cdktf app", argv: [emptyApp] },
    { label: "npm run synth: production", argv: [...snapshot, ...production] },
    { label: "npm run synth: all", argv: [...snapshot, "--env", "all"] },
    { label: "node dist/main.js production", argv: [mainJs, ...production] },
    { label: "empty app, compile cache", argv: [emptyApp], env: cache },
    { label: "main.js prod, compile cache", argv: [mainJs, ...production], env: cache },
  ]);
  rmSync(emptyDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });

  const ratio = prod.seconds / baseline.seconds;
  console.log(
    `ratio production / empty app: ${ratio.toFixed(2)}x (target ≤ 2.5x; npm run synth, from the snapshot)`,
  );
  console.log(`ratio all / empty app:        ${(all.seconds / baseline.seconds).toFixed(2)}x`);
  console.log(
    `without the snapshot:         ${(plainProd.seconds / baseline.seconds).toFixed(2)}x ` +
      `(node dist/main.js, cdktf synth's path; production ${plainProd.seconds.toFixed(3)} s)`,
  );
  console.log(
    `with Node's compile cache:    ${(cachedProd.seconds / cachedBaseline.seconds).toFixed(2)}x ` +
      `(node dist/main.js production ${cachedProd.seconds.toFixed(3)} s)`,
  );
  const failures = [
    !node.version.startsWith("v24.") &&
      `ran on ${node.version}: the targets are for Node 24 (npm ci --prefix .ci/runtimes)`,
    prod.seconds >= 1.2 && `production synth took ${prod.seconds.toFixed(2)} s (target < 1.2 s)`,
    prod.peakMiB >= 200 && `production synth peaked at ${prod.peakMiB.toFixed(0)} MiB (target < 200 MiB)`,
    ratio > 2.5 && `production synth is ${ratio.toFixed(2)}x the empty app (target ≤ 2.5x)`,
  ].filter(Boolean);
  if (failures.length) {
    console.error(`synth benchmark missed its targets:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log("synth benchmark: all targets met");
}

main();

/**
 * Synth benchmark: wall time and peak memory of synthesizing skyline (production alone, and every
 * environment) with the compiled app, beside an empty cdktf app synthesized the same way: the same
 * node and harness, run both with the V8 compile cache that skyline's entry point enables
 * (stacks/compile-cache.ts, given to the empty app through `-r`) and without it. The ratio divides
 * by the faster of the two empty-app runs, so it measures skyline's own work: never a cache the
 * baseline lacks, never a cache that slows the baseline. skyline without the cache is printed too.
 * Targets on a 2-core machine: production < 2 s, < 300 MB, ≤ 3x the empty app.
 * Run after `npm run build`: `npx tsx bench/synth.ts` (or `npm run bench`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = resolve(__dirname, "..");

interface Sample {
  seconds: number;
  peakMiB: number;
}

interface Case {
  label: string;
  script: string;
  args: string[];
  /** Modules preloaded with `-r`. */
  preload?: string[];
  env?: Record<string, string>;
}

/** Runs `node <script> <args>` under /usr/bin/time-like accounting via process.resourceUsage in a wrapper. */
function measure({ script, args, preload = [], env = {} }: Case): Sample {
  const outdir = mkdtempSync(join(tmpdir(), "skyline-bench-"));
  const wrapper = `
    const start = process.hrtime.bigint();
    process.on("exit", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      require("fs").writeSync(3, JSON.stringify({ seconds, peakMiB: process.resourceUsage().maxRSS / 1024 }));
    });
    process.argv = [process.argv[0], ${JSON.stringify(script)}, ...${JSON.stringify(args)}];
    require(${JSON.stringify(script)});
  `;
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [...preload.flatMap((p) => ["-r", p]), "-e", wrapper], {
    cwd: root,
    env: { ...process.env, ...env, CDKTF_OUTDIR: outdir },
    stdio: ["ignore", "ignore", "inherit", "pipe"],
    encoding: "utf8",
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(outdir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`${script} ${args.join(" ")} exited ${run.status}`);
  const inner = JSON.parse(run.output[3] as string) as Sample;
  // Wall time of the whole process, start-up included: what a developer waits for.
  return { seconds: wall, peakMiB: inner.peakMiB };
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
  cases.forEach((c) => measure(c)); // warm the file cache and the compile cache
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
  const compileCache = [join(root, "dist", "stacks", "compile-cache-register.js")];
  const noCache = { SKYLINE_COMPILE_CACHE: "0" };
  const production = ["--env", "production"];
  const [baseline, prod, all, uncachedBaseline, uncachedProd] = benchAll([
    { label: "empty app, compile cache", script: emptyApp, args: [], preload: compileCache },
    { label: "skyline --env production", script: mainJs, args: production },
    { label: "skyline --env all", script: mainJs, args: ["--env", "all"] },
    { label: "empty app, no compile cache", script: emptyApp, args: [], env: noCache },
    { label: "production, no compile cache", script: mainJs, args: production, env: noCache },
  ]);
  rmSync(emptyDir, { recursive: true, force: true });

  const fastestBaseline = Math.min(baseline.seconds, uncachedBaseline.seconds);
  const ratio = prod.seconds / fastestBaseline;
  console.log(`ratio production / empty app: ${ratio.toFixed(2)}x (target ≤ 3x; the faster empty-app run)`);
  console.log(`ratio all / empty app:        ${(all.seconds / fastestBaseline).toFixed(2)}x`);
  console.log(
    `without a compile cache:      ${(uncachedProd.seconds / uncachedBaseline.seconds).toFixed(2)}x ` +
      `(production ${uncachedProd.seconds.toFixed(3)} s)`,
  );
  const failures = [
    prod.seconds >= 2 && `production synth took ${prod.seconds.toFixed(2)} s (target < 2 s)`,
    prod.peakMiB >= 300 && `production synth peaked at ${prod.peakMiB.toFixed(0)} MiB (target < 300 MiB)`,
    ratio > 3 && `production synth is ${ratio.toFixed(2)}x the empty app (target ≤ 3x)`,
  ].filter(Boolean);
  if (failures.length) {
    console.error(`synth benchmark missed its targets:\n  ${failures.join("\n  ")}`);
    process.exit(1);
  }
  console.log("synth benchmark: all targets met");
}

main();

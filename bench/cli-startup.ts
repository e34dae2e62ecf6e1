/**
 * CLI start-up benchmark: spawns `node dist/cli/index.js --help` N times and compares it with a bare
 * `node -e 0` (the floor no CLI can beat). Fails (exit 1) when the mean reaches 300 ms, the budget
 * from issue 6. Run after `npm run build`: `npx tsx bench/cli-startup.ts [runs]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const BUDGET_MS = 300;
const ROOT = join(__dirname, "..");
const BIN = join(ROOT, "dist", "cli", "index.js");
const RUNS = Number(process.argv[2] ?? 20);

function time(args: string[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}`);
    if (i >= 2) samples.push(elapsed); // the first two warm the file cache
  }
  return samples;
}

function stats(samples: number[]): { mean: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] as number;
  return { mean, p95 };
}

if (!existsSync(BIN)) {
  process.stderr.write(`${BIN} not found: run \`npm run build\` first.\n`);
  process.exit(2);
}

const baseline = stats(time(["-e", "0"]));
const cli = stats(time([BIN, "--help"]));
const fmt = (n: number) => `${n.toFixed(1)} ms`;
process.stdout.write(
  [
    `cli start-up (${RUNS} runs)`,
    `  node -e 0                  mean ${fmt(baseline.mean)}  p95 ${fmt(baseline.p95)}`,
    `  skyline --help             mean ${fmt(cli.mean)}  p95 ${fmt(cli.p95)}`,
    `  ratio to baseline          ${(cli.mean / baseline.mean).toFixed(2)}x`,
    `  budget                     mean < ${BUDGET_MS} ms: ${cli.mean < BUDGET_MS ? "ok" : "EXCEEDED"}`,
    "",
  ].join("\n"),
);
process.exitCode = cli.mean < BUDGET_MS ? 0 : 1;

/**
 * `npm run bench`: every benchmark under bench/, one after another (they share two cores, so never
 * in parallel). Each prints its figures and its ratio to its baseline, and exits non-zero when it
 * misses a target; this runner reports them all and fails if any failed.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const BENCHMARKS = ["synth.ts", "cli-startup.ts", "api-load.ts", "api-load/start-time.ts", "queue-worker.ts"];

const failed: string[] = [];
for (const file of BENCHMARKS) {
  const path = join(__dirname, file);
  console.log(`\n=== bench/${file}`);
  const run = spawnSync(process.execPath, [require.resolve("tsx/cli"), path], { stdio: "inherit" });
  if (run.status !== 0) failed.push(file);
}
if (failed.length) {
  console.error(`\nbenchmarks that missed their targets: ${failed.join(", ")}`);
  process.exit(1);
}

/**
 * Which node a benchmark runs its subject on: what skyline ships on is Node 24 LTS, so a benchmark
 * uses the Node 24 that .ci/run installs into .ci/runtimes (`npm ci --prefix .ci/runtimes`) when it
 * is there, SKYLINE_BENCH_NODE when set, and otherwise the node running the benchmark (and says so).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface BenchNode {
  readonly path: string;
  readonly version: string;
}

export function benchNode(env: NodeJS.ProcessEnv = process.env): BenchNode {
  const local = join(__dirname, "..", ".ci", "runtimes", "node_modules", "node24", "bin", "node");
  const path = env.SKYLINE_BENCH_NODE || (existsSync(local) ? local : process.execPath);
  const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
  return { path, version };
}

/**
 * How long the embedded default (PGlite + in-process cache) takes from process start to its first 200 on
 * /ready: once on a new data directory (the first run creates and migrates it), then several times on the
 * directory that run kept (every later start). Measured compiled (`npm start`, built first) and from source
 * with tsx (`npm run start:dev`), beside the baseline no service can beat: a bare Fastify process from
 * spawn to its first 200 (the ratio to it is printed). Target (issue 15): later starts under 2 s.
 *   Run alone: npx tsx bench/api-load/start-time.ts   (BENCH_START_RUNS=5 later starts per mode)
 * Run by npm run bench. Prints the machine's load average: on a loaded machine every figure grows.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { NODE_FLAGS, START_COMMAND } from "../../services/api/src/contract";
import { API_DIR, freePort } from "./processes";

export const START_TARGET_MS = 2000;

export interface StartFigures {
  readonly mode: "tsx" | "compiled";
  readonly firstRunMs: number;
  /** Later starts on the kept directory, in order. */
  readonly laterMs: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A bare Fastify process answering /ready: the floor for the time from spawn to a first 200. */
const BARE_SCRIPT = `
  const app = require(${JSON.stringify(require.resolve("fastify", { paths: [API_DIR] }))})();
  app.get("/ready", async () => ({ status: "ready" }));
  app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
`;

/** Spawns the service on dataDir (or the bare baseline) and resolves with the ms until /ready first answered 200; stops it. */
async function timeToReady(mode: "tsx" | "compiled" | "bare", dataDir = ""): Promise<number> {
  const port = await freePort();
  const args =
    mode === "tsx"
      ? [...NODE_FLAGS, "--import", "tsx", "src/server.ts"]
      : mode === "compiled"
        ? START_COMMAND.slice(1) // the image's command, after "node"
        : ["-e", BARE_SCRIPT];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      SHUTDOWN_DELAY_MS: "0",
      PGLITE_DATA_DIR: dataDir,
    },
    // The service's log (stdout) is kept to say why, should it exit before it is ready.
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the service exited with ${child.exitCode} before it was ready:\n${output}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/ready`);
        await response.arrayBuffer();
        if (response.status === 200) return performance.now() - started;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/** First run and later runs, for one way of starting the service. */
export async function measureStarts(mode: "tsx" | "compiled", laterRuns: number): Promise<StartFigures> {
  const root = mkdtempSync(path.join(tmpdir(), "skyline-bench-start-"));
  const dataDir = path.join(root, "pglite");
  try {
    const firstRunMs = await timeToReady(mode, dataDir);
    const laterMs: number[] = [];
    for (let i = 0; i < laterRuns; i++) laterMs.push(await timeToReady(mode, dataDir));
    return { mode, firstRunMs, laterMs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The bare baseline's start times (no data directory). */
export async function measureBare(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeToReady("bare"));
  return times;
}

export function startLine(f: StartFigures, bareMs: number): string {
  const later = f.laterMs.map((ms) => ms.toFixed(0)).join(", ");
  return (
    `embedded start (${f.mode.padEnd(8)}) first run ${f.firstRunMs.toFixed(0).padStart(6)} ms; ` +
    `later starts median ${median(f.laterMs).toFixed(0)} ms (min ${Math.min(...f.laterMs).toFixed(0)}, ` +
    `max ${Math.max(...f.laterMs).toFixed(0)}; ${later}); ${(median(f.laterMs) / bareMs).toFixed(1)}× bare Fastify; ` +
    `ratio to the ${START_TARGET_MS} ms target ${(median(f.laterMs) / START_TARGET_MS).toFixed(2)}`
  );
}

/** Builds the service (for the compiled mode) and measures both modes; true when both meet the target. */
export async function runStartBenchmark(
  laterRuns = Number(process.env.BENCH_START_RUNS ?? 5),
): Promise<boolean> {
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", path.join(API_DIR, "tsconfig.json")],
    {
      stdio: "inherit",
    },
  );
  const loadBefore = loadavg()[0];
  const bare = await measureBare(laterRuns);
  const figures = [await measureStarts("compiled", laterRuns), await measureStarts("tsx", laterRuns)];
  console.log(
    `\nmachine: ${cpus().length} cores; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
  );
  const bareMs = median(bare);
  console.log(
    `bare Fastify (baseline)   spawn to first 200 median ${bareMs.toFixed(0)} ms (${bare.map((ms) => ms.toFixed(0)).join(", ")})`,
  );
  let ok = true;
  for (const f of figures) {
    console.log(startLine(f, bareMs));
    const pass = median(f.laterMs) < START_TARGET_MS;
    ok &&= pass;
    console.log(
      `${pass ? "PASS" : "FAIL"}  embedded start (${f.mode}) after the first run < ${START_TARGET_MS} ms`,
    );
  }
  return ok;
}

if (require.main === module) {
  runStartBenchmark().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * The load benchmark's profile output: bench/results/profile.json, the measured per-unit figures the
 * capacity model reads (`skyline capacity`). The format, its reader and its validation live in
 * planning/profile.ts; this file only gathers the run and the machine and writes it.
 */
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import {
  BENCH_PROFILE_PATH,
  ProfileNotMeasured,
  profileFromBenchmark,
  writeProfile,
  type PhaseCounters,
  type PhaseResult,
} from "../../planning/profile";
import type { ServerCounters } from "./round-trips";

export interface BenchProfileInput {
  readonly cachedRead: PhaseResult;
  readonly write: PhaseResult;
  /** Counters around each phase (undefined on the embedded backend). */
  readonly counters: {
    readonly beforeRead?: ServerCounters;
    readonly afterRead?: ServerCounters;
    readonly beforeWrite?: ServerCounters;
    readonly afterWrite?: ServerCounters;
  };
  readonly connections: number;
  readonly secondsPerPhase: number;
  readonly backend: string;
  readonly loadAverageBefore: number;
}

function pair(before?: ServerCounters, after?: ServerCounters): PhaseCounters | undefined {
  return before && after ? { before, after } : undefined;
}

/**
 * Writes the profile of this run (to BENCH_PROFILE=<path>, default bench/results/profile.json) and
 * prints where; a run that cannot make a profile says why on stderr and changes nothing else.
 */
export function saveProfile(
  input: BenchProfileInput,
  root = join(__dirname, "..", ".."),
): string | undefined {
  try {
    const profile = profileFromBenchmark({
      cachedRead: input.cachedRead,
      write: input.write,
      cachedReadCounters: pair(input.counters.beforeRead, input.counters.afterRead),
      writeCounters: pair(input.counters.beforeWrite, input.counters.afterWrite),
      connections: input.connections,
      secondsPerPhase: input.secondsPerPhase,
      backend: input.backend,
      loadAverage: {
        before: Math.round(input.loadAverageBefore * 100) / 100,
        after: Math.round(loadavg()[0] * 100) / 100,
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() || "unknown",
        memoryGiB: Math.round(totalmem() / 2 ** 30),
      },
      platform: `${process.platform} ${process.arch}`,
      node: process.versions.node,
      measuredAt: new Date(),
    });
    const path = writeProfile(process.env.BENCH_PROFILE ?? join(root, BENCH_PROFILE_PATH), profile);
    console.log(`profile: wrote ${path} (read by skyline capacity --bench-profile)`);
    return path;
  } catch (error) {
    if (!(error instanceof ProfileNotMeasured)) throw error;
    console.error(error.message);
    return undefined;
  }
}

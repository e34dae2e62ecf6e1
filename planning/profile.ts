/**
 * The measured per-unit profile of the reference API: what one service process (one Node.js event
 * loop, taken as one vCPU) serves, and what each request costs the database and the cache. The
 * service's load benchmark (bench/api-load.ts) writes it to bench/results/profile.json with
 * `profileFromBenchmark` + `writeProfile`; the capacity model reads it with `readProfile`, or the
 * committed default (planning/default-profile.json) when no benchmark has run on this checkout.
 * Every figure says where it came from (`source`, `how`), and the profile says where and when it was
 * measured, so an estimate built on it can say so too.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod/v4";
// Imported (not only read by path) so the build copies it next to the compiled module.
import shippedDefault from "./default-profile.json";

/** The profile format version. The reader refuses other versions. */
export const PROFILE_SCHEMA_VERSION = 1;

/** Where the benchmark writes the profile, relative to the repository root (gitignored). */
export const BENCH_PROFILE_PATH = join("bench", "results", "profile.json");

/** The committed profile the model uses when the benchmark has not run here. */
export const DEFAULT_PROFILE_PATH = join(__dirname, "default-profile.json");

/**
 * The service's DB_POOL_MAX default (services/api/src/config.ts): connections one task opens to the
 * writer (and to each reader). A test checks it against the service's own default.
 */
export const SERVICE_DEFAULT_POOL_MAX = 10;

const spreadSchema = z
  .object({
    min: z.number().nonnegative(),
    max: z.number().nonnegative(),
    stddev: z.number().nonnegative(),
    samples: z.number().int().positive().describe("Per-second samples the spread is taken from."),
  })
  .refine((s) => s.min <= s.max, { message: "min must not exceed max", path: ["min"] });

const figureSchema = z
  .object({
    value: z.number().nonnegative(),
    unit: z.string().min(1),
    source: z
      .enum(["measured", "service default"])
      .describe("measured by the benchmark, or the service's own default (not measured)."),
    how: z.string().min(1).describe("What was measured, how: enough to repeat it."),
    spread: spreadSchema.optional(),
  })
  .strict();

const positiveFigure = figureSchema.refine((f) => f.value > 0, {
  message: "must be greater than 0",
  path: ["value"],
});

export const profileSchema = z
  .object({
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    measuredAt: z.iso.datetime({ message: "must be an ISO-8601 UTC time such as 2026-12-04T16:40:00.000Z" }),
    machine: z
      .object({
        cpus: z.number().int().positive(),
        cpuModel: z.string().min(1),
        memoryGiB: z.number().positive(),
        platform: z.string().min(1),
        node: z.string().min(1),
        loadAverage: z.object({ before: z.number().nonnegative(), after: z.number().nonnegative() }),
      })
      .strict(),
    harness: z
      .object({
        command: z.string().min(1),
        connections: z.number().int().positive(),
        secondsPerPhase: z.number().positive(),
        backend: z.string().min(1),
        note: z.string().optional(),
      })
      .strict(),
    figures: z
      .object({
        cachedReadsPerSecondPerVcpu: positiveFigure,
        writesPerSecondPerVcpu: positiveFigure,
        pgTransactionsPerRead: figureSchema,
        pgTransactionsPerWrite: figureSchema,
        redisCommandsPerRead: figureSchema,
        redisCommandsPerWrite: figureSchema,
        connectionsPerTask: positiveFigure,
      })
      .strict(),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;
export type Figure = z.infer<typeof figureSchema>;
export type FigureName = keyof Profile["figures"];

/** A profile that cannot be used; `issues` lists every bad field as `path: message`. */
export class ProfileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid profile ${source}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ProfileError";
  }
}

/** Validates a parsed profile; throws ProfileError naming every bad field. */
export function parseProfile(json: unknown, source: string): Profile {
  const result = profileSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ProfileError(
    source,
    result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`),
  );
}

/** A profile and the file it was read from. */
export interface LoadedProfile {
  readonly profile: Profile;
  readonly path: string;
}

/** Reads and validates a profile file; a missing or unreadable file is a ProfileError too. */
export function readProfile(path: string): LoadedProfile {
  if (path === DEFAULT_PROFILE_PATH) return { profile: parseProfile(shippedDefault, path), path };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ProfileError(path, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(path, [`is not JSON (${(error as Error).message})`]);
  }
  return { profile: parseProfile(json, path), path };
}

/** One benchmark phase, as autocannon reports it (requests per second sampled once a second). */
export interface PhaseResult {
  readonly requests: {
    readonly average: number;
    readonly total: number;
    readonly min?: number;
    readonly max?: number;
    readonly stddev?: number;
  };
  /** Seconds the phase ran. */
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

/** Server-wide counters read before and after a phase (bench/api-load/round-trips.ts). */
export interface PhaseCounters {
  readonly before: { readonly redisCommands: number; readonly pgTransactions: number };
  readonly after: { readonly redisCommands: number; readonly pgTransactions: number };
}

/** What the load benchmark hands to `profileFromBenchmark`. */
export interface BenchmarkRun {
  readonly cachedRead: PhaseResult;
  readonly write: PhaseResult;
  /** Counters around each phase; absent on the embedded backend, which has no server to ask. */
  readonly cachedReadCounters?: PhaseCounters;
  readonly writeCounters?: PhaseCounters;
  readonly connections: number;
  readonly secondsPerPhase: number;
  /** e.g. `PostgreSQL 127.0.0.1:5432 + Redis 127.0.0.1:6379`. */
  readonly backend: string;
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number };
  readonly platform: string;
  readonly node: string;
  readonly measuredAt: Date;
  /** The service's DB_POOL_MAX as run. @default SERVICE_DEFAULT_POOL_MAX */
  readonly poolMax?: number;
}

/** Why a benchmark run cannot become a profile (the run is still reported as usual). */
export class ProfileNotMeasured extends Error {
  constructor(reason: string) {
    super(`profile not written: ${reason}`);
    this.name = "ProfileNotMeasured";
  }
}

function spreadOf(phase: PhaseResult): Figure["spread"] {
  const { min, max, stddev } = phase.requests;
  if (min === undefined || max === undefined || stddev === undefined) return undefined;
  return { min, max, stddev: Math.round(stddev), samples: Math.max(1, Math.round(phase.duration)) };
}

function perRequest(counters: PhaseCounters, key: "redisCommands" | "pgTransactions", total: number): number {
  return Math.round(((counters.after[key] - counters.before[key]) / total) * 1000) / 1000;
}

/**
 * The profile of one benchmark run. Refuses (ProfileNotMeasured) a run that measured no round
 * trips (the embedded backend), one with failed requests, or one with a phase that served nothing:
 * a figure from such a run would mislead every plan built on it.
 */
export function profileFromBenchmark(run: BenchmarkRun): Profile {
  const { cachedRead, write, cachedReadCounters, writeCounters } = run;
  if (!cachedReadCounters || !writeCounters) {
    throw new ProfileNotMeasured(
      "the embedded backend (PGlite, in-process cache) has no PostgreSQL or Redis round trips to count; run with PostgreSQL and Redis reachable",
    );
  }
  for (const [name, phase] of [
    ["cached read", cachedRead],
    ["write", write],
  ] as const) {
    if (phase.requests.total <= 0) throw new ProfileNotMeasured(`the ${name} phase served no requests`);
    const failed = phase.errors + phase.timeouts + phase.non2xx;
    if (failed > 0) throw new ProfileNotMeasured(`the ${name} phase had ${failed} failed requests`);
  }
  const one = "one service process (one Node.js event loop, taken as one vCPU)";
  const at = `${run.connections} connections, ${run.secondsPerPhase} s, loopback`;
  const poolMax = run.poolMax ?? SERVICE_DEFAULT_POOL_MAX;
  const counted = (what: string, phase: string) =>
    `${what} counted server-wide around the ${phase} phase, divided by its requests`;
  return parseProfile(
    {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      measuredAt: run.measuredAt.toISOString(),
      machine: {
        cpus: run.machine.cpus,
        cpuModel: run.machine.cpuModel,
        memoryGiB: run.machine.memoryGiB,
        platform: run.platform,
        node: run.node,
        loadAverage: run.loadAverage,
      },
      harness: {
        command: "npx tsx bench/api-load.ts",
        connections: run.connections,
        secondsPerPhase: run.secondsPerPhase,
        backend: run.backend,
        note: "load generator, service and servers on the same machine (loopback)",
      },
      figures: {
        cachedReadsPerSecondPerVcpu: {
          value: Math.round(cachedRead.requests.average),
          unit: "requests/s",
          source: "measured",
          how: `GET /v1/tests/:id served from cache by ${one}, ${at}`,
          spread: spreadOf(cachedRead),
        },
        writesPerSecondPerVcpu: {
          value: Math.round(write.requests.average),
          unit: "submissions/s",
          source: "measured",
          how: `POST /v1/tests/:id/attempts (score and group-committed insert) by ${one}, ${at}`,
          spread: spreadOf(write),
        },
        pgTransactionsPerRead: {
          value: perRequest(cachedReadCounters, "pgTransactions", cachedRead.requests.total),
          unit: "transactions/request",
          source: "measured",
          how: counted("PostgreSQL commits and rollbacks", "cached read"),
        },
        pgTransactionsPerWrite: {
          value: perRequest(writeCounters, "pgTransactions", write.requests.total),
          unit: "transactions/submission",
          source: "measured",
          how: `${counted("PostgreSQL commits and rollbacks", "write")} (group commit puts several submissions in one)`,
        },
        redisCommandsPerRead: {
          value: perRequest(cachedReadCounters, "redisCommands", cachedRead.requests.total),
          unit: "commands/request",
          source: "measured",
          how: counted("Redis commands", "cached read"),
        },
        redisCommandsPerWrite: {
          value: perRequest(writeCounters, "redisCommands", write.requests.total),
          unit: "commands/submission",
          source: "measured",
          how: counted("Redis commands", "write"),
        },
        connectionsPerTask: {
          value: poolMax,
          unit: "connections",
          source: run.poolMax === undefined ? "service default" : "measured",
          how:
            run.poolMax === undefined
              ? "DB_POOL_MAX, the service's writer pool size (services/api/src/config.ts); each reader gets a pool of the same size"
              : "DB_POOL_MAX the benchmark ran the service with",
        },
      },
    },
    "the benchmark run",
  );
}

/** Writes the profile as two-space JSON, creating its folder; returns the path. */
export function writeProfile(path: string, profile: Profile): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(parseProfile(profile, path), null, 2)}\n`);
  return path;
}

/** One line naming the profile: where, when and on what it was measured. */
export function describeProfile(loaded: LoadedProfile, relativeTo?: string): string {
  const { profile } = loaded;
  const where =
    relativeTo && loaded.path.startsWith(relativeTo) ? loaded.path.slice(relativeTo.length + 1) : loaded.path;
  const m = profile.machine;
  return (
    `${where}: measured ${profile.measuredAt.slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ` +
    `${m.platform}, Node ${m.node}, load average ${m.loadAverage.before} before / ${m.loadAverage.after} after ` +
    `(${profile.harness.backend})`
  );
}

/**
 * Load benchmark of the reference API on loopback, beside a bare Fastify hello-world measured in the same run.
 *   Targets (issue 15), on the median of BENCH_RUNS (at least 3) runs, each run's spread printed:
 *     cached GET /v1/tests/:id at 100 connections ≥ 0.65× the bare server's requests/s, p99 ≤ 2× bare's p99;
 *     POST /v1/tests/:id/attempts ≥ 0.30× the bare server's requests/s, with zero errors.
 * Uses PostgreSQL/Redis on 127.0.0.1 when they answer (TEST_DATABASE_URL / TEST_REDIS_URL), else the embedded
 * default, and says which. Run: npx tsx bench/api-load.ts   (BENCH_SECONDS=5 per phase by default)
 * In each run the bare server is measured just before and just after the cached GET, with the same autocannon
 * settings, and both ratios use their mean, so a change in the machine's other load biases neither side.
 * The embedded default's start time has its own benchmark (bench/api-load/start-time.ts, run by npm run bench).
 * The service and the bare server run on the node the service ships on (bench/node-runtime.ts: Node 24).
 * Also prints Redis commands and PostgreSQL transactions per request, the machine's load average, and where
 * each phase's CPU went per request (service, load generator, PostgreSQL, Redis; bench/api-load/cpu-split.ts),
 * with the POST ratio this machine could reach at most if the service cost nothing;
 * BENCH_CPU_PROF=<dir> writes the service's CPU profile there; BENCH_LOG_LEVEL=info measures with access logs.
 * Writes the per-unit profile `skyline capacity` plans with to bench/results/profile.json (BENCH_PROFILE=<path>
 * moves it; bench/api-load/profile.ts, format in planning/profile.ts).
 */
import autocannon from "autocannon";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { signHs256 } from "../services/api/src/auth/jwt";
import { loadMigrations, migrate } from "../services/api/src/db/migrations";
import { PgDatabase } from "../services/api/src/db/pg-database";
import { ceilingRps, describeSplit, sampleCpu, splitPerRequest, type CpuSplit } from "./api-load/cpu-split";
import {
  canConnect,
  freePort,
  startBareFastify,
  startService,
  stop,
  waitForHealth,
} from "./api-load/processes";
import { saveProfile } from "./api-load/profile";
import { preBuiltPosts, requestsPerConnection } from "./api-load/post-requests";
import { perRequest, readCounters, type ServerCounters } from "./api-load/round-trips";
import { benchNode } from "./node-runtime";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Runs of the whole sequence (bare, GET, bare, POST); the checks use the median, the spread is printed. */
const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const GET_RATIO_TARGET = 0.65;
const P99_RATIO_TARGET = 2;
const POST_RATIO_TARGET = 0.3;
const CONNECTIONS = 100;
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = randomBytes(32).toString("hex");

function pgDatabase(schema?: string): PgDatabase {
  return new PgDatabase(
    {
      kind: "postgres",
      writer: { kind: "url", connectionString: DATABASE_URL },
      ssl: "disable",
      schema,
      poolMax: 2,
      connectTimeoutMs: 2000,
    },
    () => undefined,
  );
}

function tokenFor(sub: string, roles: string[] = []): string {
  return signHs256({ sub, roles, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET);
}

interface Run {
  readonly bareBefore: Phase;
  readonly get: Phase;
  readonly bareAfter: Phase;
  readonly post: Phase;
  readonly beforeGet?: ServerCounters;
  readonly afterGet?: ServerCounters;
  readonly beforePost?: ServerCounters;
  readonly afterPost?: ServerCounters;
  /** Cached GET req/s over the mean of the bare runs around it. */
  readonly getRatio: number;
  /** Cached GET p99 over the bare runs' mean p99 (each at least 1 ms: autocannon reports whole ms). */
  readonly p99Ratio: number;
  /** POST attempts req/s over the same bare mean. */
  readonly postRatio: number;
  readonly postErrors: number;
}

/** The bare server's requests/s in a run: the mean of its phases before and after the cached GET. */
function bareMean(r: Pick<Run, "bareBefore" | "bareAfter">): number {
  return (r.bareBefore.requests.average + r.bareAfter.requests.average) / 2;
}

function runFigures(r: Omit<Run, "getRatio" | "p99Ratio" | "postRatio" | "postErrors">): Run {
  const bareRps = bareMean(r);
  const bareP99 = Math.max(1, (r.bareBefore.latency.p99 + r.bareAfter.latency.p99) / 2);
  return {
    ...r,
    getRatio: r.get.requests.average / bareRps,
    p99Ratio: Math.max(1, r.get.latency.p99) / bareP99,
    postRatio: r.post.requests.average / bareRps,
    postErrors: r.post.errors + r.post.timeouts + r.post.non2xx,
  };
}

function runSummary(r: Run): string {
  return (
    `GET ${r.get.requests.average.toFixed(0)} req/s (${r.getRatio.toFixed(2)} of bare, p99 ${r.get.latency.p99} ms = ${r.p99Ratio.toFixed(2)}× bare), ` +
    `POST ${r.post.requests.average.toFixed(0)} req/s (${r.postRatio.toFixed(2)} of bare, ${r.postErrors} errors)`
  );
}

interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

function describe(s: Spread): string {
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

/** An autocannon result with the CPU the server process and the rest of the machine used per request (Linux). */
type Phase = autocannon.Result & { readonly split?: CpuSplit };

/** Runs one autocannon phase and notes how much CPU the server process (pid) and the others used per request. */
async function phase(pid: number | undefined, options: autocannon.Options): Promise<Phase> {
  const before = sampleCpu(pid);
  const result = await autocannon(options);
  const after = sampleCpu(pid);
  const split =
    before && after && result.requests.total > 0
      ? splitPerRequest(before, after, result.requests.total)
      : undefined;
  return Object.assign(result, { split });
}

function line(name: string, r: Phase): string {
  const cpu = r.split === undefined ? "" : `   server CPU ${r.split.serviceUs.toFixed(0).padStart(4)} µs/req`;
  return `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.timeouts}   non-2xx ${r.non2xx}${cpu}`;
}

async function main(): Promise<number> {
  const loadBefore = loadavg()[0];
  const real = (await canConnect(DATABASE_URL, 5432)) && (await canConnect(REDIS_URL, 6379));
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  const env: Record<string, string> = {
    JWT_SECRET: SECRET,
    // The limiter still runs on every request; the limits are set above what the benchmark sends.
    RATE_LIMIT_IP_MAX: "10000000",
    RATE_LIMIT_USER_WRITE_MAX: "10000000",
    CACHE_TTL_SECONDS: "600",
  };
  if (real) {
    const db = pgDatabase(schema);
    await migrate(db, loadMigrations(), { schema });
    await db.close();
    Object.assign(env, { DATABASE_URL, DB_SCHEMA: schema, REDIS_URL, REDIS_KEY_PREFIX: `${schema}:` });
  }
  console.log(
    real
      ? `backend: PostgreSQL ${new URL(DATABASE_URL).host} + Redis ${new URL(REDIS_URL).host} (schema ${schema})`
      : "backend: embedded (PGlite + in-process cache): PostgreSQL/Redis not reachable on 127.0.0.1",
  );

  const [barePort, apiPort] = [await freePort(), await freePort()];
  // Both on the node the service ships on (Node 24 from .ci/runtimes when installed): the same runtime for both.
  const node = benchNode();
  console.log(`runtime: node ${node.version} (${node.path}) for the service and the bare server`);
  const bare = startBareFastify(barePort, node.path);
  const api = startService(apiPort, env, node.path);
  try {
    await waitForHealth(`http://127.0.0.1:${barePort}/health`, bare);
    await waitForHealth(`http://127.0.0.1:${apiPort}/health`, api);
    const base = `http://127.0.0.1:${apiPort}`;
    const created = await fetch(`${base}/v1/tests`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokenFor("bench-admin", ["admin"])}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        title: "Benchmark test",
        questions: Array.from({ length: 10 }, (_, i) => ({
          id: `q${i}`,
          prompt: `Question ${i}`,
          choices: ["a", "b", "c", "d"],
          answer: i % 4,
        })),
      }),
    });
    if (created.status !== 201) throw new Error(`creating the test answered ${created.status}`);
    const { id } = (await created.json()) as { id: string };

    // Warm-up: JIT, connection pools, the cache entry.
    await autocannon({ url: `http://127.0.0.1:${barePort}/hello`, connections: CONNECTIONS, duration: 1 });
    await autocannon({ url: `${base}/v1/tests/${id}`, connections: CONNECTIONS, duration: 1 });

    const measureBare = () =>
      phase(bare.pid, {
        url: `http://127.0.0.1:${barePort}/hello`,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
    const counters = () => (real ? readCounters(DATABASE_URL, REDIS_URL) : undefined);
    const attemptRows = async (): Promise<number | undefined> => {
      if (!real) return undefined;
      const db = pgDatabase(schema);
      try {
        const { rows } = await db.writer.query<{ n: number }>("select count(*)::int as n from attempts");
        return rows[0].n;
      } finally {
        await db.close();
      }
    };
    const users = Array.from({ length: 50 }, (_, i) => tokenFor(`bench-user-${i}`));
    const body = JSON.stringify({
      answers: Array.from({ length: 10 }, (_, i) => ({ questionId: `q${i}`, choice: (i * 7) % 4 })),
    });
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const bareBefore = await measureBare();
      const beforeGet = await counters();
      const get = await phase(api.pid, {
        url: `${base}/v1/tests/${id}`,
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      const afterGet = await counters();
      const bareAfter = await measureBare();
      const beforePost = await counters();
      const rowsBefore = await attemptRows();
      const post = await phase(api.pid, {
        url: base,
        connections: CONNECTIONS,
        duration: SECONDS,
        // Every submission has its own Idempotency-Key (required), built before the phase (post-requests.ts).
        setupClient: preBuiltPosts({
          path: `/v1/tests/${id}/attempts`,
          tokens: users,
          body,
          perConnection: requestsPerConnection(SECONDS, CONNECTIONS),
        }),
      });
      const rowsAfter = await attemptRows();
      if (rowsBefore !== undefined && rowsAfter !== undefined && rowsAfter - rowsBefore < post["2xx"]) {
        // A connection ran out of keys and sent used ones again: those were replays, not writes.
        throw new Error(
          `POST phase: ${post["2xx"]} answers 2xx but ${rowsAfter - rowsBefore} new rows; raise MAX_POST_RPS in bench/api-load/post-requests.ts`,
        );
      }
      const afterPost = await counters();
      runs.push(runFigures({ bareBefore, get, bareAfter, post, beforeGet, afterGet, beforePost, afterPost }));
      console.log(`run ${i + 1}/${RUNS}: ${runSummary(runs[i])}`);
    }

    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per phase, ${RUNS} runs, loopback`);
    console.log(
      `machine: ${cpus().length} cores; 1-min load average ${loadBefore.toFixed(2)} before the run ` +
        `(other work competing if well above 0), ${loadavg()[0].toFixed(2)} after it`,
    );
    runs.forEach((r, i) => {
      console.log(`run ${i + 1}`);
      console.log(line("  bare Fastify GET /hello (before)", r.bareBefore));
      console.log(line("  API GET /v1/tests/:id (cached)", r.get));
      console.log(line("  bare Fastify GET /hello (after)", r.bareAfter));
      console.log(line("  API POST /v1/tests/:id/attempts", r.post));
    });
    const last = runs[runs.length - 1];
    const trips = (name: string, a?: ServerCounters, b?: ServerCounters, requests = 0) => {
      if (a && b)
        console.log(`${name.padEnd(34)} ${perRequest(a, b, requests)} (server-wide counters, last run)`);
    };
    trips("  round trips, cached GET", last.beforeGet, last.afterGet, last.get.requests.total);
    trips("  round trips, POST attempts", last.beforePost, last.afterPost, last.post.requests.total);
    console.log(
      `service env: rate limits raised to ${env.RATE_LIMIT_IP_MAX}/client and ${env.RATE_LIMIT_USER_WRITE_MAX} writes/user ` +
        `(RATE_LIMIT_IP_MAX, RATE_LIMIT_USER_WRITE_MAX) so capacity, not the limit, is measured; the limiter still runs on every request. ` +
        `CACHE_TTL_SECONDS=600 keeps the test in Redis for the whole run; LOG_LEVEL=${process.env.BENCH_LOG_LEVEL ?? "warn"}; ` +
        `everything else (pools, local cache, batching) at its defaults`,
    );
    const getRatio = spread(runs.map((r) => r.getRatio));
    const p99Ratio = spread(runs.map((r) => r.p99Ratio));
    const postRatio = spread(runs.map((r) => r.postRatio));
    const postErrors = runs.reduce((sum, r) => sum + r.postErrors, 0);
    const getErrors = runs.reduce((sum, r) => sum + r.get.errors + r.get.timeouts + r.get.non2xx, 0);
    console.log(
      `ratios over ${RUNS} runs (median, min–max; bare = mean of the bare runs before and after the GET):`,
    );
    console.log(`  cached GET req/s / bare req/s   ${describe(getRatio)}   target ≥ ${GET_RATIO_TARGET}`);
    console.log(`  cached GET p99 / bare p99       ${describe(p99Ratio)}   target ≤ ${P99_RATIO_TARGET}`);
    console.log(`  POST attempts req/s / bare      ${describe(postRatio)}   target ≥ ${POST_RATIO_TARGET}`);
    // Service CPU per request over bare's (mean of the bare runs before and after); undefined when a run has no split.
    const cpuRatio = (phase: Phase, r: Run): number | undefined => {
      const service = phase.split?.serviceUs;
      const before = r.bareBefore.split?.serviceUs;
      if (service === undefined || before === undefined) return undefined;
      return service / ((before + (r.bareAfter.split?.serviceUs ?? before)) / 2);
    };
    const cpuRatios = (pick: (r: Run) => Phase) => {
      const ratios = runs.map((r) => cpuRatio(pick(r), r));
      return ratios.every((x): x is number => x !== undefined) ? spread(ratios) : undefined;
    };
    const getCpu = cpuRatios((r) => r.get);
    const postCpu = cpuRatios((r) => r.post);
    if (getCpu && postCpu) {
      // Informational: what a request costs the server process, which the machine's other load moves far less.
      console.log(
        `  server CPU per request / bare   cached GET ${describe(getCpu)}, POST attempts ${describe(postCpu)}`,
      );
    }
    const splits = (pick: (r: Run) => Phase) => runs.map((r) => pick(r).split);
    const postSplits = splits((r) => r.post);
    if (postSplits.every((s) => s !== undefined)) {
      // The service shares this machine's cores with the load generator and the databases: whatever the
      // service costs, POST cannot pass the rate at which the others alone use up every core.
      const cores = cpus().length;
      const ceiling = spread(runs.map((r, i) => ceilingRps(postSplits[i]!, cores) / bareMean(r)));
      console.log(`machine CPU per request (last run; ${cores} cores shared by all of them):`);
      for (const [name, split] of [
        ["bare Fastify", last.bareAfter.split],
        ["cached GET", last.get.split],
        ["POST attempts", last.post.split],
      ] as const) {
        if (split) console.log(`  ${name.padEnd(14)} ${describeSplit(split)}`);
      }
      console.log(
        `  POST ceiling on this machine with a service that cost no CPU: ${describe(ceiling)} of bare ` +
          `(the load generator, PostgreSQL and Redis alone would use up every core)`,
      );
    }
    const checks = [
      {
        name: `cached GET ≥ ${GET_RATIO_TARGET}× bare Fastify (median ${getRatio.median.toFixed(2)})`,
        ok: getRatio.median >= GET_RATIO_TARGET,
      },
      {
        name: `cached GET p99 ≤ ${P99_RATIO_TARGET}× bare p99 (median ${p99Ratio.median.toFixed(2)}), no errors (${getErrors})`,
        ok: p99Ratio.median <= P99_RATIO_TARGET && getErrors === 0,
      },
      {
        name: `POST attempts ≥ ${POST_RATIO_TARGET}× bare Fastify (median ${postRatio.median.toFixed(2)})`,
        ok: postRatio.median >= POST_RATIO_TARGET,
      },
      { name: `POST attempts with zero errors (${postErrors} over ${RUNS} runs)`, ok: postErrors === 0 },
    ];
    for (const check of checks) console.log(`${check.ok ? "PASS" : "FAIL"}  ${check.name}`);
    const getResult = last.get;
    const postResult = last.post;
    const [beforeGet, afterGet, beforePost, afterPost] = [
      last.beforeGet,
      last.afterGet,
      last.beforePost,
      last.afterPost,
    ];
    saveProfile({
      cachedRead: getResult,
      write: postResult,
      counters: {
        beforeRead: beforeGet,
        afterRead: afterGet,
        beforeWrite: beforePost,
        afterWrite: afterPost,
      },
      connections: CONNECTIONS,
      secondsPerPhase: SECONDS,
      backend: real
        ? `PostgreSQL ${new URL(DATABASE_URL).host} + Redis ${new URL(REDIS_URL).host}`
        : "embedded",
      loadAverageBefore: loadBefore,
    });
    return checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await Promise.all([stop(bare), stop(api)]);
    if (real) {
      const db = pgDatabase();
      await db.writer.query(`drop schema if exists ${schema} cascade`);
      await db.close();
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

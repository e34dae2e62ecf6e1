/**
 * Load benchmark of the reference API on loopback, beside a bare Fastify hello-world measured in the same run.
 *   Targets: cached GET /v1/tests/:id at 100 connections ≥ 0.5× the bare server's requests/s with p99 < 25 ms;
 *            POST /v1/tests/:id/attempts ≥ 2,000 requests/s with zero errors.
 * Uses PostgreSQL/Redis on 127.0.0.1 when they answer (TEST_DATABASE_URL / TEST_REDIS_URL), else the embedded
 * default, and says which. Run: npx tsx bench/api-load.ts   (BENCH_SECONDS=5 per phase by default)
 * The bare server is measured just before and just after the cached GET, with the same autocannon settings,
 * and the ratio uses their mean, so a change in the machine's other load during the run biases neither side.
 * Also prints Redis commands and PostgreSQL transactions per request and the machine's load average;
 * BENCH_CPU_PROF=<dir> writes the service's CPU profile there; BENCH_LOG_LEVEL=info measures with access logs.
 */
import autocannon from "autocannon";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { signHs256 } from "../services/api/src/auth/jwt";
import { loadMigrations, migrate } from "../services/api/src/db/migrations";
import { PgDatabase } from "../services/api/src/db/pg-database";
import {
  canConnect,
  freePort,
  startBareFastify,
  startService,
  stop,
  waitForHealth,
} from "./api-load/processes";
import { perRequest, readCounters, type ServerCounters } from "./api-load/round-trips";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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

function line(name: string, r: autocannon.Result): string {
  return `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   errors ${r.errors + r.timeouts}   non-2xx ${r.non2xx}`;
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
  const bare = startBareFastify(barePort);
  const api = startService(apiPort, env);
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
      autocannon({ url: `http://127.0.0.1:${barePort}/hello`, connections: CONNECTIONS, duration: SECONDS });
    const bareBefore = await measureBare();
    const counters = () => (real ? readCounters(DATABASE_URL, REDIS_URL) : undefined);
    const beforeGet = await counters();
    const getResult = await autocannon({
      url: `${base}/v1/tests/${id}`,
      connections: CONNECTIONS,
      duration: SECONDS,
    });
    const afterGet = await counters();
    const bareAfter = await measureBare();
    const bareAverage = (bareBefore.requests.average + bareAfter.requests.average) / 2;
    const beforePost = await counters();
    const users = Array.from({ length: 50 }, (_, i) => tokenFor(`bench-user-${i}`));
    const body = JSON.stringify({
      answers: Array.from({ length: 10 }, (_, i) => ({ questionId: `q${i}`, choice: (i * 7) % 4 })),
    });
    const postResult = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: users.map((t) => ({
        method: "POST",
        path: `/v1/tests/${id}/attempts`,
        headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
        body,
      })),
    });
    const afterPost = await counters();

    const ratio = getResult.requests.average / bareAverage;
    const postErrors = postResult.errors + postResult.timeouts + postResult.non2xx;
    const checks = [
      { name: `cached GET ≥ 0.5× bare Fastify (ratio ${ratio.toFixed(2)})`, ok: ratio >= 0.5 },
      {
        name: `cached GET p99 < 25 ms (${getResult.latency.p99} ms)`,
        ok: getResult.latency.p99 < 25 && getResult.non2xx === 0,
      },
      {
        name: `POST attempts ≥ 2,000 req/s (${postResult.requests.average.toFixed(0)}, ratio ${(postResult.requests.average / 2000).toFixed(2)} of target)`,
        ok: postResult.requests.average >= 2000,
      },
      { name: `POST attempts with zero errors (${postErrors})`, ok: postErrors === 0 },
    ];
    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per phase, loopback`);
    console.log(
      `machine: ${cpus().length} cores; 1-min load average ${loadBefore.toFixed(2)} before the run ` +
        `(other work competing if well above 0), ${loadavg()[0].toFixed(2)} after it`,
    );
    console.log(line("bare Fastify GET /hello (before)", bareBefore));
    console.log(line("API GET /v1/tests/:id (cached)", getResult));
    console.log(line("bare Fastify GET /hello (after)", bareAfter));
    console.log(line("API POST /v1/tests/:id/attempts", postResult));
    const trips = (name: string, a?: ServerCounters, b?: ServerCounters, requests = 0) => {
      if (a && b) console.log(`${name.padEnd(34)} ${perRequest(a, b, requests)} (server-wide counters)`);
    };
    trips("  round trips, cached GET", beforeGet, afterGet, getResult.requests.total);
    trips("  round trips, POST attempts", beforePost, afterPost, postResult.requests.total);
    console.log(
      `service env: rate limits raised to ${env.RATE_LIMIT_IP_MAX}/client and ${env.RATE_LIMIT_USER_WRITE_MAX} writes/user ` +
        `(RATE_LIMIT_IP_MAX, RATE_LIMIT_USER_WRITE_MAX) so capacity, not the limit, is measured; the limiter still runs on every request. ` +
        `CACHE_TTL_SECONDS=600 keeps the test in Redis for the whole run; LOG_LEVEL=${process.env.BENCH_LOG_LEVEL ?? "warn"}; ` +
        `everything else (pools, local cache, batching) at its defaults`,
    );
    console.log(
      `ratio cached GET / bare (mean of before and after, ${bareAverage.toFixed(0)} req/s): ${ratio.toFixed(2)} (target ≥ 0.50)`,
    );
    for (const check of checks) console.log(`${check.ok ? "PASS" : "FAIL"}  ${check.name}`);
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

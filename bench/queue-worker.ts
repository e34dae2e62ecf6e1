/**
 * The asynchronous submission tier on this machine: the local queue driver and the real PostgreSQL
 * (TEST_DATABASE_URL, default 127.0.0.1:5432/test), in its own schema.
 *
 * 1. End to end: a producer enqueues submissions at a steady PRODUCE_PER_SECOND through the local
 *    driver (the API's own send path, grouped as the API groups them) while the worker process
 *    (`src/worker.ts`, WORKER_CONCURRENCY loops, WORKER_BATCH_SIZE per receive) scores and commits them.
 *    Prints submissions per minute from the first enqueue to the last commit, p99 enqueue-to-committed
 *    latency (each key carries its enqueue time; the row's created_at is the commit), PostgreSQL
 *    transactions per submission (pg_stat_database, whole database: other work on the machine adds to
 *    it), and lost / duplicated submissions (every key must have exactly one row).
 * 2. The API's POST /v1/tests/:id/attempts, synchronous and asynchronous (Prefer: respond-async), with
 *    the same autocannon load in the same run: submissions accepted per second each way.
 *
 * Exits 1 when end to end is under TARGET_PER_MINUTE (50,000, the product's goal) or anything was lost
 * or duplicated. The machine is shared: the 1-minute load average is printed with the figures.
 */
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import autocannon from "autocannon";
import { signHs256 } from "../services/api/src/auth/jwt";
import { loadMigrations, migrate } from "../services/api/src/db/migrations";
import { PgDatabase } from "../services/api/src/db/pg-database";
import { insertTest } from "../services/api/src/domain/repository";
import { EnqueueBatcher } from "../services/api/src/queue/enqueue-batcher";
import { PgQueue } from "../services/api/src/queue/pg-queue";
import { encodeSubmission, asyncAttemptId } from "../services/api/src/queue/submission";
import { API_DIR, freePort, startService, stop, waitForHealth } from "./api-load/processes";
import { WORKER_COMMAND } from "../services/api/src/contract";
import { processCpuMs } from "./api-load/cpu-split";
import { preBuiltPosts, requestsPerConnection } from "./api-load/post-requests";
import { readCounters } from "./api-load/round-trips";
import { benchNode } from "./node-runtime";

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SECRET = randomBytes(32).toString("hex");
const TARGET_PER_MINUTE = 50_000;
const PRODUCE_PER_SECOND = Number(process.env.BENCH_QUEUE_RATE ?? 1000);
const PRODUCE_SECONDS = Number(process.env.BENCH_QUEUE_SECONDS ?? 20);
const POST_SECONDS = Number(process.env.BENCH_POST_SECONDS ?? 5);
const CONNECTIONS = 20;
const TEST_ID = "6f1c3b1e-8d2a-4c59-9b0e-2a1f0c3d4e5f";
const QUEUE = "submissions";
/** The node the worker and the API run on (Node 24, what the image ships, when installed). */
const NODE = benchNode();

const cpuMs = (pid: number | undefined) => (pid === undefined ? NaN : processCpuMs(pid));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pg(schema: string, poolMax = 4): PgDatabase {
  return new PgDatabase(
    {
      kind: "postgres",
      writer: { kind: "url", connectionString: DATABASE_URL },
      ssl: "disable",
      schema,
      poolMax,
      connectTimeoutMs: 2000,
    },
    () => undefined,
  );
}

function startWorker(env: Record<string, string>): ChildProcess {
  // With the V8 flags of the task's command (contract.ts): what ships is measured.
  const flags = WORKER_COMMAND.slice(1, -1);
  return spawn(NODE.path, [...flags, "--import", "tsx", path.join(API_DIR, "src/worker.ts")], {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

const questions = Array.from({ length: 10 }, (_, i) => ({
  id: `q${i}`,
  prompt: `Question ${i}`,
  choices: ["a", "b", "c", "d"],
  answer: i % 4,
}));
const answers = questions.map((q, i) => ({ questionId: q.id, choice: (i * 7) % 4 }));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function endToEnd(schema: string, db: PgDatabase, env: Record<string, string>) {
  const workerPort = await freePort();
  const worker = startWorker({ ...env, PORT: String(workerPort) });
  await waitForHealth(`http://127.0.0.1:${workerPort}/ready`, worker, 60_000);
  const producerDb = pg(schema, 4);
  const sender = new EnqueueBatcher(new PgQueue(producerDb.writer, { name: QUEUE }));
  const user = "bench-queue-user";
  const total = PRODUCE_PER_SECOND * PRODUCE_SECONDS;
  const before = await readCounters(DATABASE_URL, REDIS_URL, 0);
  const workerCpuBefore = cpuMs(worker.pid);
  const started = Date.now();
  const sends: Promise<void>[] = [];
  // Paced in 10 ms ticks: what arrives in each tick goes out as one group, like concurrent API requests.
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const due = Math.min(total, Math.round(((tick + 1) * 10 * PRODUCE_PER_SECOND) / 1000));
    for (; sent < due; sent++) {
      const key = `${Date.now()}.${sent}`;
      sends.push(
        sender.send(
          encodeSubmission({
            v: 1,
            attemptId: asyncAttemptId(user, key),
            testId: TEST_ID,
            userId: user,
            idempotencyKey: key,
            requestHash: "bench",
            answers,
            acceptedAt: Date.now(),
          }),
        ),
      );
    }
    const wait = started + (tick + 1) * 10 - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(sends);
  const producedMs = Date.now() - started;
  // Drained: every message committed and deleted (or given up on, which counts as lost below).
  const queue = new PgQueue(db.writer, { name: QUEUE });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const d = await queue.depth();
    if (d.visible + d.inFlight === 0) break;
    await sleep(100);
  }
  const after = await readCounters(DATABASE_URL, REDIS_URL, 0);
  const workerCpu = cpuMs(worker.pid) - workerCpuBefore;
  await stop(worker);
  const { rows } = await db.writer.query<{ key: string; n: number; latency: number; committed: number }>(
    `select idempotency_key as key, count(*)::int as n,
       max(extract(epoch from created_at) * 1000 - split_part(idempotency_key, '.', 1)::bigint)::float8 as latency,
       max(extract(epoch from created_at) * 1000)::float8 as committed
     from attempts where user_id = $1 group by idempotency_key`,
    [user],
  );
  const lastCommit = Math.max(...rows.map((r) => r.committed));
  const latencies = rows.map((r) => r.latency).sort((a, b) => a - b);
  const dead = (await queue.depth()).dead;
  await producerDb.close();
  return {
    total,
    producedMs,
    stored: rows.length,
    lost: total - rows.length,
    duplicated: rows.filter((r) => r.n > 1).length,
    dead,
    perMinute: (rows.length / (lastCommit - started)) * 60_000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    txPerSubmission: (after.pgTransactions - before.pgTransactions) / total,
    workerCpuUsPerSubmission: (workerCpu * 1000) / total,
  };
}

async function postThroughput(env: Record<string, string>) {
  const port = await freePort();
  const api = startService(port, env, NODE.path);
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(`${base}/health`, api, 60_000);
  const tokens = Array.from({ length: 20 }, (_, i) =>
    signHs256({ sub: `bench-post-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET),
  );
  const body = JSON.stringify({ answers });
  const run = (prefer: boolean) =>
    autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: POST_SECONDS,
      // Each submission with its own Idempotency-Key, built before the phase (post-requests.ts).
      setupClient: preBuiltPosts({
        path: `/v1/tests/${TEST_ID}/attempts`,
        tokens,
        body,
        headers: prefer ? { prefer: "respond-async" } : {},
        perConnection: requestsPerConnection(POST_SECONDS, CONNECTIONS),
      }),
    });
  // Warm-up, then sync and async back to back.
  await autocannon({ url: `${base}/health`, connections: 4, duration: 1 });
  const sync = await run(false);
  const asyncRun = await run(true);
  await stop(api);
  const rate = (r: autocannon.Result) => r["2xx"] / (r.duration || POST_SECONDS);
  return { sync: rate(sync), async: rate(asyncRun), syncErrors: r(sync), asyncErrors: r(asyncRun) };
  function r(result: autocannon.Result) {
    return result.non2xx + result.errors + result.timeouts;
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const schema = `bench_queue_${randomBytes(4).toString("hex")}`;
  const db = pg(schema);
  await migrate(db, loadMigrations(), { schema });
  await insertTest(db.writer, TEST_ID, { title: "Bench", questions }, "bench");
  const env = {
    DATABASE_URL,
    DB_SCHEMA: schema,
    REDIS_URL,
    REDIS_KEY_PREFIX: `${schema}:`,
    JWT_SECRET: SECRET,
    QUEUE_DRIVER: "local",
    WORKER_BATCH_SIZE: process.env.BENCH_WORKER_BATCH ?? "200",
    WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? "3",
    DB_POOL_MAX: "8",
    RATE_LIMIT_IP_MAX: "10000000",
    RATE_LIMIT_USER_WRITE_MAX: "10000000",
  };
  let failed = false;
  try {
    const e2e = await endToEnd(schema, db, env);
    const posts = await postThroughput(env);
    console.log(
      `machine: ${cpus().length} cores; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (shared machine: other work competes)`,
    );
    console.log(
      `end to end (local driver, PostgreSQL ${new URL(DATABASE_URL).host}; produced ${e2e.total} at ${PRODUCE_PER_SECOND}/s in ${(e2e.producedMs / 1000).toFixed(1)} s; worker: ${env.WORKER_CONCURRENCY} loops × ${env.WORKER_BATCH_SIZE} per receive):`,
    );
    console.log(
      `  submissions/min enqueue → committed: ${Math.round(e2e.perMinute)} (target ≥ ${TARGET_PER_MINUTE})`,
    );
    console.log(`  enqueue-to-committed latency: p50 ${e2e.p50.toFixed(0)} ms, p99 ${e2e.p99.toFixed(0)} ms`);
    console.log(
      `  PostgreSQL transactions per submission: ${e2e.txPerSubmission.toFixed(3)} (enqueue + receive + insert + delete, whole database)`,
    );
    console.log(
      `  worker CPU per submission: ${e2e.workerCpuUsPerSubmission.toFixed(0)} µs (node ${NODE.version}, ${WORKER_COMMAND.join(" ")})`,
    );
    console.log(`  lost ${e2e.lost}, duplicated ${e2e.duplicated}, dead letters ${e2e.dead}`);
    console.log(
      `POST /v1/tests/:id/attempts, ${CONNECTIONS} connections, ${POST_SECONDS} s each: synchronous ${posts.sync.toFixed(0)}/s, asynchronous (202, enqueued) ${posts.async.toFixed(0)}/s: ×${(posts.async / posts.sync).toFixed(2)} (non-2xx or errors: ${posts.syncErrors} sync, ${posts.asyncErrors} async)`,
    );
    if (e2e.perMinute < TARGET_PER_MINUTE || e2e.lost !== 0 || e2e.duplicated !== 0) {
      console.error("queue benchmark missed its target (throughput, or something lost or duplicated)");
      failed = true;
    }
  } finally {
    await db.writer.query(`drop schema if exists ${schema} cascade`);
    await db.close();
  }
  process.exit(failed ? 1 : 0);
}

void main();

import Redis from "ioredis";
import { Client } from "pg";

/** Server-side counters read around a phase: how many Redis commands and PostgreSQL transactions it cost. */
export interface ServerCounters {
  readonly redisCommands: number;
  readonly pgTransactions: number;
}

/**
 * Reads the servers' own totals (Redis INFO total_commands_processed; pg_stat_database commits and
 * rollbacks for the database). Server-wide, so other clients of the same servers add a little noise;
 * PostgreSQL publishes a backend's counts up to a second late, hence the settle delay before reading.
 */
export async function readCounters(
  databaseUrl: string,
  redisUrl: string,
  settleMs = 1100,
): Promise<ServerCounters> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const pg = new Client({ connectionString: databaseUrl });
  try {
    await Promise.all([redis.connect(), pg.connect()]);
    const info = await redis.info("stats");
    const redisCommands = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
    const { rows } = await pg.query<{ n: string }>(
      "select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()",
    );
    return { redisCommands, pgTransactions: Number(rows[0]?.n ?? NaN) };
  } finally {
    redis.disconnect();
    await pg.end();
  }
}

/** "Redis 1.02 cmd/req, PostgreSQL 0.00 tx/req" for a phase that served `requests` requests. */
export function perRequest(before: ServerCounters, after: ServerCounters, requests: number): string {
  const per = (a: number, b: number) => (requests > 0 ? ((b - a) / requests).toFixed(2) : "n/a");
  return `Redis ${per(before.redisCommands, after.redisCommands)} cmd/req, PostgreSQL ${per(before.pgTransactions, after.pgTransactions)} tx/req`;
}

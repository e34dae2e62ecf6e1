import { Pool, type PoolConfig } from "pg";
import type { DatabaseConfig, PgTarget } from "../config";
import type { Database, PoolStats, Queryable, QueryResult } from "./database";

/** Produces an RDS IAM auth token; injected so tests can count calls without AWS. */
export type TokenSigner = (target: Extract<PgTarget, { kind: "host" }>) => Promise<string>;

/** The default signer: @aws-sdk/rds-signer, loaded only when IAM auth is on. */
export const rdsTokenSigner: TokenSigner = async (target) => {
  const { Signer } = await import("@aws-sdk/rds-signer");
  const signer = new Signer({
    hostname: target.host,
    port: target.port,
    username: target.user,
    region: target.region,
  });
  return signer.getAuthToken();
};

/** The pg Pool options for one endpoint. Exported so the IAM and TLS wiring is testable without a server. */
export function poolConfigFor(
  target: PgTarget,
  config: Extract<DatabaseConfig, { kind: "postgres" }>,
  signer: TokenSigner = rdsTokenSigner,
): PoolConfig {
  const base: PoolConfig = {
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Keeps a dead socket from hanging a request forever during a failover.
    query_timeout: 15_000,
    keepAlive: true,
    application_name: "skyline-api",
    options: config.schema ? `-c search_path=${config.schema}` : undefined,
  };
  if (config.ssl !== "disable") {
    // RDS Proxy presents an Amazon Trust Services certificate, which Node's bundled CAs verify.
    base.ssl = { rejectUnauthorized: config.ssl === "require" };
  }
  if (target.kind === "url") return { ...base, connectionString: target.connectionString };
  return {
    ...base,
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    // pg calls a password function for every new connection: an IAM token is valid for 15 minutes only.
    password: target.iamAuth ? () => signer(target) : target.password,
  };
}

class PoolQueryable implements Queryable {
  constructor(private readonly pool: Pool) {}
  async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const result = await this.pool.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }
}

/** PostgreSQL through pg: one pool for the writer, one for the reader endpoint when there is one. */
export class PgDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly writer: Queryable;
  readonly reader: Queryable;
  private readonly writerPool: Pool;
  private readonly readerPool?: Pool;

  constructor(
    config: Extract<DatabaseConfig, { kind: "postgres" }>,
    onError: (error: Error) => void,
    signer?: TokenSigner,
  ) {
    this.writerPool = new Pool(poolConfigFor(config.writer, config, signer));
    // An idle client losing its connection emits on the pool; without a listener the process would crash.
    this.writerPool.on("error", onError);
    this.writer = new PoolQueryable(this.writerPool);
    if (config.reader) {
      this.readerPool = new Pool(poolConfigFor(config.reader, config, signer));
      this.readerPool.on("error", onError);
      this.reader = new PoolQueryable(this.readerPool);
    } else {
      this.reader = this.writer;
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.writerPool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn({
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          const r = await client.query(sql, params as unknown[] | undefined);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
        },
        exec: async (sql: string) => {
          // No parameters: pg uses the simple protocol, which accepts several statements.
          await client.query(sql);
        },
      });
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      // Destroy rather than reuse a client whose state is unknown.
      client.release(true);
      throw error;
    }
  }

  async ping(): Promise<void> {
    await this.writerPool.query("select 1");
    if (this.readerPool) await this.readerPool.query("select 1");
  }

  stats(): PoolStats[] {
    const stat = (pool: "writer" | "reader", p: Pool): PoolStats => ({
      pool,
      total: p.totalCount,
      idle: p.idleCount,
      waiting: p.waitingCount,
    });
    const stats = [stat("writer", this.writerPool)];
    if (this.readerPool) stats.push(stat("reader", this.readerPool));
    return stats;
  }

  async close(): Promise<void> {
    await Promise.all([this.writerPool.end(), this.readerPool?.end()]);
  }
}

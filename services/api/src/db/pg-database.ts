import { Pool, type PoolClient, type PoolConfig, type QueryConfig, type QueryResult as PgResult } from "pg";
import { describeTarget, type DatabaseConfig, type PgTarget } from "../config";
import {
  classifyDbError,
  isConnectionError,
  markNotSent,
  outcomeUnknown,
  type Database,
  type PoolStats,
  type Queryable,
  type QueryOptions,
  type QueryResult,
} from "./database";

type PostgresConfig = Extract<DatabaseConfig, { kind: "postgres" }>;

/**
 * What PgDatabase needs: the loaded config, or one built in code where `readers` may be left out (no
 * replica: reads go to the writer).
 */
export type PgDatabaseConfig = Omit<PostgresConfig, "readers"> & { readonly readers?: readonly PgTarget[] };

/** The writer pool's application_name (pg_stat_activity); reader n's is readerApplicationName(n). */
export const WRITER_APPLICATION_NAME = "skyline-api";

/** Reader n's application_name (1-based, in DB_READER_HOST order). */
export function readerApplicationName(replica: number): string {
  return `skyline-api-reader-${replica}`;
}

/** DB_QUERY_TIMEOUT_MS when the config leaves it out. */
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

/** How long a reader that failed at the connection level is left out of the read rotation. */
export const DEFAULT_READER_COOLDOWN_MS = 5000;

/** ping() waits at most this long for the readers (they never fail it; a slow one finishes in the background). */
const READER_PING_WAIT_MS = 500;
/**
 * A ping's own query timeout: a stalled server costs a readiness check its connection for this long, not
 * for the pool's query timeout (/ready answers within a second either way; see routes/ops.ts).
 */
const PING_TIMEOUT_MS = 1000;

/** A reader leaving or rejoining the read rotation. */
export interface ReaderStateChange {
  /** 1-based, in DB_READER_HOST order. */
  readonly replica: number;
  /** host:port/database, or the URL with its password redacted. */
  readonly target: string;
  readonly up: boolean;
  /** Down only: the connection-level error that took it out. */
  readonly error?: Error;
  /** Down only: how long it is skipped before it is tried again. */
  readonly cooldownMs?: number;
}

export interface PgDatabaseOptions {
  /** How long a reader is skipped after a connection-level failure; DEFAULT_READER_COOLDOWN_MS by default. */
  readonly readerCooldownMs?: number;
  /**
   * Told when a reader goes down or comes back. Without it, a reader going down is reported through
   * onError (and coming back is not reported).
   */
  readonly onReaderStateChange?: (change: ReaderStateChange) => void;
}

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
  config: Pick<PostgresConfig, "poolMax" | "connectTimeoutMs" | "schema" | "ssl" | "queryTimeoutMs">,
  signer: TokenSigner = rdsTokenSigner,
  applicationName: string = WRITER_APPLICATION_NAME,
): PoolConfig {
  const base: PoolConfig = {
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Keeps a dead socket from hanging a request forever during a failover. A write that runs into it has
    // an unknown outcome (it may still commit): see AttemptWriter.
    query_timeout: config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: applicationName,
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

/** The drain's deadline for answers (epoch ms, Database.answerBy), shared by every pool; Infinity while serving. */
interface AnswerDeadline {
  at: number;
}

/**
 * Queries on a pool, each on a connection of its own, as pool.query does; but an error raised while
 * acquiring the connection is marked "not sent" (classifyDbError: unavailable, nothing happened), so a
 * failure can be told apart from one after the statement went out (a write's outcome is then unknown).
 */
class PoolQueryable implements Queryable {
  constructor(
    private readonly pool: Pool,
    /** The pool's own query timeout, which a query without one waits for. */
    private readonly queryTimeoutMs: number,
    private readonly deadline: AnswerDeadline,
  ) {}

  async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    const result = await this.run(sql, params as unknown[] | undefined, options?.timeoutMs);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.run(sql, undefined, undefined);
  }

  /**
   * A connection from the pool; while draining, no later than the deadline. pg-pool cannot cancel a wait,
   * so a connection that arrives after it goes straight back.
   */
  private async connect(untilDeadline: number): Promise<PoolClient> {
    if (untilDeadline === Infinity) return this.pool.connect();
    const acquiring = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("no database connection before the drain's deadline for answers")),
        untilDeadline,
      );
    });
    try {
      return await Promise.race([acquiring, late]);
    } catch (error) {
      acquiring.then(
        (client) => client.release(),
        () => undefined,
      );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(
    sql: string,
    params: unknown[] | undefined,
    timeoutMs: number | undefined,
  ): Promise<PgResult> {
    const untilDeadline = this.deadline.at - Date.now();
    if (untilDeadline <= 0) throw markNotSent(new Error("not sent: past the drain's deadline for answers"));
    if (untilDeadline !== Infinity) timeoutMs = Math.min(timeoutMs ?? this.queryTimeoutMs, untilDeadline);
    let client: PoolClient;
    try {
      client = await this.connect(untilDeadline);
    } catch (error) {
      throw markNotSent(error);
    }
    return new Promise<PgResult>((resolve, reject) => {
      let released = false;
      const release = (error?: Error) => {
        if (released) return false;
        released = true;
        client.removeListener("error", onError);
        // A connection that failed or timed out (its statement may still be running) is closed; one that
        // answered with an SQL error is fine and goes back to the pool.
        client.release(error !== undefined && !answeredByServer(error) ? error : undefined);
        return true;
      };
      // A checked-out client has no error listener of the pool's: without this one, a connection error
      // while the query runs would be an uncaught 'error' event.
      const onError = (error: Error) => {
        if (release(error)) reject(error);
      };
      client.once("error", onError);
      const query =
        timeoutMs === undefined
          ? client.query(sql, params)
          : client.query({ text: sql, values: params, query_timeout: timeoutMs } as QueryConfig);
      query.then(
        (result) => {
          if (release()) resolve(result);
        },
        (error: Error) => {
          if (release(error)) reject(error);
        },
      );
    });
  }
}

/**
 * The server answered with an SQL error (it has a SQLSTATE outside the connection classes), so the
 * connection is fine to reuse; except a read-only server's: a new connection may reach the new primary.
 */
function answeredByServer(error: Error): boolean {
  const failure = classifyDbError(error);
  return (
    failure !== "unavailable" &&
    failure !== "read-only" &&
    !outcomeUnknown(failure) &&
    typeof (error as { code?: unknown }).code === "string"
  );
}

/** One read replica: its pool and whether it is in the read rotation. */
class Reader {
  readonly queryable: PoolQueryable;
  up = true;
  /** While down: not tried again before this time (ms since the epoch). */
  retryAt = 0;
  /** The ping in flight, shared by concurrent readiness checks. */
  pinging?: Promise<void>;

  constructor(
    readonly replica: number,
    readonly target: string,
    readonly pool: Pool,
    queryTimeoutMs: number,
    deadline: AnswerDeadline,
  ) {
    this.queryable = new PoolQueryable(pool, queryTimeoutMs, deadline);
  }
}

/**
 * The reader Queryable over N replicas: round-robin over the readers that are up. A connection-level
 * failure takes the reader out for the cool-down and the query is retried once, on the next reader that
 * is up or, when none is, on the writer (reads keep working, degraded). Errors in the query itself are
 * thrown as they are: never retried, the reader stays up. After the cool-down, one query (or a ping)
 * tries the reader again; an answer puts it back.
 */
class ReaderSet implements Queryable {
  private next = 0;

  constructor(
    readonly readers: readonly Reader[],
    private readonly writer: Queryable,
    private readonly cooldownMs: number,
    private readonly report: (change: ReaderStateChange) => void,
  ) {}

  query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    return this.run((q) => q.query<R>(sql, params, options));
  }

  exec(sql: string): Promise<void> {
    return this.run((q) => q.exec(sql));
  }

  /** Pings every reader (a failing one is taken out, an answering one put back); never rejects. */
  async pingAll(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READER_PING_WAIT_MS);
      timer.unref();
    });
    try {
      await Promise.race([Promise.all(this.readers.map((r) => this.ping(r))), waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ping(reader: Reader): Promise<void> {
    reader.pinging ??= (async () => {
      const wasDown = !reader.up;
      try {
        await reader.queryable.query("select 1", [], { timeoutMs: PING_TIMEOUT_MS });
        if (wasDown) this.markUp(reader);
      } catch (error) {
        if (isConnectionError(error)) this.markDown(reader, error as Error);
      } finally {
        reader.pinging = undefined;
      }
    })();
    return reader.pinging;
  }

  private async run<T>(op: (q: Queryable) => Promise<T>): Promise<T> {
    const first = this.pick(undefined, true);
    if (first === undefined) return op(this.writer);
    try {
      return await this.attempt(first, op);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
    }
    // Once, on the next reader known to be up (not one still being tried again), else on the writer.
    const second = this.pick(first, false);
    if (second !== undefined) {
      try {
        return await this.attempt(second, op);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
      }
    }
    return op(this.writer);
  }

  private async attempt<T>(reader: Reader, op: (q: Queryable) => Promise<T>): Promise<T> {
    // Only an attempt that started while the reader was down may put it back: a query that was already
    // running on a connection opened before the failure proves nothing about new connections.
    const wasDown = !reader.up;
    try {
      const result = await op(reader.queryable);
      if (wasDown) this.markUp(reader);
      return result;
    } catch (error) {
      // The server answered with an error in the query itself: it is reachable.
      if (isConnectionError(error)) this.markDown(reader, error as Error);
      else if (wasDown) this.markUp(reader);
      throw error;
    }
  }

  /**
   * The next reader in turn that is up or whose cool-down is over (when allowed): that one is tried again
   * by this query alone, the others keep skipping it for another cool-down.
   */
  private pick(exclude: Reader | undefined, allowRetry: boolean): Reader | undefined {
    const now = Date.now();
    const n = this.readers.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const reader = this.readers[index];
      if (reader === exclude) continue;
      const retry = !reader.up && allowRetry && now >= reader.retryAt;
      if (!reader.up && !retry) continue;
      this.next = (index + 1) % n;
      if (retry) reader.retryAt = now + this.cooldownMs;
      return reader;
    }
    return undefined;
  }

  private markDown(reader: Reader, error: Error): void {
    reader.retryAt = Date.now() + this.cooldownMs;
    if (!reader.up) return;
    reader.up = false;
    this.report({
      replica: reader.replica,
      target: reader.target,
      up: false,
      error,
      cooldownMs: this.cooldownMs,
    });
  }

  private markUp(reader: Reader): void {
    if (reader.up) return;
    reader.up = true;
    this.report({ replica: reader.replica, target: reader.target, up: true });
  }
}

/**
 * PostgreSQL through pg: one pool for the writer and one per reader endpoint (the in-region replicas),
 * read round-robin; see ReaderSet for what happens when one fails.
 */
export class PgDatabase implements Database {
  readonly kind = "postgres" as const;
  readonly writer: Queryable;
  readonly reader: Queryable;
  private readonly writerPool: Pool;
  private readonly readerSet?: ReaderSet;
  private readonly deadline: AnswerDeadline = { at: Infinity };

  constructor(
    config: PgDatabaseConfig,
    onError: (error: Error) => void,
    signer?: TokenSigner,
    options: PgDatabaseOptions = {},
  ) {
    this.writerPool = new Pool(poolConfigFor(config.writer, config, signer));
    // An idle client losing its connection emits on the pool; without a listener the process would crash.
    this.writerPool.on("error", onError);
    const queryTimeoutMs = config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.writer = new PoolQueryable(this.writerPool, queryTimeoutMs, this.deadline);
    const readers = (config.readers ?? []).map((target, i) => {
      const pool = new Pool(poolConfigFor(target, config, signer, readerApplicationName(i + 1)));
      pool.on("error", onError);
      return new Reader(i + 1, describeTarget(target), pool, queryTimeoutMs, this.deadline);
    });
    if (readers.length === 0) {
      this.reader = this.writer;
      return;
    }
    const report =
      options.onReaderStateChange ??
      ((change: ReaderStateChange) => {
        if (change.up || change.error === undefined) return;
        const { message, code } = change.error as Error & { code?: string };
        onError(
          Object.assign(
            new Error(
              `database reader ${change.replica} (${change.target}) is down, skipped for ${change.cooldownMs} ms: ${message}`,
            ),
            { code },
          ),
        );
      });
    this.readerSet = new ReaderSet(
      readers,
      this.writer,
      options.readerCooldownMs ?? DEFAULT_READER_COOLDOWN_MS,
      report,
    );
    this.reader = this.readerSet;
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

  answerBy(at: number): void {
    this.deadline.at = Math.min(this.deadline.at, at);
  }

  /** Ready = the writer answers (it serves reads when no reader does); the readers are pinged alongside. */
  async ping(): Promise<void> {
    const readers = this.readerSet?.pingAll();
    await this.writer.query("select 1", [], { timeoutMs: PING_TIMEOUT_MS });
    await readers;
  }

  stats(): PoolStats[] {
    const counts = (p: Pool) => ({ total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount });
    const stats: PoolStats[] = [{ pool: "writer", ...counts(this.writerPool) }];
    for (const r of this.readerSet?.readers ?? []) {
      stats.push({ pool: "reader", replica: r.replica, up: r.up, ...counts(r.pool) });
    }
    return stats;
  }

  async close(): Promise<void> {
    await Promise.all([this.writerPool.end(), ...(this.readerSet?.readers ?? []).map((r) => r.pool.end())]);
  }
}

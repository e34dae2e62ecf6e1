import type { Database, PoolStats, Queryable, QueryResult } from "./database";
import { DataDirLock } from "./data-dir-lock";

// PGlite's own types, without importing the package at type level in CommonJS builds.
interface PGliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(
    fn: (tx: { query: PGliteLike["query"]; exec: PGliteLike["exec"] }) => Promise<T>,
  ): Promise<T>;
  close(): Promise<void>;
  waitReady: Promise<void>;
}

/** The embedded default: PostgreSQL compiled to WASM, in this process, in memory or in a directory. */
export class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  readonly writer: Queryable;
  readonly reader: Queryable;

  private constructor(
    private readonly db: PGliteLike,
    private readonly lock?: DataDirLock,
  ) {
    this.writer = {
      query: (sql, params) => this.run(db, sql, params),
      exec: async (sql) => void (await db.exec(sql)),
    };
    this.reader = this.writer;
  }

  /**
   * Opens the database in dataDir (created on first use) or in memory. A directory is used by one process
   * at a time (PGlite has no lock of its own; two writers would corrupt it): a second one is refused.
   */
  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const lock = dataDir === undefined ? undefined : DataDirLock.acquire(dataDir);
    try {
      const { PGlite } = await import("@electric-sql/pglite");
      const db = new PGlite(dataDir) as unknown as PGliteLike;
      await db.waitReady;
      return new PgliteDatabase(db, lock);
    } catch (error) {
      lock?.release();
      if (dataDir === undefined) throw error;
      throw new Error(
        `The embedded database in ${dataDir} cannot be opened (${(error as Error).message}): remove that directory to start afresh, or set PGLITE_DATA_DIR to another directory or to "memory".`,
        { cause: error },
      );
    }
  }

  private async run<R>(
    target: { query: PGliteLike["query"] },
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> {
    const result = await target.query<R>(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: (sql, params) => this.run(tx, sql, params),
        exec: async (sql) => void (await tx.exec(sql)),
      }),
    );
  }

  async ping(): Promise<void> {
    await this.db.query("select 1");
  }

  stats(): PoolStats[] {
    return [];
  }

  answerBy(): void {
    // In-process: a query cannot hang on a network, and nothing times out.
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}

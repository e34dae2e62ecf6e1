import type { Database, PoolStats, Queryable, QueryResult } from "./database";

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

  private constructor(private readonly db: PGliteLike) {
    this.writer = {
      query: (sql, params) => this.run(db, sql, params),
      exec: async (sql) => void (await db.exec(sql)),
    };
    this.reader = this.writer;
  }

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = new PGlite(dataDir) as unknown as PGliteLike;
    await db.waitReady;
    return new PgliteDatabase(db);
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

  close(): Promise<void> {
    return this.db.close();
  }
}

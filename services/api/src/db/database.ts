/** The database as the routes see it: a writer, a reader (the writer when there is no replica), health and stats. */
export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface PoolStats {
  readonly pool: "writer" | "reader";
  /** Reader pools only: which replica (1-based, in DB_READER_HOST order). */
  readonly replica?: number;
  /** Reader pools only: false while the replica is skipped after a connection-level failure. */
  readonly up?: boolean;
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly writer: Queryable;
  /** Read-only queries; may lag the writer by replica delay. */
  readonly reader: Queryable;
  /** Runs fn in one transaction on the writer (BEGIN/COMMIT, ROLLBACK on throw). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Resolves when the writer answers `select 1`. Separate readers are pinged too (a failing one is taken
   * out of the read rotation) but never fail it: reads fall back to the other readers or the writer.
   */
  ping(): Promise<void>;
  stats(): PoolStats[];
  close(): Promise<void>;
}

/**
 * Error codes that mean "this connection to the server failed" (could not connect, or the connection was
 * lost): the query never ran to an answer, and another server may well answer it.
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);

/**
 * A connection-level failure (class 08, the 57P0x shutdowns, a refused, reset, lost or timed-out
 * connection), never an error in the request itself (syntax, constraint, data).
 */
export function isConnectionError(error: unknown): boolean {
  // Duck-typed rather than instanceof: errors from other realms (vm contexts, workers) must match too.
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  // pg reports lost connections and connect timeouts without a code.
  return (
    typeof message === "string" &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i.test(
      message,
    )
  );
}

/**
 * Errors that mean "the database is not reachable right now" rather than "this request is wrong":
 * the routes answer 503 with Retry-After for these.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isConnectionError(error)) return true;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "53300"; // too_many_connections
}

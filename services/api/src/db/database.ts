/** The database as the routes see it: a writer, a reader (the writer when there is no replica), health and stats. */
export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface QueryOptions {
  /** Longest wait for the answer, when shorter than the pool's query timeout (PGlite: ignored). */
  readonly timeoutMs?: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<QueryResult<R>>;
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
  /**
   * The process is draining: no query waits for its answer, nor for a connection, past `at` (epoch ms),
   * and none is sent after it; one that runs out of time fails as a timeout (sent) or as unavailable (not
   * sent). Queries already sent keep their own timeout. PGlite: nothing to do (in-process).
   */
  answerBy(at: number): void;
  close(): Promise<void>;
}

/**
 * Why a statement failed, and so what is known about its effect on the data. Every database error the
 * service sees falls in one of these (classifyDbError); the routes answer from the class, never from
 * the message.
 */
export type DbFailure =
  /** It never reached a server: connect refused or timed out, no free connection. Nothing happened. */
  | "unavailable"
  /** Sent, and no answer within the query timeout: a write may still commit. Outcome unknown. */
  | "timeout"
  /** Sent, and the connection died before the answer: a write may have committed. Outcome unknown. */
  | "connection-lost"
  /** 57014: canceled by the server (statement_timeout, a cancel request): rolled back. */
  | "canceled"
  /** Class 53 (too many connections, out of memory or disk): nothing was done. */
  | "overloaded"
  /** 40001 serialization failure, 40P01 deadlock: rolled back, worth trying again. */
  | "retryable"
  /**
   * 25006: the server is read-only (a replica not yet promoted, or a demoted primary after a failover):
   * the write was refused, nothing was done. Its connection is closed, so the next one follows the name.
   */
  | "read-only"
  /** Class 23 (unique, foreign key, check): the request conflicts with what is stored. Rolled back. */
  | "constraint"
  /** Class 22 (a value the server cannot take): the request slipped past validation. Rolled back. */
  | "data"
  /** Any other error the server answered with (syntax, permissions: a bug or a deploy problem). */
  | "other";

/** The failures after which a write may or may not have been committed. */
export function outcomeUnknown(failure: DbFailure): boolean {
  return failure === "timeout" || failure === "connection-lost";
}

/** The failures that say "the database cannot serve this now", not "this request is wrong": 503. */
export function isTransient(failure: DbFailure): boolean {
  return (
    failure === "unavailable" ||
    outcomeUnknown(failure) ||
    failure === "canceled" ||
    failure === "overloaded" ||
    failure === "retryable" ||
    failure === "read-only"
  );
}

const NOT_SENT = Symbol("skyline.db.notSent");

/** Marks an error raised before the statement was handed to a connection (acquiring one failed). */
export function markNotSent<E>(error: E): E {
  if (typeof error === "object" && error !== null) (error as Record<symbol, unknown>)[NOT_SENT] = true;
  return error;
}

/** Failures that can only happen while connecting: nothing was sent, whatever the phase. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P03", // cannot_connect_now
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08004", // sqlserver_rejected_establishment_of_sqlconnection
  "28000", // invalid_authorization_specification
  "28P01", // invalid_password
]);

/** Failures of an established connection: a statement sent on it has an unknown outcome. */
const LOST_CODES = new Set([
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
]);

const CONNECT_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;
const LOST_MESSAGES = /Connection terminated|Client has encountered a connection error|not queryable/i;

/** The DbFailure of any error a Queryable threw (see DbFailure). */
export function classifyDbError(error: unknown): DbFailure {
  if (typeof error !== "object" || error === null) return "other";
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message : "";
  const notSent = (error as Record<symbol, unknown>)[NOT_SENT] === true;
  if (typeof code === "string") {
    if (CONNECT_CODES.has(code)) return "unavailable";
    if (LOST_CODES.has(code) || code.startsWith("08")) return notSent ? "unavailable" : "connection-lost";
    if (code === "57014") return "canceled";
    if (code.startsWith("53")) return "overloaded";
    if (code === "40001" || code === "40P01") return "retryable";
    if (code === "25006") return "read-only";
    if (code.startsWith("23")) return "constraint";
    if (code.startsWith("22")) return "data";
  }
  if (CONNECT_MESSAGES.test(text)) return "unavailable";
  if (notSent) return "unavailable";
  if (text === "Query read timeout") return "timeout";
  if (LOST_MESSAGES.test(text)) return "connection-lost";
  return "other";
}

/**
 * A connection-level failure (could not connect, or the connection was lost), never an error in the
 * request itself (syntax, constraint, data): a read that failed so may be retried on another server.
 */
export function isConnectionError(error: unknown): boolean {
  const failure = classifyDbError(error);
  return failure === "unavailable" || failure === "connection-lost";
}

/**
 * Errors that mean "the database cannot serve this right now" rather than "this request is wrong":
 * a read answers 503 with Retry-After for these.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return isTransient(classifyDbError(error));
}

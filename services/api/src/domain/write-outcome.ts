import { classifyDbError, isTransient, outcomeUnknown, type DbFailure } from "../db/database";

/**
 * A write that certainly stored nothing: the database could not be reached (or did not get to it) before
 * the statement was sent, or the server canceled it. Safe to send again: the route answers 503.
 */
export class WriteNotApplied extends Error {
  constructor(
    readonly failure: DbFailure,
    cause: unknown,
  ) {
    super(`write not applied: database ${failure}`, { cause });
    this.name = "WriteNotApplied";
  }
}

/**
 * A write whose outcome is unknown: it was sent and the database did not answer in time (or the
 * connection died), so it may have been committed, or may still be. Never reported as a failure: the
 * route answers 202 and the client learns the outcome by sending the same request with the same
 * Idempotency-Key again (see README, "Writes and retries").
 */
export class WriteOutcomeUnknown extends Error {
  constructor(
    readonly failure: DbFailure,
    cause: unknown,
  ) {
    super(`write outcome unknown: database ${failure}`, { cause });
    this.name = "WriteOutcomeUnknown";
  }
}

/**
 * Runs one write statement and turns a database failure into what it means for the caller: outcome
 * unknown (may have committed), not applied (certainly nothing stored), or the error itself (the server
 * refused the statement: constraint, data, a bug). For writes that cannot be retried by id.
 */
export async function runWrite<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const failure = classifyDbError(error);
    if (outcomeUnknown(failure)) throw new WriteOutcomeUnknown(failure, error);
    if (isTransient(failure)) throw new WriteNotApplied(failure, error);
    throw error;
  }
}

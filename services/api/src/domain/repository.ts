import type { Queryable } from "../db/database";
import type { AttemptCursor } from "./cursor";
import type { Question, ScoredAnswer } from "./scoring";

export interface TestRecord {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly questions: Question[];
  readonly version: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AttemptRecord {
  readonly id: string;
  readonly testId: string;
  readonly testVersion: number;
  readonly userId: string;
  readonly answers: ScoredAnswer[];
  readonly score: number;
  readonly maxScore: number;
  readonly requestHash: string | null;
  readonly createdAt: string;
}

// Microsecond UTC ISO strings straight from PostgreSQL: exact for keyset cursors, valid RFC 3339 for clients.
const ts = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const TEST_COLUMNS = `id, title, description, questions, version, created_by as "createdBy",
  ${ts("created_at")} as "createdAt", ${ts("updated_at")} as "updatedAt"`;

const ATTEMPT_COLUMNS = `id, test_id as "testId", test_version as "testVersion", user_id as "userId", answers,
  score, max_score as "maxScore", request_hash as "requestHash", ${ts("created_at")} as "createdAt"`;

export interface TestInput {
  readonly title: string;
  readonly description?: string;
  readonly questions: Question[];
}

export async function insertTest(
  db: Queryable,
  id: string,
  input: TestInput,
  createdBy: string,
): Promise<TestRecord> {
  const { rows } = await db.query<TestRecord>(
    `insert into tests (id, title, description, questions, created_by) values ($1, $2, $3, $4::jsonb, $5)
     returning ${TEST_COLUMNS}`,
    [id, input.title, input.description ?? "", JSON.stringify(input.questions), createdBy],
  );
  return rows[0];
}

/** Replaces a test's content and bumps its version; undefined when there is no such test. */
export async function updateTest(
  db: Queryable,
  id: string,
  input: TestInput,
): Promise<TestRecord | undefined> {
  const { rows } = await db.query<TestRecord>(
    `update tests set title = $2, description = $3, questions = $4::jsonb, version = version + 1,
       updated_at = clock_timestamp()
     where id = $1 returning ${TEST_COLUMNS}`,
    [id, input.title, input.description ?? "", JSON.stringify(input.questions)],
  );
  return rows[0];
}

export async function findTest(db: Queryable, id: string): Promise<TestRecord | undefined> {
  const { rows } = await db.query<TestRecord>(`select ${TEST_COLUMNS} from tests where id = $1`, [id]);
  return rows[0];
}

export interface AttemptInput {
  readonly id: string;
  readonly testId: string;
  readonly testVersion: number;
  readonly userId: string;
  readonly answers: ScoredAnswer[];
  readonly score: number;
  readonly maxScore: number;
  readonly idempotencyKey?: string;
  readonly requestHash?: string;
}

export interface InsertedAttempt {
  readonly attempt: AttemptRecord;
  /** True when the idempotency key was already used: nothing was inserted, attempt is the first one. */
  readonly replayed: boolean;
}

/**
 * Inserts attempts with one statement (one round trip, one commit) however many there are, and returns
 * each inserted attempt's database timestamp by id. An attempt whose idempotency key this user already
 * used (earlier, or earlier in the same statement) inserts nothing and is absent from the map;
 * concurrent retries race safely on the unique index.
 */
export async function insertAttemptRows(
  db: Queryable,
  inputs: readonly AttemptInput[],
): Promise<Map<string, string>> {
  const column = <T>(pick: (input: AttemptInput) => T) => inputs.map(pick);
  const { rows } = await db.query<{ id: string; createdAt: string }>(
    `insert into attempts (id, test_id, test_version, user_id, answers, score, max_score, idempotency_key, request_hash)
     select * from unnest($1::uuid[], $2::uuid[], $3::integer[], $4::text[], $5::jsonb[], $6::integer[],
       $7::integer[], $8::text[], $9::text[])
     on conflict (user_id, idempotency_key) where idempotency_key is not null do nothing
     returning id, ${ts("created_at")} as "createdAt"`,
    [
      column((i) => i.id),
      column((i) => i.testId),
      column((i) => i.testVersion),
      column((i) => i.userId),
      column((i) => JSON.stringify(i.answers)),
      column((i) => i.score),
      column((i) => i.maxScore),
      column((i) => i.idempotencyKey ?? null),
      column((i) => i.requestHash ?? null),
    ],
  );
  return new Map(rows.map((r) => [r.id, r.createdAt]));
}

/**
 * The outcome of one attempt of an insertAttemptRows call: the attempt as sent plus its timestamp (nothing
 * re-read), or, when its key was taken, the first attempt with that key (one more query).
 */
export async function insertedAttempt(
  db: Queryable,
  input: AttemptInput,
  createdAt: ReadonlyMap<string, string>,
): Promise<InsertedAttempt> {
  const at = createdAt.get(input.id);
  if (at !== undefined) return { attempt: attemptFrom(input, at), replayed: false };
  const existing = await findAttemptByKey(db, input.userId, input.idempotencyKey ?? "");
  if (!existing) throw new Error("attempt insert conflicted but no attempt has its idempotency key");
  return { attempt: existing, replayed: true };
}

function attemptFrom(input: AttemptInput, createdAt: string): AttemptRecord {
  return {
    id: input.id,
    testId: input.testId,
    testVersion: input.testVersion,
    userId: input.userId,
    answers: input.answers,
    score: input.score,
    maxScore: input.maxScore,
    requestHash: input.requestHash ?? null,
    createdAt,
  };
}

export async function findAttemptByKey(
  db: Queryable,
  userId: string,
  key: string,
): Promise<AttemptRecord | undefined> {
  const { rows } = await db.query<AttemptRecord>(
    `select ${ATTEMPT_COLUMNS} from attempts where user_id = $1 and idempotency_key = $2`,
    [userId, key],
  );
  return rows[0];
}

/** One page of a user's attempts, newest first; fetches one extra row to know whether more follow. */
export async function listAttempts(
  db: Queryable,
  userId: string,
  limit: number,
  after?: AttemptCursor,
): Promise<{ items: AttemptRecord[]; more: boolean }> {
  const params: unknown[] = [userId, limit + 1];
  let where = "user_id = $1";
  if (after) {
    // Row comparison matches the (user_id, created_at desc, id desc) index, so each page is an index range scan.
    where += " and (created_at, id) < ($3::timestamptz, $4::uuid)";
    params.push(after.createdAt, after.id);
  }
  const { rows } = await db.query<AttemptRecord>(
    `select ${ATTEMPT_COLUMNS} from attempts where ${where} order by created_at desc, id desc limit $2`,
    params,
  );
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

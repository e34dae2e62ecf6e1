import type { Queryable, QueryOptions } from "../db/database";
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
 * each inserted attempt's database timestamp by id. A row that conflicts with a stored one inserts nothing
 * and is absent from the map: its idempotency key was already used by this user (earlier, or earlier in
 * the same statement), or its id is already stored, which happens only when this very attempt was
 * committed by an earlier try whose answer was lost (see AttemptWriter). Running it again with the same
 * ids is therefore safe: each attempt is stored at most once. Concurrent tries race safely on the indexes.
 */
export async function insertAttemptRows(
  db: Queryable,
  inputs: readonly AttemptInput[],
  options?: QueryOptions,
): Promise<Map<string, string>> {
  // One JSON document for the whole group: JSON.stringify is native, where pg would build nine array
  // literals element by element in JavaScript (escaping every answers document): a third of the CPU.
  // Read as jsonb, not json: json_to_recordset parses each row's answers a second time to make it jsonb,
  // a tenth of PostgreSQL's CPU per POST (55 to 49-50 µs in paired runs of bench/api-load.ts).
  const rowsJson = JSON.stringify(
    inputs.map((i) => ({
      id: i.id,
      test_id: i.testId,
      test_version: i.testVersion,
      user_id: i.userId,
      answers: i.answers,
      score: i.score,
      max_score: i.maxScore,
      idempotency_key: i.idempotencyKey ?? null,
      request_hash: i.requestHash ?? null,
    })),
  );
  const { rows } = await db.query<{ id: string; createdAt: string }>(
    `insert into attempts (id, test_id, test_version, user_id, answers, score, max_score, idempotency_key, request_hash)
     select id, test_id, test_version, user_id, answers, score, max_score, idempotency_key, request_hash
     from jsonb_to_recordset($1::jsonb) as r(id uuid, test_id uuid, test_version integer, user_id text,
       answers jsonb, score integer, max_score integer, idempotency_key text, request_hash text)
     on conflict do nothing
     returning id, ${ts("created_at")} as "createdAt"`,
    [rowsJson],
    options,
  );
  return new Map(rows.map((r) => [r.id, r.createdAt]));
}

/**
 * The outcomes of an insertAttemptRows call: an attempt it inserted is returned as sent plus its
 * timestamp (nothing re-read); for the others, one query finds what is stored: the attempt itself (by id:
 * an earlier try committed it; not a replay) or the first attempt with its idempotency key (a replay).
 */
export async function insertedAttempts(
  db: Queryable,
  inputs: readonly AttemptInput[],
  createdAt: ReadonlyMap<string, string>,
): Promise<InsertedAttempt[]> {
  const missing = inputs.filter((input) => !createdAt.has(input.id));
  const stored = missing.length === 0 ? [] : await findStoredAttempts(db, missing);
  return inputs.map((input) => {
    const at = createdAt.get(input.id);
    if (at !== undefined) return { attempt: attemptFrom(input, at), replayed: false };
    const own = stored.find((a) => a.id === input.id);
    if (own) return { attempt: own, replayed: false };
    const first = stored.find((a) => a.userId === input.userId && a.idempotencyKey === input.idempotencyKey);
    if (!first) throw new Error(`attempt ${input.id} was not inserted and nothing stored conflicts with it`);
    return { attempt: first, replayed: true };
  });
}

/** The stored attempts with these ids, or with these (user, idempotency key) pairs. */
async function findStoredAttempts(
  db: Queryable,
  inputs: readonly AttemptInput[],
): Promise<(AttemptRecord & { idempotencyKey: string | null })[]> {
  const keyed = inputs.filter((i) => i.idempotencyKey !== undefined);
  const { rows } = await db.query<AttemptRecord & { idempotencyKey: string | null }>(
    `select ${ATTEMPT_COLUMNS}, idempotency_key as "idempotencyKey" from attempts where id = any($1::uuid[])
     union all
     select ${ATTEMPT_COLUMNS}, idempotency_key as "idempotencyKey" from attempts
     where (user_id, idempotency_key) in (select * from unnest($2::text[], $3::text[]))`,
    [inputs.map((i) => i.id), keyed.map((i) => i.userId), keyed.map((i) => i.idempotencyKey)],
  );
  return rows;
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

import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../app-context";
import type { AttemptRecord } from "../domain/repository";
import type { SubmittedAnswer } from "../domain/scoring";
import { HttpProblem } from "../http/problem";
import { asyncAttemptId, encodeSubmission, isAsyncAttemptIdOf } from "../queue/submission";
import { attemptResponse, canonicalUuid, errorResponses, testIdParams } from "./schemas";

/** Seconds a client should wait before asking again about a pending attempt. */
const PENDING_RETRY_AFTER = "1";

/** RFC 7240: `Prefer: respond-async` (among other preferences, parameters ignored). */
export function prefersAsync(header: string | string[] | undefined): boolean {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values
    .flatMap((v) => v.split(","))
    .some((p) => p.split(/[;=]/)[0].trim().toLowerCase() === "respond-async");
}

/** Whether this submission goes through the queue: a queue is configured, and config or the client asks. */
export function isAsync(ctx: AppContext, prefer: string | string[] | undefined): boolean {
  return ctx.submissions !== undefined && (ctx.config.queue.attemptsAsync || prefersAsync(prefer));
}

/**
 * The asynchronous path of POST /v1/tests/:id/attempts, after the same validation as the synchronous
 * one: enqueue and answer 202 with where to look. Nothing is written to the database here; the id is
 * derived from user and Idempotency-Key, so a retry gets the same id and a redelivered message the
 * same row (the worker's insert does nothing for a stored id or key).
 */
export async function enqueueAttempt(
  ctx: AppContext,
  reply: FastifyReply,
  submission: {
    testId: string;
    userId: string;
    idempotencyKey: string;
    requestHash: string;
    answers: SubmittedAnswer[];
  },
): Promise<FastifyReply> {
  const id = asyncAttemptId(submission.userId, submission.idempotencyKey);
  try {
    await ctx.submissions!.send(
      encodeSubmission({ v: 1, attemptId: id, ...submission, acceptedAt: Date.now() }),
    );
  } catch {
    throw new HttpProblem(
      503,
      "queue-unavailable",
      "Service Unavailable",
      "The submission could not be queued; nothing was stored. Send it again (same Idempotency-Key).",
      { "retry-after": "5" },
    );
  }
  return reply
    .code(202)
    .header("location", `/v1/attempts/${id}`)
    .header("preference-applied", "respond-async")
    .header("retry-after", PENDING_RETRY_AFTER)
    .type("application/json; charset=utf-8")
    .send(JSON.stringify({ id, status: "pending", testId: submission.testId }));
}

/** An attempt as GET /v1/attempts/:id answers it: the stored fields, when stored, and its status. */
const attemptStatusResponse = {
  type: "object",
  properties: {
    ...attemptResponse.properties,
    status: { type: "string", enum: ["pending", "scored", "failed"] },
    reason: { type: "string" },
  },
} as const;

const ATTEMPT_COLUMNS = `a.id, a.test_id as "testId", a.test_version as "testVersion", a.user_id as "userId",
  a.answers, a.score, a.max_score as "maxScore",
  to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt"`;
const STORED_ATTEMPT = `select ${ATTEMPT_COLUMNS} from attempts a where a.id = $1`;
const ALIASED_ATTEMPT = `select ${ATTEMPT_COLUMNS} from attempt_aliases al join attempts a on a.id = al.attempt_id
  where al.id = $1 and al.user_id = $2`;

/**
 * GET /v1/attempts/:id: the caller's attempt, scored (stored; or, when its Idempotency-Key already held
 * an earlier attempt of the caller, that earlier one, with its own id), failed (a worker gave up on it),
 * or pending (an id this API handed this caller for a queued submission, not stored yet). Anything
 * else, including another user's attempt, is 404.
 */
export async function attemptStatusRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Params: { id: string } }>(
    "/v1/attempts/:id",
    {
      onRequest: ctx.authenticated,
      schema: { params: testIdParams, response: { 200: attemptStatusResponse, ...errorResponses } },
    },
    async (request, reply) => {
      const id = canonicalUuid(request.params.id);
      const userId = request.principal!.userId;
      const stored = (await ctx.db.reader.query<AttemptRecord & { userId: string }>(STORED_ATTEMPT, [id]))
        .rows[0];
      if (stored && stored.userId === userId) return { status: "scored", ...stored };
      if (!stored) {
        const failed = await ctx.db.reader.query<{ reason: string }>(
          "select reason from attempt_failures where id = $1 and user_id = $2",
          [id, userId],
        );
        if (failed.rows[0]) return { id, status: "failed", reason: failed.rows[0].reason };
        // Its key already held an earlier attempt of this user: that one is the answer (as a replay).
        const earlier = (
          await ctx.db.reader.query<AttemptRecord & { userId: string }>(ALIASED_ATTEMPT, [id, userId])
        ).rows[0];
        if (earlier) return { status: "scored", ...earlier };
        if (isAsyncAttemptIdOf(id, userId)) {
          reply.header("retry-after", PENDING_RETRY_AFTER);
          return { id, status: "pending" };
        }
      }
      throw new HttpProblem(404, "not-found", "Not Found", `No attempt ${id}.`);
    },
  );
}

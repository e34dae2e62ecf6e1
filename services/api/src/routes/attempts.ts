import { createHash, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context";
import { decodeCursor, encodeCursor } from "../domain/cursor";
import { findAttemptByKey, listAttempts, type AttemptRecord } from "../domain/repository";
import { scoreAttempt, type SubmittedAnswer } from "../domain/scoring";
import { HttpProblem } from "../http/problem";
import { enqueueAttempt, isAsync } from "./async-attempts";
import {
  canonicalIdempotencyKey,
  canonicalUuid,
  attemptBody,
  attemptListQuery,
  attemptListResponse,
  attemptResponse,
  errorResponses,
  idempotencyHeaders,
  testIdParams,
} from "./schemas";

/** Attempts per page when the query names no limit. */
const DEFAULT_PAGE_SIZE = 20;

interface AttemptRequest {
  Params: { id: string };
  Body: { answers: SubmittedAnswer[] };
  Headers: { "idempotency-key"?: string; prefer?: string };
}

/** The same key with a different request is a client bug, not a retry (as Stripe and the IETF draft treat it). */
function checkSameRequest(attempt: AttemptRecord, requestHash: string): void {
  if (attempt.requestHash !== requestHash) {
    throw new HttpProblem(
      422,
      "idempotency-key-reused",
      "Unprocessable Content",
      "This Idempotency-Key was already used with a different request; use a new key for a new submission.",
    );
  }
}

/**
 * POST /v1/tests/:id/attempts (idempotent with Idempotency-Key; asynchronous with `Prefer: respond-async`
 * or ATTEMPTS_ASYNC when a queue is configured, see async-attempts.ts), GET /v1/me/attempts (keyset pages).
 */
export async function attemptRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<AttemptRequest>(
    "/v1/tests/:id/attempts",
    {
      onRequest: ctx.authenticated,
      // A replay is answered even past the per-user write limit, and does not count against it (guards.ts).
      config: { replayable: true },
      schema: {
        params: testIdParams,
        headers: idempotencyHeaders,
        body: attemptBody,
        response: { 200: attemptResponse, 201: attemptResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const testId = canonicalUuid(request.params.id);
      const userId = request.principal!.userId;
      const sentKey = request.headers["idempotency-key"];
      if (sentKey === undefined) {
        throw new HttpProblem(
          400,
          "idempotency-key-required",
          "Bad Request",
          "Send an Idempotency-Key header: a new random value (a UUID) for each submission, the same value when you send that submission again.",
          {},
          [{ field: "/headers/idempotency-key", message: "is required" }],
        );
      }
      const key = canonicalIdempotencyKey(sentKey);
      const requestHash = createHash("sha256")
        .update(`${testId}\n${JSON.stringify(request.body.answers)}`)
        .digest("base64url");
      if (request.writeLimitRefusal) {
        // Over the write limit: only a replay is answered (one lookup by key); anything else gets the 429.
        const previous = await findAttemptByKey(ctx.db.writer, userId, key);
        if (!previous) {
          ctx.metrics.rateLimited.inc({ scope: "user" });
          throw request.writeLimitRefusal;
        }
        checkSameRequest(previous, requestHash);
        request.refundWriteLimit?.();
        return reply.code(201).header("idempotent-replayed", "true").send(previous);
      }
      const { test } = await ctx.catalog.get(testId);
      const scored = test ? scoreAttempt(test.questions, request.body.answers) : undefined;
      if (!test || !scored || Array.isArray(scored)) {
        // A retry of a stored submission is still answered if its test changed or vanished since; the
        // common path skips this lookup (the insert below detects a reused key by itself).
        const previous = await findAttemptByKey(ctx.db.writer, userId, key);
        if (previous) {
          checkSameRequest(previous, requestHash);
          request.refundWriteLimit?.();
          return reply.code(201).header("idempotent-replayed", "true").send(previous);
        }
        if (!test || !scored) {
          throw new HttpProblem(404, "not-found", "Not Found", `No test ${testId}.`);
        }
        if (Array.isArray(scored)) {
          throw new HttpProblem(400, "validation-failed", "Bad Request", scored[0].message, {}, scored);
        }
      }
      if (isAsync(ctx, request.headers.prefer)) {
        // Validated like a synchronous one; the queue's worker scores and stores it (202, Location).
        const answers = request.body.answers;
        return enqueueAttempt(ctx, reply, {
          testId: test.id,
          userId,
          idempotencyKey: key,
          requestHash,
          answers,
        });
      }
      const { attempt, replayed } = await ctx.attempts.insert({
        id: randomUUID(),
        testId: test.id,
        testVersion: test.version,
        userId,
        answers: scored.answers,
        score: scored.score,
        maxScore: scored.maxScore,
        idempotencyKey: key,
        requestHash,
      });
      if (replayed) {
        checkSameRequest(attempt, requestHash);
        request.refundWriteLimit?.();
        reply.header("idempotent-replayed", "true");
      }
      return reply.code(201).send(attempt);
    },
  );

  app.get<{ Querystring: { limit?: string; cursor?: string } }>(
    "/v1/me/attempts",
    {
      onRequest: ctx.authenticated,
      schema: { querystring: attemptListQuery, response: { 200: attemptListResponse, ...errorResponses } },
    },
    async (request) => {
      const { cursor } = request.query;
      const limit = request.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(request.query.limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (cursor !== undefined && after === undefined) {
        throw new HttpProblem(
          400,
          "bad-cursor",
          "Bad Request",
          "cursor is not valid; pass the nextCursor of the previous page.",
          {},
          [{ field: "/cursor", message: "not a cursor this API issued" }],
        );
      }
      const page = await listAttempts(ctx.db.reader, request.principal!.userId, limit, after);
      const last = page.items[page.items.length - 1];
      return {
        items: page.items,
        nextCursor: page.more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
      };
    },
  );
}

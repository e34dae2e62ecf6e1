import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../app-context";
import { insertTest, updateTest, type TestInput, type TestRecord } from "../domain/repository";
import type { CacheResult } from "../domain/test-catalog";
import { validateQuestions } from "../domain/scoring";
import { runWrite, WriteOutcomeUnknown } from "../domain/write-outcome";
import { HttpProblem, sendOutcomeUnknown } from "../http/problem";

const testPath = (id: string) => `/v1/tests/${id}`;
import {
  canonicalUuid,
  adminTestResponse,
  errorResponses,
  publicTestResponse,
  testBody,
  testIdParams,
} from "./schemas";

function checkQuestions(input: TestInput): void {
  const problems = validateQuestions(input.questions);
  if (problems.length > 0) {
    throw new HttpProblem(400, "validation-failed", "Bad Request", problems[0].message, {}, problems);
  }
}

/**
 * The public body of a test the in-process cache hands out again and again (the same object each time),
 * serialized once by the route's response schema instead of on every hit. Weak: it goes with the entry.
 */
const publicBodies = new WeakMap<TestRecord, ReturnType<FastifyReply["serialize"]>>();

function sendPublicTest(reply: FastifyReply, test: TestRecord, cache: CacheResult): void {
  let body = publicBodies.get(test);
  if (body === undefined) {
    // reply.serialize applies the 200 response schema: `answer` is dropped exactly as for an object.
    body = reply.serialize(test);
    publicBodies.set(test, body);
  }
  reply.header("x-cache", cache).type("application/json; charset=utf-8").send(body);
}

/** POST /v1/tests (admin), GET /v1/tests/:id (cache-aside), PUT /v1/tests/:id (admin). */
export async function testRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: TestInput }>(
    "/v1/tests",
    {
      onRequest: ctx.admin,
      schema: { body: testBody, response: { 201: adminTestResponse, ...errorResponses } },
    },
    async (request, reply) => {
      checkQuestions(request.body);
      const id = randomUUID();
      let test: TestRecord;
      try {
        test = await runWrite(() => insertTest(ctx.db.writer, id, request.body, request.principal!.userId));
      } catch (error) {
        if (!(error instanceof WriteOutcomeUnknown)) throw error;
        // The id was chosen here, so whether it was stored can be checked.
        return sendOutcomeUnknown(
          request,
          reply,
          `The database did not confirm this write in time: the test may or may not have been created. GET ${testPath(id)}: 200 means it was; 404 means it was not (create it again).`,
          testPath(id),
        );
      }
      await ctx.catalog.written(test);
      return reply.code(201).header("location", testPath(test.id)).send(test);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/tests/:id",
    { schema: { params: testIdParams, response: { 200: publicTestResponse, ...errorResponses } } },
    // Not async: a test in the in-process tier (the common case) is answered without a promise.
    (request, reply) => {
      const id = canonicalUuid(request.params.id);
      const hot = ctx.catalog.getHot(id);
      if (hot !== undefined) {
        sendPublicTest(reply, hot, "hit");
        return;
      }
      return ctx.catalog.get(id).then(({ test, cache }) => {
        if (!test) {
          reply.header("x-cache", cache);
          throw new HttpProblem(404, "not-found", "Not Found", `No test ${id}.`);
        }
        sendPublicTest(reply, test, cache);
      });
    },
  );

  app.put<{ Params: { id: string }; Body: TestInput }>(
    "/v1/tests/:id",
    {
      onRequest: ctx.admin,
      schema: {
        params: testIdParams,
        body: testBody,
        response: { 200: adminTestResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const id = canonicalUuid(request.params.id);
      checkQuestions(request.body);
      let test: TestRecord | undefined;
      try {
        test = await runWrite(() => updateTest(ctx.db.writer, id, request.body));
      } catch (error) {
        if (!(error instanceof WriteOutcomeUnknown)) throw error;
        return sendOutcomeUnknown(
          request,
          reply,
          `The database did not confirm this update in time: it may or may not have been applied. GET ${testPath(id)} to see the stored version, or send the same PUT again (it is idempotent).`,
          testPath(id),
        );
      }
      if (!test) throw new HttpProblem(404, "not-found", "Not Found", `No test ${id}.`);
      await ctx.catalog.written(test);
      return reply.send(test);
    },
  );
}

import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../app-context";
import { insertTest, updateTest, type TestInput, type TestRecord } from "../domain/repository";
import { validateQuestions } from "../domain/scoring";
import { HttpProblem } from "../http/problem";
import { adminTestResponse, errorResponses, publicTestResponse, testBody, testIdParams } from "./schemas";

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
      const test = await insertTest(ctx.db.writer, randomUUID(), request.body, request.principal!.userId);
      await ctx.catalog.written(test);
      return reply.code(201).header("location", `/v1/tests/${test.id}`).send(test);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/tests/:id",
    { schema: { params: testIdParams, response: { 200: publicTestResponse, ...errorResponses } } },
    async (request, reply) => {
      const { test, cache } = await ctx.catalog.get(request.params.id);
      reply.header("x-cache", cache);
      if (!test) throw new HttpProblem(404, "not-found", "Not Found", `No test ${request.params.id}.`);
      let body = publicBodies.get(test);
      if (body === undefined) {
        // reply.serialize applies the 200 response schema: `answer` is dropped exactly as for an object.
        body = reply.serialize(test);
        publicBodies.set(test, body);
      }
      return reply.type("application/json; charset=utf-8").send(body);
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
    async (request) => {
      checkQuestions(request.body);
      const test = await updateTest(ctx.db.writer, request.params.id, request.body);
      if (!test) throw new HttpProblem(404, "not-found", "Not Found", `No test ${request.params.id}.`);
      await ctx.catalog.written(test);
      return test;
    },
  );
}

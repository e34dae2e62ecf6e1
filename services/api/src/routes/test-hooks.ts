import type { FastifyInstance } from "fastify";

/**
 * Test-only routes (ENABLE_TEST_HOOKS=true, refused in production): a request that takes as long as
 * asked, so drain-on-SIGTERM can be tested with a request really in flight.
 */
export async function testHookRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { ms: number } }>(
    "/__test/slow",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["ms"],
          properties: { ms: { type: "integer", minimum: 0, maximum: 60_000 } },
        },
      },
    },
    async (request) => {
      await new Promise((resolve) => setTimeout(resolve, request.query.ms));
      return { waitedMs: request.query.ms };
    },
  );
}

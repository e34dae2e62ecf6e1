import type { FastifyInstance } from "fastify";

/**
 * Test-only routes (ENABLE_TEST_HOOKS=true, refused in production): a request that takes as long as
 * asked, so drain-on-SIGTERM can be tested with a request really in flight.
 */
export async function testHookRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { ms: string } }>(
    "/__test/slow",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          required: ["ms"],
          properties: { ms: { type: "string", pattern: "^[0-9]{1,5}$" } },
        },
      },
    },
    async (request) => {
      const ms = Number(request.query.ms);
      // Tests wait for this line to know the request is in flight before they send a signal.
      request.log.info({ ms }, "test hook: slow request started");
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { waitedMs: ms };
    },
  );
}

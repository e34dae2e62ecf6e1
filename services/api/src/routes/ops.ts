import type { FastifyInstance } from "fastify";
import type { AppContext } from "../app-context";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "../contract";
import { sendProblem } from "../http/problem";

const SHUTTING_DOWN = "Shutting down: finishing in-flight requests; send new ones to another instance.";

interface Check {
  status: "ok" | "unavailable";
  latencyMs: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 1000;

/** Runs one dependency check with a deadline; the error is a code, never a message with hosts or SQL. */
async function check(probe: () => Promise<void>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error("timeout"), { code: "TIMEOUT" })),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: "ok", latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      status: "unavailable",
      latencyMs: Math.round(performance.now() - started),
      error: typeof code === "string" ? code : "UNREACHABLE",
    };
  } finally {
    clearTimeout(timer);
  }
}

const checkSchema = {
  type: "object",
  properties: { status: { type: "string" }, latencyMs: { type: "integer" }, error: { type: "string" } },
} as const;

/** /health (alive), /ready (database and cache reachable), /metrics (Prometheus). */
export async function opsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(
    HEALTH_PATH,
    { schema: { response: { 200: { type: "object", properties: { status: { type: "string" } } } } } },
    async () => ({ status: "ok" }),
  );

  app.get(
    READY_PATH,
    {
      schema: {
        response: {
          200: {
            type: "object",
            properties: {
              status: { type: "string" },
              checks: { type: "object", properties: { database: checkSchema, cache: checkSchema } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      if (ctx.isShuttingDown()) {
        // Draining: no dependency checks, just "take me out of rotation".
        return sendProblem(
          request,
          reply,
          503,
          "not-ready",
          "Service Unavailable",
          SHUTTING_DOWN,
          undefined,
          {
            readiness: "shutting-down",
          },
        );
      }
      const [database, cache] = await Promise.all([
        check(() => ctx.db.ping()),
        check(() => ctx.cache.ping()),
      ]);
      if (database.status === "ok" && cache.status === "ok") {
        return reply.code(200).send({ status: "ready", checks: { database, cache } });
      }
      // A load balancer reads the status code; a human reads which dependency failed.
      const down = [database.status !== "ok" && "database", cache.status !== "ok" && "cache"].filter(Boolean);
      return sendProblem(
        request,
        reply,
        503,
        "not-ready",
        "Service Unavailable",
        `Not ready: ${down.join(" and ")} unavailable.`,
        undefined,
        { readiness: "unavailable", checks: { database, cache } },
      );
    },
  );

  app.get(METRICS_PATH, async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}

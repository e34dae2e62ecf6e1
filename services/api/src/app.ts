import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from "fastify";
import type { AppContext } from "./app-context";
import { Jwks } from "./auth/jwks";
import { JwtVerifier } from "./auth/jwt";
import type { Cache } from "./cache/cache";
import type { ServiceConfig } from "./config";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "./contract";
import { isDatabaseUnavailable, type Database } from "./db/database";
import { TestCatalog } from "./domain/test-catalog";
import { requireUser } from "./http/guards";
import { Metrics } from "./http/metrics";
import { HttpProblem, sendProblem } from "./http/problem";
import { RateLimiter, rateLimitHeaders, type RateLimitRule } from "./http/rate-limit";
import { attemptRoutes } from "./routes/attempts";
import { opsRoutes } from "./routes/ops";
import { testHookRoutes } from "./routes/test-hooks";
import { testRoutes } from "./routes/tests";

export interface AppDeps {
  readonly config: ServiceConfig;
  readonly db: Database;
  readonly cache: Cache;
  readonly logger: FastifyBaseLogger;
  /** Shared so dependency clients created before the app can count their errors. @default a new Metrics */
  readonly metrics?: Metrics;
}

export interface App {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  /** Marks the app as draining: /ready turns 503 before the listener closes. */
  beginShutdown(): void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Paths the per-IP limit leaves alone: probes and scrapes must never be throttled. */
const UNLIMITED = new Set([HEALTH_PATH, READY_PATH, METRICS_PATH]);
const DB_RETRY_AFTER_SECONDS = "5";
const FASTIFY_ERROR_SLUGS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "invalid-json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid-json",
  FST_ERR_CTP_BODY_TOO_LARGE: "body-too-large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported-media-type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "bad-request",
};

export function buildApp(deps: AppDeps): App {
  const { config, db, cache } = deps;
  const metrics = deps.metrics ?? new Metrics(() => db.stats());
  let shuttingDown = false;

  const app = Fastify({
    loggerInstance: deps.logger,
    // One access line per request comes from the onResponse hook below instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // Trust exactly the load balancer's hop(s) in X-Forwarded-For, so clients cannot spoof their address.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Honour a caller's request id (the load balancer's or a client's) when it is sane; else make one.
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false },
    },
    return503OnClosing: true,
  });

  // JSON only: anything else is a 415, not a string body that fails validation.
  app.removeContentTypeParser("text/plain");

  const limiter = new RateLimiter(cache, config.keyPrefix);
  const ipRule: RateLimitRule = {
    scope: "ip",
    max: config.rateLimit.ipMax,
    windowMs: config.rateLimit.ipWindowMs,
  };
  const userWriteRule: RateLimitRule = {
    scope: "user",
    max: config.rateLimit.userWriteMax,
    windowMs: config.rateLimit.userWriteWindowMs,
  };
  let lastFailOpenWarning = 0;
  const warnFailOpen = (scope: string) => {
    metrics.rateLimitFailOpen.inc({ scope });
    if (Date.now() - lastFailOpenWarning > 10_000) {
      lastFailOpenWarning = Date.now();
      app.log.warn({ scope }, "rate-limit store unreachable: failing open (requests are not being limited)");
    }
  };

  const verifier = new JwtVerifier({
    secret: config.jwt.secret,
    keys: config.jwt.jwksUrl ? new Jwks(config.jwt.jwksUrl) : undefined,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    rolesClaim: config.jwt.rolesClaim,
  });
  const guardDeps = { verifier, limiter, metrics, userWriteRule, warnFailOpen };
  const catalog = new TestCatalog(db, cache, metrics, app.log, config.keyPrefix, config.cacheTtlSeconds);

  const ctx: AppContext = {
    config,
    db,
    cache,
    metrics,
    catalog,
    authenticated: requireUser(guardDeps),
    admin: requireUser(guardDeps, "admin"),
    isShuttingDown: () => shuttingDown,
  };

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    const path = request.url.split("?")[0];
    if (UNLIMITED.has(path)) return;
    const decision = await limiter.consume(ipRule, request.ip);
    if (decision.failedOpen) {
      warnFailOpen("ip");
      return;
    }
    reply.headers(rateLimitHeaders(decision));
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: "ip" });
      throw new HttpProblem(
        429,
        "rate-limited",
        "Too Many Requests",
        `At most ${decision.limit} requests per ${ipRule.windowMs / 1000} s per client address; retry after ${decision.resetSeconds} s.`,
        rateLimitHeaders(decision),
      );
    }
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.requests.inc({ method: request.method, route, status: String(status) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (status >= 400) metrics.errors.inc({ route, status: String(status) });
    request.log.info(
      { method: request.method, url: request.url, status, ms: Math.round(reply.elapsedTime * 10) / 10 },
      "request",
    );
  });

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      reply.headers(error.headers);
      return sendProblem(request, reply, error.status, error.slug, error.title, error.detail, error.errors);
    }
    if (error.validation) {
      const errors = error.validation.map((v) => {
        const extra = (v.params as { additionalProperty?: string }).additionalProperty;
        const base = `${error.validationContext ? `/${error.validationContext}` : ""}${v.instancePath}`;
        return extra
          ? { field: `${base}/${extra}`, message: "unknown field; remove it" }
          : { field: base || "/", message: v.message ?? "is invalid" };
      });
      return sendProblem(
        request,
        reply,
        400,
        "validation-failed",
        "Bad Request",
        `${errors[0].field} ${errors[0].message}`,
        errors,
      );
    }
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, "database unavailable");
      reply.header("retry-after", DB_RETRY_AFTER_SECONDS);
      return sendProblem(
        request,
        reply,
        503,
        "database-unavailable",
        "Service Unavailable",
        "The database is unreachable; retry shortly.",
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx (bad JSON, body too large, wrong content type): its message is safe to show.
      const slug = FASTIFY_ERROR_SLUGS[error.code] ?? "bad-request";
      return sendProblem(request, reply, status, slug, STATUS_CODES[status] ?? "Bad Request", error.message);
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(
      request,
      reply,
      500,
      "internal-error",
      "Internal Server Error",
      "Something went wrong; quote the requestId when reporting it.",
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      404,
      "not-found",
      "Not Found",
      `No route ${request.method} ${request.url.split("?")[0]}.`,
    ),
  );

  app.register(async (scoped) => opsRoutes(scoped, ctx));
  app.register(async (scoped) => testRoutes(scoped, ctx));
  app.register(async (scoped) => attemptRoutes(scoped, ctx));
  if (config.enableTestHooks) app.register(testHookRoutes);

  app.addHook("onClose", async () => {
    catalog.close();
  });

  return {
    app,
    metrics,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}

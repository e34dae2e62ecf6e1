import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from "fastify";
import type { AppContext } from "./app-context";
import { Jwks } from "./auth/jwks";
import { JwtVerifier } from "./auth/jwt";
import { VerifiedTokenCache } from "./auth/verified-token-cache";
import type { Cache } from "./cache/cache";
import {
  LocalInvalidationChannel,
  NoInvalidationChannel,
  type InvalidationChannel,
} from "./cache/invalidation";
import { LocalCache } from "./cache/local-cache";
import type { ServiceConfig } from "./config";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "./contract";
import { isDatabaseUnavailable, type Database } from "./db/database";
import { AttemptWriter } from "./domain/attempt-writer";
import { TestCatalog } from "./domain/test-catalog";
import { requireUser } from "./http/guards";
import { Metrics } from "./http/metrics";
import { lazyChildLoggerFactory } from "./http/lazy-request-logger";
import { HttpProblem, sendProblem } from "./http/problem";
import { BatchedRateLimiter } from "./http/batched-rate-limiter";
import {
  RateLimiter,
  rateLimitHeaders,
  type Limiter,
  type RateDecision,
  type RateLimitRule,
} from "./http/rate-limit";
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
  /**
   * How test updates reach the other instances' in-process caches.
   * @default in-process delivery with the in-process cache; none with Redis (no in-process tier then)
   */
  readonly invalidation?: InvalidationChannel;
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

/** Concurrent attempt INSERTs: a few, leaving pool connections for the other queries. */
function attemptInserts(config: ServiceConfig): number {
  if (config.database.kind === "pglite") return 1;
  return Math.max(1, Math.min(4, config.database.poolMax - 1));
}

export function buildApp(deps: AppDeps): App {
  const { config, db, cache } = deps;
  // Request ids: a random per-process prefix and a counter; unique across instances without a UUID each.
  const idPrefix = randomBytes(6).toString("hex");
  let idSequence = 0;
  const metrics = deps.metrics ?? new Metrics(() => db.stats());
  let shuttingDown = false;

  const app = Fastify({
    loggerInstance: deps.logger,
    // One access line per request comes from the onResponse hook below instead.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is built on first use: most requests never log through it.
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    // Trust exactly the load balancer's hop(s) in X-Forwarded-For, so clients cannot spoof their address.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    // Honour a caller's request id (the load balancer's or a client's) when it is sane; else make one.
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming)
        ? incoming
        : `${idPrefix}-${(++idSequence).toString(36)}`;
    },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false },
    },
    return503OnClosing: true,
  });

  // JSON only: anything else is a 415, not a string body that fails validation.
  app.removeContentTypeParser("text/plain");

  // Hits are batched only against a shared store, where each one would cost a network round trip.
  const batched =
    cache.kind === "redis" && config.rateLimitBatching.localPercent > 0
      ? new BatchedRateLimiter(cache, config.keyPrefix, {
          localShare: config.rateLimitBatching.localPercent / 100,
          syncIntervalMs: config.rateLimitBatching.syncIntervalMs,
        })
      : undefined;
  const limiter: Limiter = batched ?? new RateLimiter(cache, config.keyPrefix);
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

  const verifier = new VerifiedTokenCache(
    new JwtVerifier({
      secret: config.jwt.secret,
      keys: config.jwt.jwksUrl ? new Jwks(config.jwt.jwksUrl) : undefined,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      rolesClaim: config.jwt.rolesClaim,
    }),
  );
  const guardDeps = { verifier, limiter, metrics, userWriteRule, warnFailOpen };
  const catalog = new TestCatalog({
    db,
    cache,
    metrics,
    log: app.log,
    keyPrefix: config.keyPrefix,
    ttlSeconds: config.cacheTtlSeconds,
    local: new LocalCache({ ttlMs: config.localCache.ttlMs, maxEntries: config.localCache.maxEntries }),
    invalidation:
      deps.invalidation ??
      (cache.kind === "memory" ? new LocalInvalidationChannel() : new NoInvalidationChannel()),
  });

  const ctx: AppContext = {
    config,
    db,
    cache,
    metrics,
    catalog,
    attempts: new AttemptWriter(db.writer, {
      maxBatch: config.attemptBatchMax,
      maxInFlight: attemptInserts(config),
    }),
    authenticated: requireUser(guardDeps),
    admin: requireUser(guardDeps, "admin"),
    isShuttingDown: () => shuttingDown,
  };

  /** Applies the per-address decision to the reply; the 429 problem to throw, if refused. */
  const applyIpDecision = (decision: RateDecision, reply: FastifyReply): HttpProblem | undefined => {
    if (decision.failedOpen) {
      warnFailOpen("ip");
      return undefined;
    }
    reply.headers(rateLimitHeaders(decision));
    if (decision.allowed) return undefined;
    metrics.rateLimited.inc({ scope: "ip" });
    return new HttpProblem(
      429,
      "rate-limited",
      "Too Many Requests",
      `At most ${decision.limit} requests per ${ipRule.windowMs / 1000} s per client address; retry after ${decision.resetSeconds} s.`,
      rateLimitHeaders(decision),
    );
  };

  // Callback-style hooks: most requests are decided without I/O, and a promise per hook per request is
  // measurable at this rate.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    const path = request.url.split("?")[0];
    if (UNLIMITED.has(path)) return done();
    const local = limiter.consumeLocally?.(ipRule, request.ip);
    if (local !== undefined) return done(applyIpDecision(local, reply));
    limiter.consume(ipRule, request.ip).then((decision) => done(applyIpDecision(decision, reply)), done);
  });

  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.recordRequest(request.method, route, status, reply.elapsedTime / 1000);
    // The root logger with the id as a field: the same line as request.log would write, without a child.
    app.log.info(
      {
        reqId: request.id,
        method: request.method,
        url: request.url,
        status,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request",
    );
    done();
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
    await batched?.close();
  });

  return {
    app,
    metrics,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}

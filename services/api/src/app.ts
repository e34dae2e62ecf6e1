import { randomBytes } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
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
import { classifyDbError, isDatabaseUnavailable, type Database } from "./db/database";
import { AttemptWriter } from "./domain/attempt-writer";
import { TestCatalog } from "./domain/test-catalog";
import { WriteNotApplied, WriteOutcomeUnknown } from "./domain/write-outcome";
import { DrainState } from "./http/drain";
import { requireUser } from "./http/guards";
import { Metrics } from "./http/metrics";
import { trustedProxy } from "./http/trusted-proxy";
import { lazyChildLoggerFactory } from "./http/lazy-request-logger";
import { clientErrorHandler } from "./http/client-errors";
import { registerJsonBodyParser } from "./http/json-body";
import { errorFields, RateLimitedLog } from "./http/log-limiter";
import {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  problemType,
  sendOutcomeUnknown,
  sendProblem,
  WRITE_OUTCOME_UNKNOWN,
} from "./http/problem";
import { BatchedRateLimiter } from "./http/batched-rate-limiter";
import {
  RateLimiter,
  rateLimitHeaders,
  type Limiter,
  type RateDecision,
  type RateLimitRule,
} from "./http/rate-limit";
import { attemptRoutes } from "./routes/attempts";
import { attemptStatusRoutes } from "./routes/async-attempts";
import { EnqueueBatcher } from "./queue/enqueue-batcher";
import type { WorkQueue } from "./queue/work-queue";
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
  /** Where repeated dependency errors are logged (one line per interval). @default one on the logger */
  readonly dependencyLog?: RateLimitedLog;
  /** The submission queue (asynchronous POST /v1/tests/:id/attempts). @default none: synchronous only */
  readonly queue?: WorkQueue;
}

export interface App {
  readonly app: FastifyInstance;
  readonly metrics: Metrics;
  /** The drain after SIGTERM: /ready turns 503 and responses close their connections (see server.ts). */
  readonly drain: DrainState;
  /**
   * The drain's deadline for answers (epoch ms): no database wait (a query, a connection, a submission's
   * tries) goes past it, so every request in flight is answered before the process exits.
   */
  answerBy(at: number): void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Paths the per-IP limit leaves alone: probes and scrapes must never be throttled. */
const UNLIMITED = new Set([HEALTH_PATH, READY_PATH, METRICS_PATH]);
const DB_RETRY_AFTER_SECONDS = "5";
/** Logger levels at which the access line (info) is written. */
const ACCESS_LOG_LEVELS = new Set(["info", "debug", "trace"]);
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
  const nextRequestId = () => `${idPrefix}-${(++idSequence).toString(36)}`;
  const metrics = deps.metrics ?? new Metrics(() => db.stats());
  const drain = new DrainState();

  const app = Fastify({
    loggerInstance: deps.logger,
    // One access line per request comes from the onResponse hook below instead.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is built on first use: most requests never log through it.
    childLoggerFactory: lazyChildLoggerFactory,
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For only from the load balancer's addresses and only its hop(s): clients cannot choose
    // their address (and so their rate-limit bucket), whether they come through it or not.
    trustProxy: trustedProxy(config.trustProxyFrom, config.trustProxyHops),
    // Honour a caller's request id (the load balancer's or a client's) when it is sane; else make one.
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : nextRequestId();
    },
    // Requests Node's parser refuses (431, 501, CL+TE…): a problem document, and no reset (see client-errors.ts).
    clientErrorHandler: clientErrorHandler(() => nextRequestId()),
    // Router errors (a path that is not valid percent-encoding, an over-long parameter): problems too.
    frameworkErrors: (error, request, reply) => {
      if (error.code === "FST_ERR_MAX_PARAM_LENGTH") {
        return sendProblem(
          request,
          reply,
          414,
          "uri-too-long",
          "URI Too Long",
          "A path segment is too long.",
        );
      }
      if (error.code === "FST_ERR_BAD_URL") {
        return sendProblem(
          request,
          reply,
          400,
          "bad-request",
          "Bad Request",
          "The path is not valid percent-encoding (e.g. %zz).",
        );
      }
      request.log.error({ error: errorFields(error) }, "router error");
      return sendProblem(
        request,
        reply,
        500,
        "internal-error",
        "Internal Server Error",
        "Something went wrong.",
      );
    },
    ajv: {
      // No type coercion: `"choice": null`, `true` or `"1"` are not the integer 1, `123` is not a title.
      // Query strings and headers are strings, and their schemas say so (patterns).
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
    // Requests still arriving on open connections while the listener closes are served (with Connection:
    // close, see DrainState), not answered with Fastify's plain-JSON 503.
    return503OnClosing: false,
  });

  // Repeated dependency errors: one line per interval with a count, not one (with a stack) per request.
  const dependencyLog = deps.dependencyLog ?? new RateLimitedLog(app.log);

  // application/json in UTF-8 only, and no string PostgreSQL could not store (see json-body.ts).
  registerJsonBodyParser(app);

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
  const warnFailOpen = (scope: string) => {
    metrics.rateLimitFailOpen.inc({ scope });
    dependencyLog.warn(
      `rate-limit-fail-open:${scope}`,
      { scope },
      "rate-limit store unreachable: failing open (requests are not being limited)",
    );
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
  const guardDeps = { verifier, limiter, metrics, userWriteRule, warnFailOpen, dependencyLog };
  const catalog = new TestCatalog({
    db,
    cache,
    metrics,
    log: app.log,
    dependencyLog,
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
      timeoutMs: config.writeTimeoutMs,
      queryTimeoutMs: config.database.kind === "postgres" ? config.database.queryTimeoutMs : undefined,
      onRetry: (failure) => {
        metrics.writeRetries.inc({ failure });
        dependencyLog.warn(
          `attempt-write-retry:${failure}`,
          { failure },
          "attempt write got no answer (it may have been stored): trying again with the same ids",
        );
      },
    }),
    submissions: deps.queue && new EnqueueBatcher(deps.queue),
    authenticated: requireUser(guardDeps),
    admin: requireUser(guardDeps, "admin"),
    isShuttingDown: () => drain.draining,
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
    drain.started(reply.raw);
    reply.header("x-request-id", request.id);
    const url = request.url;
    const query = url.indexOf("?");
    if (UNLIMITED.has(query === -1 ? url : url.slice(0, query))) return done();
    const local = limiter.consumeLocally?.(ipRule, request.ip);
    if (local !== undefined) return done(applyIpDecision(local, reply));
    limiter.consume(ipRule, request.ip).then((decision) => done(applyIpDecision(decision, reply)), done);
  });

  app.addHook("onResponse", (request, reply, done) => {
    drain.finished(reply.raw);
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.recordRequest(request.method, route, status, reply.elapsedTime / 1000);
    // Built only when it is written: at the default level (warn) no access line is.
    if (!ACCESS_LOG_LEVELS.has(app.log.level)) return done();
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
    if (error instanceof WriteOutcomeUnknown) {
      dependencyLog.error(
        `write-outcome-unknown:${error.failure}`,
        { error: errorFields(error.cause), failure: error.failure, route: request.routeOptions.url },
        "database did not confirm a write in time: answered 202, outcome unknown",
      );
      return sendOutcomeUnknown(request, reply, WRITE_OUTCOME_UNKNOWN);
    }
    if (error instanceof WriteNotApplied || isDatabaseUnavailable(error)) {
      const failure = error instanceof WriteNotApplied ? error.failure : classifyDbError(error);
      dependencyLog.error(
        `database-unavailable:${failure}`,
        { error: errorFields(error instanceof WriteNotApplied ? error.cause : error), failure },
        "database unavailable: answered 503",
      );
      reply.header("retry-after", DB_RETRY_AFTER_SECONDS);
      return sendProblem(
        request,
        reply,
        503,
        "database-unavailable",
        "Service Unavailable",
        error instanceof WriteNotApplied
          ? // Certainly nothing stored: the one 5xx a write gets, so it may invite the retry (same key: no duplicate).
            "The database could not be reached and nothing was stored; send the same request again after Retry-After seconds (a submission with the same Idempotency-Key)."
          : "The database could not be reached; try again after Retry-After seconds.",
      );
    }
    const failure = error.statusCode === undefined ? classifyDbError(error) : undefined;
    if (failure === "constraint") {
      request.log.warn({ error: errorFields(error) }, "write refused by a database constraint");
      return sendProblem(
        request,
        reply,
        409,
        "conflict",
        "Conflict",
        "The request conflicts with the stored data; read it again and retry.",
      );
    }
    if (failure === "data") {
      // Validation should have refused the value: logged so the gap gets closed, but still the client's value.
      request.log.warn({ error: errorFields(error) }, "database refused a value that passed validation");
      return sendProblem(
        request,
        reply,
        400,
        "bad-request",
        "Bad Request",
        "A value in the request cannot be stored.",
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

  // An Expect other than 100-continue: Node would answer a bare 417 itself.
  app.server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({
      type: problemType("expectation-failed"),
      title: "Expectation Failed",
      status: 417,
      detail: "Only Expect: 100-continue is supported.",
      requestId: nextRequestId(),
    });
    res.writeHead(417, {
      "content-type": PROBLEM_CONTENT_TYPE,
      "content-length": Buffer.byteLength(body),
      connection: "close",
    });
    res.end(body);
    req.resume();
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
  app.register(async (scoped) => attemptStatusRoutes(scoped, ctx));
  if (config.enableTestHooks) app.register(testHookRoutes);

  app.addHook("onClose", async () => {
    catalog.close();
    dependencyLog.close();
    await batched?.close();
  });

  const answerBy = (at: number) => {
    db.answerBy(at);
    ctx.attempts.answerBy(at);
  };
  return { app, metrics, drain, answerBy };
}

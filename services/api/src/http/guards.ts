import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { JwtError, type Principal, type TokenVerifier } from "../auth/jwt";
import { errorFields, type RateLimitedLog } from "./log-limiter";
import type { Metrics } from "./metrics";
import { HttpProblem } from "./problem";
import { rateLimitHeaders, type Limiter, type RateLimitRule } from "./rate-limit";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** A replayable route's 429, left for the route to send unless the request is a replay (see replayable). */
    writeLimitRefusal?: HttpProblem;
    /** On a replayable route: gives back the per-user write hit the guard counted (the request was a replay). */
    refundWriteLimit?: () => void;
  }
  interface FastifyContextConfig {
    /**
     * The route answers idempotent replays (a repeat of a stored submission, same Idempotency-Key): they
     * do not count against the per-user write limit, so the guard leaves a 429 to the route
     * (request.writeLimitRefusal), which sends it only if the request is not a replay, and gives a
     * replay's hit back (refundWriteLimit).
     */
    replayable?: boolean;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export interface GuardDeps {
  readonly verifier: TokenVerifier;
  readonly limiter: Limiter;
  readonly metrics: Metrics;
  readonly userWriteRule: RateLimitRule;
  readonly warnFailOpen: (scope: string) => void;
  /** Where an unreachable JWKS endpoint is logged, once per interval. */
  readonly dependencyLog: RateLimitedLog;
}

/**
 * onRequest hook for authenticated routes (before the body is even parsed): verifies the bearer token, checks the role, and on writes
 * applies the per-user limit (the per-IP limit runs earlier, for every request).
 */
export function requireUser(deps: GuardDeps, role?: string): onRequestAsyncHookHandler {
  return async function guard(request: FastifyRequest, reply: FastifyReply) {
    const match = BEARER.exec(request.headers.authorization ?? "");
    if (!match) {
      throw new HttpProblem(401, "unauthenticated", "Unauthorized", "Send Authorization: Bearer <JWT>.", {
        "www-authenticate": 'Bearer realm="skyline"',
      });
    }
    try {
      request.principal = await deps.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof JwtError) {
        throw new HttpProblem(401, "invalid-token", "Unauthorized", error.message, {
          "www-authenticate": `Bearer realm="skyline", error="invalid_token"`,
        });
      }
      // The JWKS endpoint is unreachable: not the client's fault, and retrying later may work.
      deps.dependencyLog.error("jwks", { error: errorFields(error) }, "token keys unavailable: answered 503");
      throw new HttpProblem(503, "auth-unavailable", "Service Unavailable", "Token keys are unavailable.", {
        "retry-after": "5",
      });
    }
    if (role !== undefined && !request.principal.roles.includes(role)) {
      throw new HttpProblem(403, "forbidden", "Forbidden", `This route needs the "${role}" role.`);
    }
    if (request.method === "POST" || request.method === "PUT") {
      const decision = await deps.limiter.consume(deps.userWriteRule, request.principal.userId);
      if (decision.failedOpen) deps.warnFailOpen("user");
      else if (request.routeOptions.config.replayable === true) {
        const userId = request.principal.userId;
        request.refundWriteLimit = () => deps.limiter.refund(deps.userWriteRule, userId);
      }
      const current = Number(reply.getHeader("x-ratelimit-remaining") ?? Infinity);
      // Report whichever limit is closer to running out.
      if (!decision.failedOpen && decision.remaining <= current) reply.headers(rateLimitHeaders(decision));
      if (!decision.allowed) {
        const refusal = new HttpProblem(
          429,
          "rate-limited",
          "Too Many Requests",
          `At most ${decision.limit} writes per ${deps.userWriteRule.windowMs / 1000} s per user; retry after ${decision.resetSeconds} s.`,
          rateLimitHeaders(decision),
        );
        if (request.routeOptions.config.replayable === true) {
          request.writeLimitRefusal = refusal;
          return;
        }
        deps.metrics.rateLimited.inc({ scope: "user" });
        throw refusal;
      }
    }
  };
}

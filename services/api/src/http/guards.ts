import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { JwtError, type Principal, type TokenVerifier } from "../auth/jwt";
import type { Metrics } from "./metrics";
import { HttpProblem } from "./problem";
import { rateLimitHeaders, type Limiter, type RateLimitRule } from "./rate-limit";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export interface GuardDeps {
  readonly verifier: TokenVerifier;
  readonly limiter: Limiter;
  readonly metrics: Metrics;
  readonly userWriteRule: RateLimitRule;
  readonly warnFailOpen: (scope: string) => void;
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
      request.log.error({ err: error }, "token keys unavailable");
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
      const current = Number(reply.getHeader("x-ratelimit-remaining") ?? Infinity);
      // Report whichever limit is closer to running out.
      if (!decision.failedOpen && decision.remaining <= current) reply.headers(rateLimitHeaders(decision));
      if (!decision.allowed) {
        deps.metrics.rateLimited.inc({ scope: "user" });
        throw new HttpProblem(
          429,
          "rate-limited",
          "Too Many Requests",
          `At most ${decision.limit} writes per ${deps.userWriteRule.windowMs / 1000} s per user; retry after ${decision.resetSeconds} s.`,
          rateLimitHeaders(decision),
        );
      }
    }
  };
}

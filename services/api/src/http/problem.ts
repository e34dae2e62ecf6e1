import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * RFC 9457 problem details. Every error response has this shape and `application/problem+json`;
 * 5xx responses never carry the underlying message (no stack traces, no SQL).
 */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
const TYPE_BASE = "https://skyline.dev/problems/";

/** The problem type URI for a slug. */
export function problemType(slug: string): string {
  return `${TYPE_BASE}${slug}`;
}

/** An error a handler throws on purpose; the error handler renders it as-is. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly errors?: Problem["errors"],
  ) {
    super(detail ?? title);
    this.name = "HttpProblem";
  }
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  slug: string,
  title: string,
  detail?: string,
  errors?: Problem["errors"],
  /** RFC 9457 extension members (e.g. /ready's checks). */
  extensions?: Readonly<Record<string, unknown>>,
): FastifyReply {
  const problem: Problem = {
    type: problemType(slug),
    title,
    status,
    detail,
    instance: request.url.split("?")[0],
    requestId: String(request.id),
    errors,
    ...extensions,
  };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** What a client is told about a write whose outcome is unknown (see WriteOutcomeUnknown). */
export const WRITE_OUTCOME_UNKNOWN =
  "The database did not confirm this write in time: it may or may not have been stored. Send the same request again with the same Idempotency-Key to learn the outcome (201 once stored); never send it with a new key, which would store it twice.";

/**
 * 202 for a write whose outcome is unknown: not an error (the write may well have succeeded), so not a
 * problem document, and never a 5xx, which clients read as "failed".
 */
export function sendOutcomeUnknown(
  request: FastifyRequest,
  reply: FastifyReply,
  detail: string,
  location?: string,
): FastifyReply {
  if (location !== undefined) reply.header("location", location);
  return reply
    .code(202)
    .header("retry-after", "5")
    .type("application/json; charset=utf-8")
    .send(JSON.stringify({ status: "outcome-unknown", detail, requestId: String(request.id) }));
}

/** Shared response schema for documenting error responses on routes. */
export const problemSchema = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    requestId: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" } } },
    },
  },
} as const;

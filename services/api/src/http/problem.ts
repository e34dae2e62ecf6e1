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
): FastifyReply {
  const problem: Problem = {
    type: `${TYPE_BASE}${slug}`,
    title,
    status,
    detail,
    instance: request.url.split("?")[0],
    requestId: String(request.id),
    errors,
  };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
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

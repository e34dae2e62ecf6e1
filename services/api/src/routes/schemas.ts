import { problemSchema } from "../http/problem";

/**
 * JSON schemas for every route: request validation (unknown fields rejected, no type coercion) and
 * response serialization. Path, query and header values are strings: their schemas are patterns.
 */
/** A UUID in either case (RFC 9562 says they are case-insensitive); routes lower-case it (canonicalUuid). */
export const uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/** The one spelling of a UUID used for cache keys and comparisons. */
export function canonicalUuid(id: string): string {
  return id.toLowerCase();
}

const UUID = new RegExp(uuidPattern);

/**
 * An Idempotency-Key as stored: a UUID (what clients are told to send) in lower case, so the same
 * submission sent again with its key in another case is a replay, not a second attempt; any other key
 * exactly as sent (it is opaque, and "abc" and "ABC" may be two submissions).
 */
export function canonicalIdempotencyKey(key: string): string {
  return UUID.test(key) ? key.toLowerCase() : key;
}

export const testIdParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: { type: "string", pattern: uuidPattern } },
} as const;

const questionInput = {
  type: "object",
  additionalProperties: false,
  required: ["id", "prompt", "choices", "answer"],
  properties: {
    id: { type: "string", minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" },
    prompt: { type: "string", minLength: 1, maxLength: 2000 },
    choices: {
      type: "array",
      minItems: 2,
      maxItems: 10,
      items: { type: "string", minLength: 1, maxLength: 500 },
    },
    answer: { type: "integer", minimum: 0, maximum: 9 },
    points: { type: "integer", minimum: 1, maximum: 100, default: 1 },
  },
} as const;

export const testBody = {
  type: "object",
  additionalProperties: false,
  required: ["title", "questions"],
  properties: {
    title: { type: "string", minLength: 1, maxLength: 200 },
    description: { type: "string", maxLength: 2000, default: "" },
    questions: { type: "array", minItems: 1, maxItems: 200, items: questionInput },
  },
} as const;

const testCommon = {
  id: { type: "string" },
  title: { type: "string" },
  description: { type: "string" },
  version: { type: "integer" },
  createdAt: { type: "string" },
  updatedAt: { type: "string" },
} as const;

/** What an admin sees: answers included. */
export const adminTestResponse = {
  type: "object",
  properties: {
    ...testCommon,
    createdBy: { type: "string" },
    questions: { type: "array", items: questionInput },
  },
} as const;

/** What a test taker sees: the serializer drops `answer`, since only listed properties are written. */
export const publicTestResponse = {
  type: "object",
  properties: {
    ...testCommon,
    questions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          prompt: { type: "string" },
          choices: { type: "array", items: { type: "string" } },
          points: { type: "integer" },
        },
      },
    },
  },
} as const;

export const attemptBody = {
  type: "object",
  additionalProperties: false,
  required: ["answers"],
  properties: {
    answers: {
      type: "array",
      minItems: 1,
      maxItems: 200,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["questionId", "choice"],
        properties: {
          questionId: { type: "string", minLength: 1, maxLength: 64 },
          choice: { type: "integer", minimum: 0, maximum: 9 },
        },
      },
    },
  },
} as const;

export const idempotencyHeaders = {
  type: "object",
  properties: {
    "idempotency-key": { type: "string", minLength: 1, maxLength: 200, pattern: "^[\\x21-\\x7e]+$" },
  },
} as const;

export const attemptResponse = {
  type: "object",
  properties: {
    id: { type: "string" },
    testId: { type: "string" },
    testVersion: { type: "integer" },
    score: { type: "integer" },
    maxScore: { type: "integer" },
    answers: {
      type: "array",
      items: {
        type: "object",
        properties: {
          questionId: { type: "string" },
          choice: { type: "integer" },
          correct: { type: "boolean" },
        },
      },
    },
    createdAt: { type: "string" },
  },
} as const;

export const attemptListQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    // 1 to 100, as digits (a query string holds text; nothing is coerced).
    limit: { type: "string", pattern: "^(100|[1-9][0-9]?)$" },
    cursor: { type: "string", minLength: 1, maxLength: 200 },
  },
} as const;

export const attemptListResponse = {
  type: "object",
  properties: {
    items: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          testId: { type: "string" },
          testVersion: { type: "integer" },
          score: { type: "integer" },
          maxScore: { type: "integer" },
          createdAt: { type: "string" },
        },
      },
    },
    nextCursor: { type: ["string", "null"] },
  },
} as const;

/** Error responses every route can produce. */
export const errorResponses = {
  "4xx": problemSchema,
  "5xx": problemSchema,
} as const;

import { createHash } from "node:crypto";
import type { SubmittedAnswer } from "../domain/scoring";

/** An asynchronous attempt submission as it travels from the API to a worker. */
export interface SubmissionMessage {
  readonly v: 1;
  readonly attemptId: string;
  readonly testId: string;
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly answers: SubmittedAnswer[];
  /** When the API accepted it (ms since the epoch): the start of the enqueue-to-committed latency. */
  readonly acceptedAt: number;
}

/** A message no worker can ever process (not a submission): it goes to the dead letters. */
export class PoisonMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoisonMessage";
  }
}

export function encodeSubmission(message: SubmissionMessage): string {
  return JSON.stringify(message);
}

export function decodeSubmission(body: string): SubmissionMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PoisonMessage("message body is not JSON");
  }
  const m = parsed as Partial<SubmissionMessage> | null;
  const strings = ["attemptId", "testId", "userId", "idempotencyKey", "requestHash"] as const;
  if (
    typeof m !== "object" ||
    m === null ||
    m.v !== 1 ||
    strings.some((k) => typeof m[k] !== "string") ||
    typeof m.acceptedAt !== "number" ||
    !Array.isArray(m.answers) ||
    !m.answers.every(
      (a) =>
        typeof a === "object" && a !== null && typeof a.questionId === "string" && Number.isInteger(a.choice),
    )
  ) {
    throw new PoisonMessage("message is not a version-1 submission");
  }
  return m as SubmissionMessage;
}

const digest = (...parts: (string | Buffer)[]): Buffer => {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p).update("\n");
  return hash.digest();
};

/**
 * The id of an asynchronous attempt: derived from the user and the Idempotency-Key, so a retried POST
 * gets the same id (and Location) and a redelivered message the same row. Its first half is a hash of
 * (user, key); its second half a hash of (user, first half), so GET /v1/attempts/:id can tell an id this
 * API handed to this user (pending until a worker commits it) from any other (404) without storing
 * anything at enqueue time. A UUID of version 8 (RFC 9562: custom).
 */
export function asyncAttemptId(userId: string, idempotencyKey: string): string {
  const head = digest("attempt", userId, idempotencyKey).subarray(0, 8);
  head[6] = (head[6] & 0x0f) | 0x80; // version 8
  return formatUuid(Buffer.concat([head, ownerTag(userId, head)]));
}

/** True when `id` is an asynchronous attempt id that this API made for `userId`. */
export function isAsyncAttemptIdOf(id: string, userId: string): boolean {
  const bytes = Buffer.from(id.replace(/-/g, ""), "hex");
  if (bytes.length !== 16 || bytes[6] >> 4 !== 8) return false;
  return ownerTag(userId, bytes.subarray(0, 8)).equals(bytes.subarray(8));
}

function ownerTag(userId: string, head: Buffer): Buffer {
  const tail = Buffer.from(digest("owner", userId, head).subarray(0, 8));
  tail[0] = (tail[0] & 0x3f) | 0x80; // RFC 9562 variant
  return tail;
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

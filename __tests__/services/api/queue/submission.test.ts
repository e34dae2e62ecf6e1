import { loadConfig } from "../../../../services/api/src/config";
import {
  asyncAttemptId,
  decodeSubmission,
  encodeSubmission,
  isAsyncAttemptIdOf,
  PoisonMessage,
} from "../../../../services/api/src/queue/submission";

describe("asynchronous attempt ids", () => {
  test("the same user and key give the same id, a UUID of version 8 with the RFC 9562 variant", () => {
    const id = asyncAttemptId("user-1", "key-1");
    expect(asyncAttemptId("user-1", "key-1")).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(asyncAttemptId("user-1", "key-2")).not.toBe(id);
    expect(asyncAttemptId("user-2", "key-1")).not.toBe(id);
  });

  test("an id is recognized as this user's only", () => {
    const id = asyncAttemptId("user-1", "key-1");
    expect(isAsyncAttemptIdOf(id, "user-1")).toBe(true);
    expect(isAsyncAttemptIdOf(id.toUpperCase(), "user-1")).toBe(true);
    expect(isAsyncAttemptIdOf(id, "user-2")).toBe(false);
    expect(isAsyncAttemptIdOf("6f1c3b1e-8d2a-4c59-9b0e-2a1f0c3d4e5f", "user-1")).toBe(false);
    // One changed digit in the owner half.
    const tampered = id.slice(0, -1) + (id.endsWith("0") ? "1" : "0");
    expect(isAsyncAttemptIdOf(tampered, "user-1")).toBe(false);
  });
});

describe("submission messages", () => {
  const message = {
    v: 1 as const,
    attemptId: asyncAttemptId("u", "k"),
    testId: "6f1c3b1e-8d2a-4c59-9b0e-2a1f0c3d4e5f",
    userId: "u",
    idempotencyKey: "k",
    requestHash: "h",
    answers: [{ questionId: "q1", choice: 1 }],
    acceptedAt: 1,
  };
  test("round trip", () => {
    expect(decodeSubmission(encodeSubmission(message))).toEqual(message);
  });
  test.each([
    ["not JSON", "{", /not JSON/],
    ["another version", JSON.stringify({ ...message, v: 2 }), /version-1/],
    ["a missing field", JSON.stringify({ ...message, userId: undefined }), /version-1/],
    [
      "a bad answer",
      JSON.stringify({ ...message, answers: [{ questionId: "q1", choice: "1" }] }),
      /version-1/,
    ],
    ["null", "null", /version-1/],
  ])("%s is a poison message", (_name, body, pattern) => {
    expect(() => decodeSubmission(body)).toThrow(PoisonMessage);
    expect(() => decodeSubmission(body)).toThrow(pattern);
  });
});

describe("queue configuration", () => {
  test("default: no queue, synchronous submissions, worker defaults", () => {
    expect(loadConfig({}).queue).toEqual({
      queue: { kind: "none" },
      attemptsAsync: false,
      worker: { batchSize: 10, visibilitySeconds: 180, concurrency: 2, waitSeconds: 20 },
    });
  });
  test("QUEUE_URL alone selects SQS, with the task's variables", () => {
    const config = loadConfig({
      QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/app-submissions",
      AWS_REGION: "us-east-1",
      WORKER_BATCH_SIZE: "8",
      WORKER_VISIBILITY_TIMEOUT_SECONDS: "240",
      QUEUE_MAX_RECEIVES: "4",
    });
    expect(config.queue.queue).toEqual({
      kind: "sqs",
      url: "https://sqs.us-east-1.amazonaws.com/123456789012/app-submissions",
      region: "us-east-1",
      maxReceives: 4,
    });
    expect(config.queue.worker).toMatchObject({ batchSize: 8, visibilitySeconds: 240 });
  });
  test("local driver with async by default", () => {
    const config = loadConfig({ QUEUE_DRIVER: "local", ATTEMPTS_ASYNC: "true" });
    expect(config.queue.queue).toEqual({ kind: "local", name: "submissions", maxReceives: 5 });
    expect(config.queue.attemptsAsync).toBe(true);
  });
  test.each([
    [{ QUEUE_DRIVER: "sqs" }, /QUEUE_DRIVER=sqs needs QUEUE_URL/],
    [{ QUEUE_URL: "http://localhost/q" }, /not an SQS queue URL/],
    [{ QUEUE_DRIVER: "kafka" }, /must be sqs, local or none/],
    [{ ATTEMPTS_ASYNC: "true" }, /ATTEMPTS_ASYNC=true needs a queue/],
    [
      { QUEUE_DRIVER: "local", QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/q" },
      /QUEUE_URL is for QUEUE_DRIVER=sqs/,
    ],
    [
      { QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/q", WORKER_BATCH_SIZE: "50" },
      /SQS receives at most 10/,
    ],
  ])("refused: %j", (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});

describe("the worker's configuration", () => {
  test("in production the worker needs no JWT settings and gets no development secret; the API still does", () => {
    const env = { NODE_ENV: "production", QUEUE_DRIVER: "local" };
    const worker = loadConfig(env, "worker");
    expect(worker.jwt).toMatchObject({ secret: undefined, devSecret: false });
    expect(() => loadConfig(env)).toThrow(/Set JWT_SECRET/);
  });
});

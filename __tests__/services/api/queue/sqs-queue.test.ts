import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { queueNameFromUrl, SqsQueue } from "../../../../services/api/src/queue/sqs-queue";

const URL = "https://sqs.us-east-1.amazonaws.com/123456789012/skyline-production-use1-submissions";
const sqs = mockClient(SQSClient);
const queue = () => new SqsQueue(new SQSClient({ region: "us-east-1" }), { queueUrl: URL });

beforeEach(() => sqs.reset());

test("the queue's name (the metrics' QueueName) is the URL's last segment", () => {
  expect(queue().name).toBe("skyline-production-use1-submissions");
  expect(() => queueNameFromUrl("https://sqs.us-east-1.amazonaws.com/")).toThrow(/names no queue/);
});

describe("send", () => {
  test("batches of 10 with ids that map partial failures back to each message", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) =>
      input.Entries[0].Id === "10"
        ? {
            Successful: [],
            Failed: [{ Id: "11", Code: "InvalidMessageContents", SenderFault: true, Message: "bad" }],
          }
        : { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] },
    );
    const bodies = Array.from({ length: 12 }, (_, i) => `m${i}`);
    const results = await queue().send(bodies);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 2]);
    expect(calls[0]).toMatchObject({
      QueueUrl: URL,
      Entries: expect.arrayContaining([{ Id: "0", MessageBody: "m0" }]),
    });
    expect(calls[1].Entries).toEqual([
      { Id: "10", MessageBody: "m10" },
      { Id: "11", MessageBody: "m11" },
    ]);
    expect(results.map((r) => r.ok)).toEqual([...Array(11).fill(true), false]);
    expect(results[11].ok === false && results[11].error.message).toMatch(/InvalidMessageContents: bad/);
  });

  test("a failed call fails every message of its batch and only those", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error("throttled"), { name: "RequestThrottled" }))
      .resolves({ Successful: [], Failed: [] });
    const results = await queue().send(Array.from({ length: 11 }, (_, i) => `m${i}`));
    expect(results.filter((r) => !r.ok)).toHaveLength(10);
    expect(results[10]).toEqual({ ok: true });
  });
});

describe("receive", () => {
  test("long polls with the batch size, the visibility timeout and the receive count attribute", async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        {
          Body: "b1",
          ReceiptHandle: "r1",
          Attributes: { ApproximateReceiveCount: "3", SentTimestamp: "1700000000000" },
        },
      ],
    });
    const got = await queue().receive({ max: 25, waitSeconds: 60, visibilitySeconds: 180 });
    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: URL,
      MaxNumberOfMessages: 10, // SQS's maximum
      WaitTimeSeconds: 20, // SQS's longest long poll
      VisibilityTimeout: 180,
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    });
    expect(got).toEqual([{ body: "b1", receipt: "r1", receiveCount: 3, sentAt: 1_700_000_000_000 }]);
  });

  test("no messages is an empty list; an error is thrown unless shutdown aborted the poll", async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({}).rejects(new Error("AccessDenied"));
    expect(await queue().receive({ max: 10, waitSeconds: 20 })).toEqual([]);
    await expect(queue().receive({ max: 10, waitSeconds: 20 })).rejects.toThrow("AccessDenied");
    const controller = new AbortController();
    controller.abort();
    expect(await queue().receive({ max: 10, waitSeconds: 20, signal: controller.signal })).toEqual([]);
  });

  test("the abort signal reaches the SDK call, and an aborted poll resolves empty", async () => {
    const controller = new AbortController();
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      controller.abort();
      throw Object.assign(new Error("Request aborted"), { name: "AbortError" });
    });
    expect(await queue().receive({ max: 10, waitSeconds: 20, signal: controller.signal })).toEqual([]);
  });
});

describe("delete and changeVisibility", () => {
  test("delete sends batches of 10 and returns the receipts SQS did not delete, or all of a failed call", async () => {
    const receipts = Array.from({ length: 21 }, (_, i) => `r${i}`);
    sqs
      .on(DeleteMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [{ Id: "4", Code: "ReceiptHandleIsInvalid", SenderFault: true }],
      })
      .rejectsOnce(new Error("network"))
      .resolves({ Successful: [], Failed: [] });
    const notDeleted = await queue().delete(receipts);
    const calls = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 10, 1]);
    expect(calls[0].Entries![4]).toEqual({ Id: "4", ReceiptHandle: "r4" });
    expect(notDeleted).toEqual(["r4", ...receipts.slice(10, 20)]);
  });

  test("changeVisibility sends the timeout per entry and throws when SQS refuses any", async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).resolvesOnce({ Successful: [], Failed: [] });
    await queue().changeVisibility(["a", "b"], 120);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0].args[0].input).toEqual({
      QueueUrl: URL,
      Entries: [
        { Id: "0", ReceiptHandle: "a", VisibilityTimeout: 120 },
        { Id: "1", ReceiptHandle: "b", VisibilityTimeout: 120 },
      ],
    });
    sqs
      .on(ChangeMessageVisibilityBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: "0", Code: "MessageNotInflight", SenderFault: true }] });
    await expect(queue().changeVisibility(["a"], 0)).rejects.toThrow(/MessageNotInflight/);
  });
});

import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { EncryptionKey } from "../../constructs/encryption-key/encryption-key";
import { Queue, type QueueProps } from "../../constructs/queue/queue";
import { resources, synthJson, testStack } from "../helpers/synth";

function queueStack(props: Partial<QueueProps> = {}) {
  const { stack } = testStack();
  const encryptionKey = new EncryptionKey(stack, "key", { name: "app-queue", description: "queue" });
  const queue = new Queue(stack, "submissions", {
    name: "app-prod-use1-submissions",
    encryptionKey,
    ...props,
  });
  const producer = new IamRole(stack, "producer", { name: "producer", assumeRolePolicy: "{}" });
  const consumer = new IamRole(stack, "consumer", { name: "consumer", assumeRolePolicy: "{}" });
  queue.grantSend(producer);
  queue.grantConsume(consumer);
  return { json: synthJson(stack), queue };
}

const byName = (json: ReturnType<typeof synthJson>, name: string) =>
  resources(json, "aws_sqs_queue").find(([, q]) => q.name === name)![1];

describe("Queue", () => {
  const { json } = queueStack({ processingBudgetSeconds: 40, maxReceiveCount: 3, retentionDays: 2 });
  const main = byName(json, "app-prod-use1-submissions");
  const dlq = byName(json, "app-prod-use1-submissions-dlq");

  it("encrypts the queue and its dead letters with the customer key, reusing data keys for 5 minutes", () => {
    for (const q of [main, dlq]) {
      expect(q.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.key_[A-Za-z0-9_]+\.arn\}$/);
      expect(q.kms_data_key_reuse_period_seconds).toBe(300);
    }
  });

  it("sets the visibility timeout to six times the processing budget and long-polls", () => {
    expect(main.visibility_timeout_seconds).toBe(240);
    expect(main.receive_wait_time_seconds).toBe(20);
    expect(main.message_retention_seconds).toBe(2 * 86_400);
    expect(dlq.message_retention_seconds).toBe(14 * 86_400);
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives, and only this queue may", () => {
    const redrive = JSON.parse(main.redrive_policy);
    expect(redrive).toEqual({
      deadLetterTargetArn: expect.stringMatching(/aws_sqs_queue\.submissions_dead-letters_[A-Za-z0-9]+\.arn/),
      maxReceiveCount: 3,
    });
    const [[, allow]] = resources(json, "aws_sqs_queue_redrive_allow_policy");
    expect(allow.queue_url).toMatch(/dead-letters.*\.url/);
    expect(JSON.parse(allow.redrive_allow_policy)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: [expect.stringMatching(/aws_sqs_queue\.submissions_queue_[A-Za-z0-9]+\.arn/)],
    });
  });

  it("denies every request to either queue that is not made over TLS", () => {
    const policies = resources(json, "aws_sqs_queue_policy").map(([, p]) => p);
    expect(policies.map((p) => p.queue_url).sort()).toEqual(
      [
        expect.stringMatching(/dead-letters.*\.url/),
        expect.stringMatching(/submissions_queue.*\.url/),
      ].sort(),
    );
    for (const p of policies) {
      expect(JSON.parse(p.policy).Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]);
    }
  });

  it("grants senders and consumers only what they need, on this queue and its key", () => {
    const policies = Object.fromEntries(
      resources(json, "aws_iam_role_policy").map(([, p]) => [p.name, JSON.parse(p.policy).Statement]),
    );
    expect(policies["send-app-prod-use1-submissions"]).toEqual([
      {
        Sid: "Queue",
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: expect.stringMatching(/submissions_queue.*\.arn/),
      },
      {
        Sid: "QueueKey",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: expect.stringMatching(/aws_kms_key\..*\.arn/),
      },
    ]);
    const consume = policies["consume-app-prod-use1-submissions"];
    expect(consume[0].Action).toEqual([
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]);
    expect(consume[0].Resource).toMatch(/submissions_queue.*\.arn/);
    expect(consume[1].Action).toEqual(["kms:Decrypt"]);
    expect(JSON.stringify(policies)).not.toMatch(/"sqs:\*"|dead-letters/);
  });

  it.each([
    [{ name: "bad name!" }, /name must be 1-76 letters/],
    [{ processingBudgetSeconds: 7201 }, /processingBudgetSeconds must be 1 to 7200/],
    [{ maxReceiveCount: 0 }, /maxReceiveCount must be 1 to 1000/],
    [{ retentionDays: 15 }, /retentionDays must be 1 to 14 days/],
    [
      { retentionDays: 10, deadLetterRetentionDays: 5 },
      /deadLetterRetentionDays \(5\) must be at least retentionDays \(10\)/,
    ],
  ])("refuses %j naming the prop", (props, message) => {
    expect(() => queueStack(props as Partial<QueueProps>)).toThrow(message);
  });
});

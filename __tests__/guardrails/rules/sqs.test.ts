import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import type { TerraformStack } from "../../../engine";
import { EncryptionKey } from "../../../constructs/encryption-key/encryption-key";
import { Queue } from "../../../constructs/queue/queue";
import { findingsOf, newStack, ruleCase } from "../helpers";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234";

function tlsOnly(stack: TerraformStack, id: string, queue: SqsQueue): void {
  new SqsQueuePolicy(stack, id, {
    queueUrl: queue.url,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "sqs:*",
          Resource: queue.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    }),
  });
}

ruleCase("SKY-SQS-001", {
  pass: (stack) => new SqsQueue(stack, "q", { kmsMasterKeyId: KEY }),
  fail: (stack) => new SqsQueue(stack, "q", { sqsManagedSseEnabled: true }),
});

describe("SKY-SQS-001 AWS-managed key", () => {
  it("flags alias/aws/sqs", () => {
    const { stack } = newStack();
    new SqsQueue(stack, "q", { kmsMasterKeyId: "alias/aws/sqs" });
    expect(findingsOf(stack, "SKY-SQS-001")[0].message).toContain("AWS-managed key");
  });
});

ruleCase("SKY-SQS-002", {
  pass: (stack) => {
    const q = new SqsQueue(stack, "q", { kmsMasterKeyId: KEY });
    tlsOnly(stack, "p", q);
  },
  fail: (stack) => {
    const q = new SqsQueue(stack, "q", { kmsMasterKeyId: KEY });
    const other = new SqsQueue(stack, "other", { kmsMasterKeyId: KEY });
    // A TLS-only policy on another queue does not cover this one.
    tlsOnly(stack, "p", other);
    return q;
  },
});

ruleCase("SKY-SQS-003", {
  pass: (stack) => {
    const dlq = new SqsQueue(stack, "dlq", {});
    new SqsQueue(stack, "q", {
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
    });
  },
  fail: (stack) => new SqsQueue(stack, "q", {}),
});

describe("SKY-SQS-003 dead-letter queues", () => {
  it("does not ask a queue that only accepts dead letters (redrive allow policy) for one of its own", () => {
    const { stack } = newStack();
    const dlq = new SqsQueue(stack, "dlq", {});
    new SqsQueueRedriveAllowPolicy(stack, "allow", {
      queueUrl: dlq.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "denyAll" }),
    });
    expect(findingsOf(stack, "SKY-SQS-003")).toEqual([]);
  });
});

describe("the Queue construct", () => {
  it("passes every SQS guardrail", () => {
    const { stack } = newStack();
    const encryptionKey = new EncryptionKey(stack, "key", { name: "q", description: "q" });
    new Queue(stack, "queue", { name: "work", encryptionKey });
    for (const rule of ["SKY-SQS-001", "SKY-SQS-002", "SKY-SQS-003"])
      expect(findingsOf(stack, rule)).toEqual([]);
  });
});

import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Construct } from "constructs";
import { Token } from "../../engine";
import type { EncryptionKey } from "../encryption-key/encryption-key";

export interface QueueProps {
  /** Queue name, e.g. `skyline-production-use1-submissions`; the dead-letter queue is `<name>-dlq`. */
  readonly name: string;
  /** Customer-managed key the queue and its dead-letter queue are encrypted with. */
  readonly encryptionKey: EncryptionKey;
  /**
   * The longest a consumer may take on one received batch. The visibility timeout is six times
   * this, AWS's guidance for batch consumers (a message is not redelivered while it is worked on).
   * @default 30
   */
  readonly processingBudgetSeconds?: number;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Days an unprocessed message is kept. @default 4 (the SQS default) */
  readonly retentionDays?: number;
  /** Days a dead letter is kept. @default 14 (the SQS maximum) */
  readonly deadLetterRetentionDays?: number;
}

const DAY = 86_400;

/**
 * A standard SQS work queue with its dead-letter queue: both encrypted with a customer-managed KMS
 * key, both refusing any request not made over TLS; messages move to the dead-letter queue after
 * `maxReceiveCount` receives, and only this queue may use it as one (redrive allow policy). Long
 * polling (20 s) is the default, so idle consumers make few empty receives.
 */
export class Queue extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  private readonly encryptionKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: QueueProps) {
    super(scope, id);
    const budget = props.processingBudgetSeconds ?? 30;
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const retentionDays = props.retentionDays ?? 4;
    const deadLetterRetentionDays = props.deadLetterRetentionDays ?? 14;
    validate(props.name, budget, this.maxReceiveCount, retentionDays, deadLetterRetentionDays);
    this.visibilityTimeoutSeconds = 6 * budget;
    this.queueName = props.name;
    this.deadLetterQueueName = `${props.name}-dlq`;
    this.encryptionKey = props.encryptionKey;
    const encryption = {
      kmsMasterKeyId: props.encryptionKey.arn,
      // A data key is reused for 5 minutes: fewer KMS calls (and cost) at 50,000 messages a minute.
      kmsDataKeyReusePeriodSeconds: 300,
    };

    this.deadLetterQueue = new SqsQueue(this, "dead-letters", {
      name: this.deadLetterQueueName,
      messageRetentionSeconds: deadLetterRetentionDays * DAY,
      ...encryption,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: this.queueName,
      visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
      messageRetentionSeconds: retentionDays * DAY,
      receiveWaitTimeSeconds: 20,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: this.maxReceiveCount,
      }),
      ...encryption,
    });
    new SqsQueueRedriveAllowPolicy(this, "dead-letters-allow", {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] }),
    });
    for (const [policyId, q] of [
      ["queue-policy", this.queue],
      ["dead-letters-policy", this.deadLetterQueue],
    ] as const) {
      new SqsQueuePolicy(this, policyId, {
        queueUrl: q.url,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyWithoutTls",
              Effect: "Deny",
              Principal: "*",
              Action: "sqs:*",
              Resource: q.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      });
    }
  }

  get queueArn(): string {
    return this.queue.arn;
  }

  get queueUrl(): string {
    return this.queue.url;
  }

  /** Lets `role` send to the queue (and make the data keys that encryption needs). */
  grantSend(role: IamRole): IamRolePolicy {
    return this.grant(
      role,
      "send",
      ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
      ["kms:GenerateDataKey", "kms:Decrypt"],
    );
  }

  /**
   * Lets `role` receive, delete and extend the visibility of the queue's messages (and decrypt
   * them). Dead letters are not included: moving them back is an operator's act (the CLI's redrive).
   */
  grantConsume(role: IamRole): IamRolePolicy {
    return this.grant(
      role,
      "consume",
      [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
      ],
      ["kms:Decrypt"],
    );
  }

  private grant(role: IamRole, what: string, queueActions: string[], keyActions: string[]): IamRolePolicy {
    return new IamRolePolicy(this, `${what}-${role.node.id}`, {
      role: role.id,
      name: `${what}-${this.queueName}`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "Queue", Effect: "Allow", Action: queueActions, Resource: this.queue.arn },
          { Sid: "QueueKey", Effect: "Allow", Action: keyActions, Resource: this.encryptionKey.arn },
        ],
      }),
    });
  }
}

function validate(
  name: string,
  budget: number,
  maxReceiveCount: number,
  retention: number,
  dlqRetention: number,
): void {
  const where = `Queue ${name}`;
  if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,76}$/.test(name)) {
    // 80 characters is SQS's limit; the dead-letter queue adds "-dlq".
    throw new Error(`${where}: name must be 1-76 letters, digits, - or _ (the dead-letter queue adds -dlq)`);
  }
  if (budget < 1 || 6 * budget > 43_200) {
    throw new Error(
      `${where}: processingBudgetSeconds must be 1 to 7200 (visibility timeout = 6 × it, at most 12 hours)`,
    );
  }
  if (maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw new Error(`${where}: maxReceiveCount must be 1 to 1000`);
  }
  for (const [field, days] of [
    ["retentionDays", retention],
    ["deadLetterRetentionDays", dlqRetention],
  ] as const) {
    if (days < 1 || days > 14) throw new Error(`${where}: ${field} must be 1 to 14 days`);
  }
  if (dlqRetention < retention) {
    throw new Error(
      `${where}: deadLetterRetentionDays (${dlqRetention}) must be at least retentionDays (${retention}): a dead letter keeps its original timestamp`,
    );
  }
}

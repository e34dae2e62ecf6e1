import { isSet, type TerraformResourceView } from "../model";
import { deniesInsecureTransport, type Rule, type StackModel } from "./rule-kit";

const QUEUE = ["aws_sqs_queue"];

/** Companion resources (`aws_sqs_queue_<x>`) whose `queue_url` points at this queue. */
function companions(queue: TerraformResourceView, stack: StackModel, type: string): TerraformResourceView[] {
  return stack.referrers(queue, type).filter((c) => stack.references(c.attrs.queue_url, queue));
}

/**
 * A queue is a dead-letter queue when another queue's redrive policy names it, or when it has a
 * redrive allow policy (it accepts dead letters).
 */
function isDeadLetterQueue(queue: TerraformResourceView, stack: StackModel): boolean {
  const namedAsTarget = stack
    .referrers(queue, "aws_sqs_queue", "aws_sqs_queue_redrive_policy")
    .some((source) => stack.references(source.attrs.redrive_policy, queue));
  return (
    namedAsTarget ||
    companions(queue, stack, "aws_sqs_queue_redrive_allow_policy").length > 0 ||
    isSet(queue.attrs.redrive_allow_policy)
  );
}

export const sqsRules: Rule[] = [
  {
    id: "SKY-SQS-001",
    severity: "error",
    description: "SQS queues are encrypted with a customer-managed KMS key.",
    why: "Submissions carry user data; a customer key puts reading them under the account's own key policy and CloudTrail, and SQS-managed keys cannot be restricted.",
    fix: "Set `kms_master_key_id` to a customer KMS key (not alias/aws/sqs) and grant producers kms:GenerateDataKey and kms:Decrypt on it.",
    resourceTypes: QUEUE,
    mappings: { checkov: "CKV_AWS_27", trivy: "AVD-AWS-0096", cdkNag: "AwsSolutions-SQS2" },
    check: ({ attrs }) => {
      if (!isSet(attrs.kms_master_key_id)) return "kms_master_key_id is not set";
      if (String(attrs.kms_master_key_id).includes("alias/aws/"))
        return "kms_master_key_id is an AWS-managed key";
      return undefined;
    },
  },
  {
    id: "SKY-SQS-002",
    severity: "error",
    description: "SQS queue policies deny requests that do not use TLS.",
    why: "SQS accepts plain-HTTP requests unless the queue policy refuses them; message bodies and receipt handles would cross the network in the clear.",
    fix: 'Add an `aws_sqs_queue_policy` with a Deny statement on `"aws:SecureTransport": "false"` for the queue.',
    resourceTypes: QUEUE,
    mappings: { cdkNag: "AwsSolutions-SQS4" },
    check: (queue, { stack }) =>
      deniesInsecureTransport(companions(queue, stack, "aws_sqs_queue_policy"), stack)
        ? undefined
        : "no queue policy denies aws:SecureTransport = false",
  },
  {
    id: "SKY-SQS-003",
    severity: "error",
    description: "Every work queue has a dead-letter queue.",
    why: "Without one, a message that always fails (a poison message) is received again and again until it expires, costing worker time and hiding in the backlog.",
    fix: "Set `redrive_policy` with `deadLetterTargetArn` and `maxReceiveCount` (or an `aws_sqs_queue_redrive_policy`).",
    resourceTypes: QUEUE,
    mappings: { cdkNag: "AwsSolutions-SQS3" },
    check: (queue, { stack }) => {
      if (isSet(queue.attrs.redrive_policy)) return undefined;
      if (companions(queue, stack, "aws_sqs_queue_redrive_policy").length > 0) return undefined;
      if (isDeadLetterQueue(queue, stack)) return undefined;
      return "no redrive_policy: messages that always fail are never set aside";
    },
  },
];

import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  chunks,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendResult,
  type WorkQueue,
} from "./work-queue";

/** SQS's limit on entries per batch call and messages per receive. */
const SQS_BATCH = 10;
/** SQS's longest long poll. */
const MAX_WAIT_SECONDS = 20;

export interface SqsQueueOptions {
  readonly queueUrl: string;
  /**
   * Longest wait for one call's answer, per try (a receive waits its long poll on top). SQS answers in
   * milliseconds; past this the network, not SQS, is the problem. @default 5000
   */
  readonly requestTimeoutMs?: number;
}

/** The queue's name: the last path segment of its URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function queueNameFromUrl(queueUrl: string): string {
  const name = new URL(queueUrl).pathname.split("/").filter(Boolean).pop();
  if (!name) throw new Error(`QUEUE_URL ${queueUrl} names no queue`);
  return name;
}

/**
 * The SQS driver: batch send, long-polling receive, batch delete and visibility changes, 10 entries a
 * call. The dead-letter move is SQS's own (the queue's redrive policy, set by constructs/queue), so
 * nothing here counts receives. Partial failures of batch calls are reported per entry, never thrown.
 */
export class SqsQueue implements WorkQueue {
  readonly name: string;
  readonly maxBatch = SQS_BATCH;
  private readonly queueUrl: string;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly client: SQSClient,
    options: SqsQueueOptions,
  ) {
    this.queueUrl = options.queueUrl;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.name = queueNameFromUrl(options.queueUrl);
  }

  async send(bodies: readonly string[]): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (const [c, chunk] of chunks(bodies, SQS_BATCH).entries()) {
      const base = c * SQS_BATCH;
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((body, i) => ({ Id: String(base + i), MessageBody: body })),
          }),
          { requestTimeout: this.requestTimeoutMs },
        );
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        chunk.forEach((_, i) => {
          const f = failed.get(String(base + i));
          results.push(
            f
              ? { ok: false, error: new Error(`SQS refused the message: ${f.Code}: ${f.Message ?? ""}`) }
              : { ok: true },
          );
        });
      } catch (error) {
        for (const _ of chunk) results.push({ ok: false, error: error as Error });
      }
    }
    return results;
  }

  async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    if (options.signal?.aborted) return [];
    const waitSeconds = Math.max(0, Math.min(options.waitSeconds, MAX_WAIT_SECONDS));
    try {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(options.max, SQS_BATCH)),
          WaitTimeSeconds: waitSeconds,
          ...(options.visibilitySeconds === undefined
            ? {}
            : { VisibilityTimeout: options.visibilitySeconds }),
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
        { abortSignal: options.signal, requestTimeout: waitSeconds * 1000 + this.requestTimeoutMs },
      );
      return (out.Messages ?? []).map((m) => ({
        body: m.Body ?? "",
        receipt: m.ReceiptHandle ?? "",
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        sentAt: Number(m.Attributes?.SentTimestamp ?? Date.now()),
      }));
    } catch (error) {
      // Shutdown aborted the long poll: nothing was received.
      if (options.signal?.aborted) return [];
      throw error;
    }
  }

  async delete(receipts: readonly string[]): Promise<string[]> {
    const notDeleted: string[] = [];
    for (const chunk of chunks(receipts, SQS_BATCH)) {
      try {
        const out = await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle })),
          }),
          { requestTimeout: this.requestTimeoutMs },
        );
        for (const f of out.Failed ?? []) notDeleted.push(chunk[Number(f.Id)]);
      } catch {
        // Not deleted: the messages come back after their visibility timeout and are found committed.
        notDeleted.push(...chunk);
      }
    }
    return notDeleted;
  }

  async changeVisibility(receipts: readonly string[], seconds: number): Promise<void> {
    const failures: string[] = [];
    for (const chunk of chunks(receipts, SQS_BATCH)) {
      const out = await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((ReceiptHandle, i) => ({
            Id: String(i),
            ReceiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
        { requestTimeout: this.requestTimeoutMs },
      );
      for (const f of out.Failed ?? []) failures.push(`${f.Code}: ${f.Message ?? ""}`);
    }
    if (failures.length > 0) {
      throw new Error(`SQS did not change the visibility of ${failures.length} messages (${failures[0]})`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

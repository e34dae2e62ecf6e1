import type { Database } from "../db/database";
import { PgQueue } from "./pg-queue";
import type { QueueConfig } from "./queue-config";
import type { WorkQueue } from "./work-queue";

/** Opens the configured queue; the SQS client is loaded only when SQS is configured. */
export async function openQueue(
  config: QueueConfig,
  db: Database,
  visibilitySeconds?: number,
): Promise<WorkQueue | undefined> {
  if (config.kind === "none") return undefined;
  if (config.kind === "local") {
    return new PgQueue(db.writer, { name: config.name, maxReceives: config.maxReceives, visibilitySeconds });
  }
  const [{ SQSClient }, { SqsQueue }] = await Promise.all([
    import("@aws-sdk/client-sqs"),
    import("./sqs-queue"),
  ]);
  return new SqsQueue(new SQSClient({ region: config.region, maxAttempts: 3 }), { queueUrl: config.url });
}

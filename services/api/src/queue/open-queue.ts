import type { SQSClient, SQSClientConfig } from "@aws-sdk/client-sqs";
import type { Database } from "../db/database";
import { PgQueue } from "./pg-queue";
import type { QueueConfig } from "./queue-config";
import type { WorkQueue } from "./work-queue";

/** Opens the configured queue; the SQS SDK is loaded only when SQS is configured. */
export async function openQueue(
  config: QueueConfig,
  db: Database,
  visibilitySeconds?: number,
): Promise<WorkQueue | undefined> {
  if (config.kind === "none") return undefined;
  if (config.kind === "local") {
    return new PgQueue(db.writer, { name: config.name, maxReceives: config.maxReceives, visibilitySeconds });
  }
  const { SqsQueue } = await import("./sqs-queue");
  return new SqsQueue(await sqsClient(config.region), { queueUrl: config.url });
}

/** Longest wait for a TCP connection to SQS. */
const SQS_CONNECT_TIMEOUT_MS = 3000;

/**
 * The SQS client: three tries a call, each bounded (a connection in SQS_CONNECT_TIMEOUT_MS, an answer in
 * the driver's per-call request timeout, see SqsQueue): without throwOnRequestTimeout the SDK only logs
 * a warning and a call into a black-holed network waits for ever. `extra` is for tests (an endpoint).
 * An AWS_ENDPOINT_URL_SQS in the environment (LocalStack) is honoured by the SDK itself.
 */
export async function sqsClient(
  region: string | undefined,
  extra: Partial<SQSClientConfig> = {},
): Promise<SQSClient> {
  const { SQSClient: Client } = await import("@aws-sdk/client-sqs");
  return new Client({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: SQS_CONNECT_TIMEOUT_MS, throwOnRequestTimeout: true },
    ...extra,
  });
}

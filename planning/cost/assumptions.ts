/**
 * What the cost model assumes where the synthesized JSON and the price table stop: volumes per
 * request, log sizes, backup growth. Each is printed with the estimate, with why it has its value.
 */
import type { Assumption } from "../capacity/assumptions";

export const COST_ASSUMPTIONS = {
  hoursPerMonth: {
    value: 730,
    unit: "hours",
    why: "AWS's own month for monthly estimates (8,760 hours ÷ 12)",
  },
  averageLoadPercent: {
    value: 30,
    unit: "% of the target",
    why: "a month's average traffic when the target is the busy hour's: web traffic follows the day and the week; the max column keeps the target all month",
  },
  requestBytes: {
    value: 1024,
    unit: "bytes",
    why: "an average request with its headers, as the ALB counts processed bytes (both directions)",
  },
  responseBytes: {
    value: 2048,
    unit: "bytes",
    why: "the capacity model's average response (a test's JSON compressed, or a small write answer)",
  },
  apiLogBytesPerRequest: {
    value: 220,
    unit: "bytes",
    why: "one access line at LOG_LEVEL=info: 157-158 bytes measured for GET /v1/tests/abc on 2026-12-04, plus a 36-character test id and CloudWatch's 26 bytes per event",
  },
  wafLogBytesPerRequest: {
    value: 1500,
    unit: "bytes",
    why: "one AWS WAF log record (JSON with the request's headers and the rules matched); both web ACLs log every request",
  },
  cloudFrontLogBytesPerRequest: {
    value: 600,
    unit: "bytes",
    why: "one CloudFront standard access-log record delivered to CloudWatch Logs",
  },
  flowLogBytesPerRequest: {
    value: 30,
    unit: "bytes",
    why: "VPC flow records are per connection per minute, not per request; kept-alive connections from CloudFront make them small per request",
  },
  workerLogBytesPerSubmission: {
    value: 220,
    unit: "bytes",
    why: "one log line per scored batch item, like the API's access line",
  },
  albLogBytesPerRequest: {
    value: 60,
    unit: "bytes",
    why: "one ALB access-log line (about 600 bytes) gzipped by the ALB before it lands in S3",
  },
  quietLogGroupGbPerMonth: {
    value: 1,
    unit: "GB",
    why: "a log group whose volume does not follow requests (database, cache, EKS control plane, slow logs)",
  },
  logCompression: {
    value: 0.15,
    unit: "× ingested",
    why: "CloudWatch bills stored logs compressed; JSON logs compress to about 15 %",
  },
  quietBucketGb: {
    value: 1,
    unit: "GB",
    why: "a bucket whose size does not follow requests (Terraform state, static assets)",
  },
  natBytesPerSubmission: {
    value: 6144,
    unit: "bytes",
    why: "an SQS message of about 2 KiB sent, received and deleted through the NAT gateway (SQS has no VPC endpoint here)",
  },
  sqsRequestsPerSubmission: {
    value: 1.2,
    unit: "requests",
    why: "one SendMessage, plus a tenth of a ReceiveMessage and of a DeleteMessageBatch (batches of 10)",
  },
  idleReceivesPerWorkerHour: {
    value: 180,
    unit: "requests",
    why: "one 20-second long poll at a time per idle worker",
  },
  walBytesPerSubmission: {
    value: 4096,
    unit: "bytes",
    why: "write-ahead log a submission costs (row, index entries, its share of the commit) and each replica receives",
  },
  cacheBytesPerSubmission: {
    value: 512,
    unit: "bytes",
    why: "cache writes a submission makes (rate-limit counters, idempotency key) that the Global Datastore replicates",
  },
  backupStorageFactor: {
    value: 1.5,
    unit: "× allocated storage",
    why: "AWS Backup keeps a full snapshot and the daily, weekly and monthly increments: about 1.5 times the database",
  },
  backupDailyChangePercent: {
    value: 2,
    unit: "%",
    why: "share of the database that changes a day: what each cross-region copy or replicated backup sends",
  },
  imageGb: { value: 0.25, unit: "GB", why: "the API's image (node:24-bookworm-slim and the service)" },
  deploysPerMonth: {
    value: 20,
    unit: "deploys",
    why: "images pushed (and replicated to each DR region) a month",
  },
  imagesKept: {
    value: 50,
    unit: "images",
    why: "tagged images a repository holds in practice, well under its lifecycle cap",
  },
  gbPerEndpointMonth: {
    value: 5,
    unit: "GB",
    why: "what an interface endpoint other than CloudWatch Logs carries a month (image pulls, secrets); the logs endpoint carries the tasks' logs",
  },
} as const satisfies Record<string, Assumption>;

export type CostAssumptions = Readonly<Record<keyof typeof COST_ASSUMPTIONS, Assumption>>;

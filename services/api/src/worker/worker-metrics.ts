import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { WORKER_CLOUDWATCH } from "../contract";

/** One batch as the metrics see it. */
export interface BatchReport {
  readonly size: number;
  readonly processed: number;
  readonly failed: number;
  readonly latencyMs: number;
  /** Enqueue-to-committed latency of each committed message, ms. */
  readonly endToEndMs: readonly number[];
}

/** The worker's Prometheus metrics (/metrics), on its own registry. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly received: Counter;
  readonly processed: Counter;
  readonly failed: Counter<"kind">;
  readonly batchSize: Histogram;
  readonly batchLatency: Histogram;
  readonly endToEnd: Histogram;
  readonly receiveErrors: Counter;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.received = new Counter({
      name: "worker_messages_received_total",
      help: "Messages received.",
      registers,
    });
    this.processed = new Counter({
      name: "worker_messages_processed_total",
      help: "Messages whose attempt is committed (and that were deleted or will be found committed).",
      registers,
    });
    this.failed = new Counter({
      name: "worker_messages_failed_total",
      help: "Messages left on the queue after a failure: transient (retried) or permanent (poison).",
      labelNames: ["kind"],
      registers,
    });
    this.batchSize = new Histogram({
      name: "worker_batch_size",
      help: "Messages per received batch.",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers,
    });
    this.batchLatency = new Histogram({
      name: "worker_batch_duration_seconds",
      help: "Receive-to-deleted time of a batch.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.endToEnd = new Histogram({
      name: "worker_enqueue_to_committed_seconds",
      help: "From the API accepting a submission to its attempt committed.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.receiveErrors = new Counter({
      name: "worker_receive_errors_total",
      help: "Receive calls that failed (the loop backs off and tries again).",
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  record(batch: BatchReport, failures: { permanent: number; transient: number }): void {
    this.processed.inc(batch.processed);
    if (failures.permanent > 0) this.failed.inc({ kind: "permanent" }, failures.permanent);
    if (failures.transient > 0) this.failed.inc({ kind: "transient" }, failures.transient);
    this.batchSize.observe(batch.size);
    this.batchLatency.observe(batch.latencyMs / 1000);
    for (const ms of batch.endToEndMs) this.endToEnd.observe(ms / 1000);
  }
}

/**
 * CloudWatch embedded metric format: the counts the queue alarms read (namespace Skyline/Worker,
 * dimension QueueName), one log line per interval with the sums and up to 100 batch latencies, rather
 * than one per batch (at 50,000 messages a minute that would be thousands of lines). CloudWatch Logs
 * turns the line into metrics: no agent and no PutMetricData permission.
 */
export class EmfReporter {
  private processed = 0;
  private failed = 0;
  private latencies: number[] = [];
  private readonly timer?: NodeJS.Timeout;

  constructor(
    private readonly queueName: string,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(line),
    intervalMs = 10_000,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  add(batch: BatchReport): void {
    this.processed += batch.processed;
    this.failed += batch.failed;
    if (this.latencies.length < 100) this.latencies.push(Math.round(batch.latencyMs));
  }

  /** Writes the interval's line (nothing when no batch ran: an idle queue publishes no data). */
  flush(now = Date.now()): void {
    if (this.latencies.length === 0 && this.processed === 0 && this.failed === 0) return;
    const m = WORKER_CLOUDWATCH;
    const line = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: m.namespace,
            Dimensions: [[m.queueDimension]],
            Metrics: [
              { Name: m.processed, Unit: "Count" },
              { Name: m.failed, Unit: "Count" },
              { Name: m.batchLatency, Unit: "Milliseconds" },
            ],
          },
        ],
      },
      [m.queueDimension]: this.queueName,
      [m.processed]: this.processed,
      [m.failed]: this.failed,
      [m.batchLatency]: this.latencies,
    };
    this.processed = 0;
    this.failed = 0;
    this.latencies = [];
    this.write(`${JSON.stringify(line)}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

/**
 * What the queue worker (services/api, `node dist/worker.js`) expects of its container, and the
 * metrics it and SQS publish, as the scaling policy and the alarms read them. One place, so the
 * policy, the alarms, the dashboard and the worker cannot disagree on a name.
 */
export const WORKER_DEFAULTS = {
  containerName: "worker",
  /** The worker's /health, /ready and /metrics listener. */
  port: 8080,
  command: ["node", "dist/worker.js"],
} as const;

/**
 * Metrics the worker writes as CloudWatch embedded metric format (EMF) log lines, one per batch:
 * CloudWatch Logs turns them into metrics, so no agent and no PutMetricData permission is needed.
 */
export const WORKER_METRICS = {
  namespace: "Skyline/Worker",
  /** Dimension: the queue the worker consumes. */
  queueDimension: "QueueName",
  processed: "MessagesProcessed",
  failed: "MessagesFailed",
  batchLatency: "BatchLatencyMs",
} as const;

export interface BacklogMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
}

/**
 * Backlog per task: visible messages divided by running tasks (AWS's "backlog per instance").
 * Running tasks come from Container Insights (on in every skyline cluster).
 */
export function backlogPerTaskExpression(
  queueName: string,
  clusterName: string,
  serviceName: string,
): { expression: string; label: string; metrics: Readonly<Record<"visible" | "running", BacklogMetric>> } {
  return {
    expression: "visible / running",
    label: "Visible messages per running worker",
    metrics: {
      visible: {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: queueName },
        stat: "Average",
      },
      running: {
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions: { ClusterName: clusterName, ServiceName: serviceName },
        stat: "Average",
      },
    },
  };
}

import { WORKER_METRICS } from "../worker-service/worker-defaults";
import type { AlarmSpec, MetricId } from "./alarm-spec";

const MINUTE = 60;

/** The submission queue and the workers that consume it, as CloudWatch names them. */
export interface QueueTarget {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /**
   * Running workers: ECS Container Insights' `RunningTaskCount` of the worker service, or on EKS
   * Container Insights' `service_number_of_running_pods` of the worker's Kubernetes Service.
   */
  readonly workers:
    | { readonly kind: "ecs"; readonly clusterName: string; readonly serviceName: string }
    | {
        readonly kind: "eks";
        readonly clusterName: string;
        readonly namespace: string;
        readonly serviceName: string;
      };
  /** Visible messages per running worker that autoscaling aims for. */
  readonly backlogPerTaskTarget: number;
  /** Page when the oldest message is older than this (seconds). */
  readonly oldestMessageAgeSeconds: number;
  /** Page when backlog per worker stays above its target this many minutes. */
  readonly backlogMinutes: number;
  /** Page when more than this % of processed messages fail. */
  readonly workerErrorRatePercent: number;
}

/** Fewer messages than this in 5 minutes make no error rate (one failure of two is not 50 %). */
const MIN_MESSAGES_FOR_ERROR_RATE = 20;

function runningWorkers(workers: QueueTarget["workers"]): MetricId & { stat: string } {
  return workers.kind === "ecs"
    ? {
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensions: { ClusterName: workers.clusterName, ServiceName: workers.serviceName },
        stat: "Average",
      }
    : {
        namespace: "ContainerInsights",
        metricName: "service_number_of_running_pods",
        dimensions: {
          ClusterName: workers.clusterName,
          Namespace: workers.namespace,
          Service: workers.serviceName,
        },
        stat: "Average",
      };
}

/**
 * What users of asynchronous submissions feel and what on-call must act on: the age of the oldest
 * message (end-to-end latency), backlog per worker above its target despite autoscaling, any dead
 * letter, the workers' error rate, and no running worker while messages wait. SQS stops publishing
 * for a queue idle for hours, so missing data is not breaching everywhere: an idle queue is fine.
 */
export function queueAlarms(q: QueueTarget): AlarmSpec[] {
  const queue = { QueueName: q.queueName };
  const visible = {
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: queue,
    stat: "Average",
  };
  const running = runningWorkers(q.workers);
  const worker = (metricName: string) => ({
    namespace: WORKER_METRICS.namespace,
    metricName,
    dimensions: { [WORKER_METRICS.queueDimension]: q.queueName },
    stat: "Sum",
  });
  const idle = "Missing data is not breaching: SQS publishes nothing for an idle queue.";
  return [
    {
      key: "queue-oldest-message-age",
      description: `The oldest message in ${q.queueName} has waited more than ${q.oldestMessageAgeSeconds} s for 3 minutes: submissions are not being scored in time (slow or stuck workers, or a poison message being retried). ${idle}`,
      section: "Queue",
      source: {
        kind: "metric",
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: queue,
        statistic: "Maximum",
        periodSeconds: MINUTE,
      },
      comparison: "GreaterThanThreshold",
      threshold: q.oldestMessageAgeSeconds,
      thresholdLabel: `${q.oldestMessageAgeSeconds} s`,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
    {
      key: "queue-backlog-per-worker",
      description: `More than ${q.backlogPerTaskTarget} visible messages per running worker for ${q.backlogMinutes} minutes: autoscaling is at its maximum or cannot keep up. ${idle}`,
      section: "Queue",
      source: {
        kind: "math",
        expression: "visible / running",
        label: "Visible messages per running worker",
        periodSeconds: MINUTE,
        metrics: { visible, running },
      },
      comparison: "GreaterThanThreshold",
      threshold: q.backlogPerTaskTarget,
      thresholdLabel: `${q.backlogPerTaskTarget} messages`,
      evaluationPeriods: q.backlogMinutes,
      datapointsToAlarm: q.backlogMinutes,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
    {
      key: "queue-dead-letters",
      description: `${q.deadLetterQueueName} holds messages: some submissions failed every receive allowed (maxReceiveCount) and are no longer retried. Read them, fix the cause, then \`skyline queue redrive\`. ${idle}`,
      section: "Queue",
      source: {
        kind: "metric",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: q.deadLetterQueueName },
        statistic: "Maximum",
        periodSeconds: MINUTE,
      },
      comparison: "GreaterThanThreshold",
      threshold: 0,
      thresholdLabel: "0 messages",
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
    {
      key: "worker-error-rate",
      description: `More than ${q.workerErrorRatePercent} % of the messages the workers handled failed, in 3 of 5 five-minute periods with at least ${MIN_MESSAGES_FOR_ERROR_RATE} messages. The workers publish these counts (${WORKER_METRICS.namespace}); missing data is not breaching (no messages).`,
      section: "Queue",
      source: {
        kind: "math",
        expression: `IF(FILL(processed, 0) + FILL(failed, 0) >= ${MIN_MESSAGES_FOR_ERROR_RATE}, 100 * FILL(failed, 0) / (FILL(processed, 0) + FILL(failed, 0)), 0)`,
        label: "Worker error rate (%)",
        periodSeconds: 5 * MINUTE,
        metrics: { processed: worker(WORKER_METRICS.processed), failed: worker(WORKER_METRICS.failed) },
      },
      comparison: "GreaterThanThreshold",
      threshold: q.workerErrorRatePercent,
      thresholdLabel: `${q.workerErrorRatePercent} %`,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
    {
      key: "worker-none-running",
      description: `Messages wait in ${q.queueName} and no worker runs, for 3 minutes: workers crash at start, cannot pull the image, or the service was scaled to zero.`,
      section: "Queue",
      source: {
        kind: "math",
        expression: "IF(FILL(visible, 0) > 0 AND FILL(running, 0) < 1, 1, 0)",
        label: "Messages waiting with no worker (1 = yes)",
        periodSeconds: MINUTE,
        metrics: { visible, running },
      },
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      thresholdLabel: "no worker",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
  ];
}

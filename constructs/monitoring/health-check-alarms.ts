import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { TerraformProvider } from "../../engine";
import { Construct } from "constructs";
import { AlertTopic } from "./alert-topic";

/** Route 53 publishes health-check metrics only in this region. */
export const ROUTE53_METRICS_REGION = "us-east-1";

export interface HealthCheckAlarmsProps {
  /** Name prefix, e.g. `skyline-production`: alarms `<name>-<key>-health-check`. */
  readonly name: string;
  /**
   * Region of the provider these alarms are created with; must be us-east-1, where Route 53
   * publishes HealthCheckStatus.
   */
  readonly region: string;
  /** Route 53 health-check ids keyed by a stable name (the region code, e.g. `use1`). */
  readonly healthChecks: Readonly<Record<string, string>>;
  /**
   * An existing topic in us-east-1 to notify.
   * @default a new KMS-encrypted topic `<name>-health-alerts` in us-east-1
   */
  readonly topicArn?: string;
  /** Consecutive failing minutes before the alarm fires. @default 2 */
  readonly evaluationPeriods?: number;
  /** A us-east-1 provider, when the stack's default provider is elsewhere. @default the stack's provider */
  readonly provider?: TerraformProvider;
}

const KEY = /^[a-z0-9-]{1,40}$/;

/**
 * One alarm per Route 53 health check (the origin each region serves), for the stack that owns a
 * us-east-1 provider (the global stack). Kept apart from Monitoring because alarms can only watch
 * metrics, and notify topics, in their own region.
 */
export class HealthCheckAlarms extends Construct {
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  readonly alarmNamesByKey: Readonly<Record<string, string>>;
  readonly alarmNames: readonly string[];
  readonly topic?: AlertTopic;
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: HealthCheckAlarmsProps) {
    super(scope, id);
    const { name, provider } = props;
    const owner = `HealthCheckAlarms ${name}`;
    if (props.region !== ROUTE53_METRICS_REGION) {
      throw new Error(
        `${owner}: region is ${props.region}, but Route 53 publishes HealthCheckStatus only in ${ROUTE53_METRICS_REGION}; create these alarms with a ${ROUTE53_METRICS_REGION} provider`,
      );
    }
    const entries = Object.entries(props.healthChecks);
    if (entries.length === 0)
      throw new Error(`${owner}: healthChecks is empty; pass at least one health-check id`);
    for (const [key, healthCheckId] of entries) {
      if (!KEY.test(key)) {
        throw new Error(
          `${owner}: healthChecks key "${key}" must be lowercase letters, digits and - (e.g. a region code)`,
        );
      }
      if (!healthCheckId)
        throw new Error(`${owner}: healthChecks.${key} is empty; pass the Route 53 health-check id`);
    }
    const evaluationPeriods = props.evaluationPeriods ?? 2;
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1 || evaluationPeriods > 60) {
      throw new Error(`${owner}: evaluationPeriods is ${evaluationPeriods}; use a whole number from 1 to 60`);
    }

    if (props.topicArn) {
      this.topicArn = props.topicArn;
    } else {
      this.topic = new AlertTopic(this, "alerts", { name: `${name}-health`, region: props.region, provider });
      this.topicArn = this.topic.topicArn;
    }

    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    const names: Record<string, string> = {};
    for (const [key, healthCheckId] of entries) {
      names[key] = `${name}-${key}-health-check`;
      alarms[key] = new CloudwatchMetricAlarm(this, key, {
        provider,
        alarmName: names[key],
        alarmDescription:
          `Route 53 health check for ${key} has failed for ${evaluationPeriods} minutes: its origin is down for DNS failover. ` +
          `Missing data is breaching (a deleted or silent check proves nothing).`,
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        dimensions: { HealthCheckId: healthCheckId },
        // 1 healthy, 0 unhealthy: the minute's minimum catches any failing minute.
        statistic: "Minimum",
        period: 60,
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        evaluationPeriods,
        datapointsToAlarm: evaluationPeriods,
        treatMissingData: "breaching",
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
      });
    }
    this.alarms = alarms;
    this.alarmNamesByKey = names;
    this.alarmNames = Object.values(names);
  }
}

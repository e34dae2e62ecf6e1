import { CloudwatchCompositeAlarm } from "@cdktf/provider-aws/lib/cloudwatch-composite-alarm";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import {
  cacheAlarms,
  databaseAlarms,
  kubernetesAlarms,
  loadBalancerAlarms,
  serviceAlarms,
  type CacheTarget,
  type DatabaseTarget,
  type KubernetesTarget,
  type LoadBalancerTarget,
  type ServiceTarget,
} from "./alarm-catalog";
import type { AlarmSpec } from "./alarm-spec";
import { AlertTopic } from "./alert-topic";
import { dashboardBody } from "./dashboard-body";
import { queueAlarms, type QueueTarget } from "./queue-alarms";
import { resolveThresholds, type MonitoringThresholds, type ResolvedThresholds } from "./thresholds";

export interface MonitoringProps {
  /** Name prefix, e.g. `skyline-production-use1`: alarms `<name>-<what>`, dashboard `<name>`. */
  readonly name: string;
  /** The stack's region (dashboard graphs and the topic policy name it). */
  readonly region: string;
  readonly loadBalancer: LoadBalancerTarget;
  /** The API on ECS: CPU and memory alarms on the service. Pass this or `kubernetes`, not both. @default none */
  readonly service?: ServiceTarget;
  /** The API on EKS: CPU and memory alarms on its pods (Container Insights). @default none */
  readonly kubernetes?: KubernetesTarget;
  /** Database instances in this region and their roles. @default none */
  readonly databases?: readonly DatabaseTarget[];
  /** The region's Redis replication group. @default none */
  readonly cache?: CacheTarget;
  /** The submission queue and its workers (constructs/monitoring/queue-alarms.ts). @default none */
  readonly queue?: QueueTarget;
  /** @default the product's targets: see each field */
  readonly thresholds?: MonitoringThresholds;
  /**
   * Notify an existing topic in this region instead of creating one.
   * @default a new KMS-encrypted topic `<name>-alerts`
   */
  readonly topicArn?: string;
  /**
   * Notify an existing topic in this region with warnings (alarms that come before a page).
   * @default `topicArn` when given, else a new KMS-encrypted topic `<name>-warnings`
   */
  readonly warningTopicArn?: string;
  /**
   * AWS services besides CloudWatch allowed to publish to the created topic, e.g.
   * `backup.amazonaws.com` for the Backup construct's job notifications. Ignored with `topicArn`.
   * @default none
   */
  readonly additionalTopicPublishers?: readonly string[];
}

/**
 * The alarms an ECS deployment watches and rolls back on: the 5xx rate and the p95 latency, what
 * users feel from a bad release. Saturation alarms are left out (a deployment runs two fleets, and
 * autoscaling answers load), and so are the host counts (the circuit breaker covers tasks that fail
 * to start or to pass health checks).
 */
export const DEPLOYMENT_ALARM_KEYS = ["alb-5xx-rate", "alb-p95-latency"] as const;

// CloudWatch alarm names may be 255 characters; dashboard names are letters, digits, - and _.
const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * The region's alarms, the composite "region unhealthy" alarm built from the key ones, an alert
 * topic every alarm notifies on ALARM and on OK, and a dashboard graphing each alarm's metric.
 * Every alarm name is `<name>-<key>`, so the ops manifest and the CLI use them without lookups.
 */
export class Monitoring extends Construct {
  /** Metric alarms by key (`alb-5xx-rate`, `rds-db-replica-lag`…). */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  /** Alarm names by key. */
  readonly alarmNamesByKey: Readonly<Record<string, string>>;
  /** Every metric alarm's name (the composite is `regionUnhealthyAlarmName`). */
  readonly alarmNames: readonly string[];
  /**
   * The alarms that say whether this region can serve (not facts about another region, such as
   * replica lag); the failover gates read them with the composite.
   */
  readonly canServeAlarmNames: readonly string[];
  readonly regionUnhealthyAlarm: CloudwatchCompositeAlarm;
  readonly regionUnhealthyAlarmName: string;
  readonly topic?: AlertTopic;
  readonly topicArn: string;
  /** Where warnings go (alarms with severity `warn`, and INSUFFICIENT_DATA notes). */
  readonly warningTopic?: AlertTopic;
  readonly warningTopicArn: string;
  readonly dashboard: CloudwatchDashboard;
  readonly dashboardName: string;
  readonly thresholds: ResolvedThresholds;
  /** What each alarm watches, as data (the runbooks describe alarms from it). */
  readonly specs: readonly AlarmSpec[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { name, region } = props;
    const owner = `Monitoring ${name}`;
    this.thresholds = resolveThresholds(owner, props.thresholds);
    this.dashboardName = name;
    if (!DASHBOARD_NAME.test(this.dashboardName)) {
      throw new Error(
        `${owner}: name "${name}" may only use letters, digits, - and _ (it names the dashboard and alarms)`,
      );
    }
    checkTargets(owner, props);
    this.specs = [
      ...loadBalancerAlarms(props.loadBalancer, this.thresholds),
      ...(props.service ? serviceAlarms(props.service, this.thresholds) : []),
      ...(props.kubernetes ? kubernetesAlarms(props.kubernetes, this.thresholds) : []),
      ...(props.databases ?? []).flatMap((db) => databaseAlarms(db, name, this.thresholds)),
      ...(props.cache ? cacheAlarms(props.cache, name, this.thresholds) : []),
      ...(props.queue ? queueAlarms(props.queue) : []),
    ];
    const duplicate = this.specs.find((s, i) => this.specs.findIndex((o) => o.key === s.key) !== i);
    if (duplicate) {
      throw new Error(
        `${owner}: two alarms would be named ${name}-${duplicate.key}; give the databases and cache nodes distinct ids`,
      );
    }

    if (props.topicArn) {
      this.topicArn = props.topicArn;
    } else {
      this.topic = new AlertTopic(this, "alerts", {
        name,
        region,
        additionalPublishers: props.additionalTopicPublishers,
      });
      this.topicArn = this.topic.topicArn;
    }
    const actions = { alarmActions: [this.topicArn], okActions: [this.topicArn] };
    const needsWarnings = this.specs.some((s) => s.severity === "warn" || s.notifyInsufficientData);
    if (props.warningTopicArn ?? props.topicArn) {
      this.warningTopicArn = (props.warningTopicArn ?? props.topicArn)!;
    } else if (needsWarnings) {
      this.warningTopic = new AlertTopic(this, "warnings", { name, region, suffix: "warnings" });
      this.warningTopicArn = this.warningTopic.topicArn;
    } else {
      this.warningTopicArn = this.topicArn;
    }
    const warnings = [this.warningTopicArn];

    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    for (const spec of this.specs) {
      const warn = spec.severity === "warn";
      alarms[spec.key] = new CloudwatchMetricAlarm(this, spec.key, {
        alarmName: `${name}-${spec.key}`,
        alarmDescription: spec.description,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
        evaluateLowSampleCountPercentiles: spec.evaluateLowSampleCountPercentiles,
        ...metricArguments(spec),
        ...(warn ? { alarmActions: warnings, okActions: warnings } : actions),
        ...(spec.notifyInsufficientData ? { insufficientDataActions: warnings } : {}),
      });
    }
    this.alarms = alarms;
    this.alarmNamesByKey = Object.fromEntries(this.specs.map((s) => [s.key, `${name}-${s.key}`]));
    this.alarmNames = Object.values(this.alarmNamesByKey);
    this.canServeAlarmNames = this.specs.filter((s) => s.canServe).map((s) => this.alarmNamesByKey[s.key]);

    this.regionUnhealthyAlarmName = `${name}-region-unhealthy`;
    const members = this.specs.filter((s) => s.regionUnhealthy);
    this.regionUnhealthyAlarm = new CloudwatchCompositeAlarm(this, "region-unhealthy", {
      alarmName: this.regionUnhealthyAlarmName,
      alarmDescription:
        `Region ${region} cannot serve well: any of ${members.map((s) => s.key).join(", ")} is in ALARM. ` +
        `Failover checks and \`skyline status\` read this alarm.`,
      alarmRule: regionUnhealthyRule(members.map((s) => this.alarmNamesByKey[s.key])),
      ...actions,
      // The rule names the alarms literally (readable in the console), so order them explicitly.
      dependsOn: members.map((s) => alarms[s.key]),
    });

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: this.dashboardName,
      dashboardBody: JSON.stringify(
        dashboardBody({
          region,
          title: name,
          specs: this.specs,
          alarmArns: [this.regionUnhealthyAlarm.arn, ...this.specs.map((s) => alarms[s.key].arn)],
        }),
      ),
    });
  }
}

/** `ALARM("a") OR ALARM("b") …`: the region is unhealthy while any key alarm fires. */
export function regionUnhealthyRule(alarmNames: readonly string[]): string {
  return alarmNames.map((n) => `ALARM("${n}")`).join(" OR ");
}

function metricArguments(spec: AlarmSpec) {
  const source = spec.source;
  if (source.kind === "metric") {
    return {
      namespace: source.namespace,
      metricName: source.metricName,
      dimensions: { ...source.dimensions },
      period: source.periodSeconds,
      statistic: source.statistic,
      extendedStatistic: source.extendedStatistic,
    };
  }
  return {
    metricQuery: [
      { id: "e1", expression: source.expression, label: source.label, returnData: true },
      ...Object.entries(source.metrics).map(([id, m]) => ({
        id,
        returnData: false,
        metric: {
          namespace: m.namespace,
          metricName: m.metricName,
          dimensions: { ...m.dimensions },
          period: source.periodSeconds,
          stat: m.stat,
        },
      })),
    ],
  };
}

function checkTargets(owner: string, props: MonitoringProps): void {
  // The API runs on exactly one of ECS or EKS; its saturation alarms watch that one.
  if (props.service && props.kubernetes) {
    throw new Error(
      `${owner}: pass service (ECS) or kubernetes (EKS), not both; the API runs on one of them`,
    );
  }
  if (!props.service && !props.kubernetes) {
    throw new Error(
      `${owner}: service (ECS) or kubernetes (EKS) is required; its CPU and memory alarms watch the API`,
    );
  }
  const required: [string, string | undefined][] = [
    ["loadBalancer.arnSuffix", props.loadBalancer?.arnSuffix],
    ["loadBalancer.targetGroupArnSuffix", props.loadBalancer?.targetGroupArnSuffix],
    ...(props.service
      ? ([
          ["service.clusterName", props.service.clusterName],
          ["service.serviceName", props.service.serviceName],
        ] as [string, string | undefined][])
      : []),
    ...(props.kubernetes
      ? ([
          ["kubernetes.clusterName", props.kubernetes.clusterName],
          ["kubernetes.namespace", props.kubernetes.namespace],
          ["kubernetes.serviceName", props.kubernetes.serviceName],
        ] as [string, string | undefined][])
      : []),
  ];
  for (const [prop, value] of required) {
    if (!value)
      throw new Error(`${owner}: ${prop} is required (it is the CloudWatch dimension the alarms watch)`);
  }
  const databases = props.databases ?? [];
  databases.forEach((db, i) => {
    if (!db.instanceId) throw new Error(`${owner}: databases[${i}].instanceId is required`);
    if (!["writer", "reader", "cross-region-replica"].includes(db.role)) {
      throw new Error(
        `${owner}: databases[${i}].role "${db.role}" must be writer, reader or cross-region-replica`,
      );
    }
  });
  if (databases.filter((db) => db.role === "writer").length > 1) {
    throw new Error(
      `${owner}: databases lists more than one writer; a region has one writer, list the others as readers`,
    );
  }
  if (props.cache) {
    if (!props.cache.replicationGroupId) throw new Error(`${owner}: cache.replicationGroupId is required`);
    if (props.cache.memberClusterIds && props.cache.memberClusterIds.length === 0) {
      throw new Error(
        `${owner}: cache.memberClusterIds is empty; list the group's member clusters or omit it for the default`,
      );
    }
  }
}

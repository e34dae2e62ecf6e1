import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Guardrails } from "../../guardrails";
import { defaultMemberClusterIds, shortName } from "../../constructs/monitoring/alarm-catalog";
import {
  HealthCheckAlarms,
  type HealthCheckAlarmsProps,
} from "../../constructs/monitoring/health-check-alarms";
import {
  Monitoring,
  regionUnhealthyRule,
  type MonitoringProps,
} from "../../constructs/monitoring/monitoring";
import { DEFAULT_THRESHOLDS } from "../../constructs/monitoring/thresholds";
import { only, resources, synthJson, testStack, type StackJson } from "../helpers/synth";

const PREFIX = "app-prod-use1";
const LB = {
  arnSuffix: "app/app-prod-use1-alb/abc",
  targetGroupArnSuffix: "targetgroup/app-prod-use1-api/def",
};
const SERVICE = { clusterName: "app-prod-use1-cluster", serviceName: "app-prod-use1-api" };
const KUBERNETES = { clusterName: "app-prod-use1-eks", namespace: "app", serviceName: "app-api" };
const ALB_DIMS = { LoadBalancer: LB.arnSuffix };
const TARGET_DIMS = { LoadBalancer: LB.arnSuffix, TargetGroup: LB.targetGroupArnSuffix };

function synthMonitoring(overrides: Partial<MonitoringProps> = {}) {
  const { stack } = testStack("us-east-1");
  const monitoring = new Monitoring(stack, "monitoring", {
    name: PREFIX,
    region: "us-east-1",
    loadBalancer: LB,
    service: SERVICE,
    databases: [
      { instanceId: "app-prod-use1-db", role: "writer" },
      { instanceId: "app-prod-use1-db-reader", role: "reader" },
    ],
    cache: { replicationGroupId: "app-prod-use1-cache" },
    ...overrides,
  });
  return { json: synthJson(stack), stack, monitoring };
}

/** Metric alarms by alarm name. */
function alarmsByName(json: StackJson): Record<string, Record<string, any>> {
  return Object.fromEntries(resources(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name, a]));
}

describe("Monitoring", () => {
  const { json, stack, monitoring } = synthMonitoring();
  const alarms = alarmsByName(json);
  const topicRef = /^\$\{aws_sns_topic\.monitoring_alerts_topic_\w+\.arn\}$/;

  it("creates one deterministically named alarm per watched metric", () => {
    expect(Object.keys(alarms).sort()).toEqual(
      [
        "alb-5xx-rate",
        "alb-p95-latency",
        "alb-unhealthy-hosts",
        "alb-no-healthy-hosts",
        "ecs-cpu",
        "ecs-memory",
        "rds-db-cpu",
        "rds-db-connections",
        "rds-db-free-storage",
        "rds-db-reader-cpu",
        "rds-db-reader-connections",
        "rds-db-reader-free-storage",
        "rds-db-reader-replica-lag-warning",
        "rds-db-reader-replica-lag",
        "rds-db-reader-replication-stopped",
        ...["001", "002"].flatMap((n) => [
          `redis-cache-${n}-cpu`,
          `redis-cache-${n}-memory`,
          `redis-cache-${n}-evictions`,
        ]),
      ]
        .map((k) => `${PREFIX}-${k}`)
        .sort(),
    );
  });

  it("exposes the names as a list and a map, plus the composite, topic and dashboard", () => {
    expect([...monitoring.alarmNames].sort()).toEqual(Object.keys(alarms).sort());
    expect(monitoring.alarmNamesByKey["alb-5xx-rate"]).toBe("app-prod-use1-alb-5xx-rate");
    expect(monitoring.alarmNamesByKey["rds-db-reader-replica-lag"]).toBe(
      "app-prod-use1-rds-db-reader-replica-lag",
    );
    expect(monitoring.regionUnhealthyAlarmName).toBe("app-prod-use1-region-unhealthy");
    expect(monitoring.dashboardName).toBe(PREFIX);
    expect(monitoring.topicArn).toBe(monitoring.topic!.topicArn);
  });

  it("sends every paging alarm's ALARM and OK transitions to the alert topic, warnings to the warnings topic", () => {
    const warningRef = /^\$\{aws_sns_topic\.monitoring_warnings_topic_\w+\.arn\}$/;
    const all = [...Object.values(alarms), only(json, "aws_cloudwatch_composite_alarm")];
    for (const alarm of all) {
      expect(alarm.alarm_actions).toHaveLength(1);
      expect(alarm.alarm_actions[0]).toMatch(alarm.alarm_name.endsWith("-warning") ? warningRef : topicRef);
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    }
    expect(all.filter((a) => warningRef.test(a.alarm_actions[0])).map((a) => a.alarm_name)).toEqual([
      `${PREFIX}-rds-db-reader-replica-lag-warning`,
    ]);
    const topics = resources(json, "aws_sns_topic").map(([, t]) => t.name);
    expect(topics.sort()).toEqual([`${PREFIX}-alerts`, `${PREFIX}-warnings`]);
  });

  it("computes the 5xx rate as a percentage of requests with metric math", () => {
    const alarm = alarms["app-prod-use1-alb-5xx-rate"];
    expect(alarm).toMatchObject({
      comparison_operator: "GreaterThanThreshold",
      threshold: 1,
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
      treat_missing_data: "notBreaching",
    });
    expect(alarm.metric_name).toBeUndefined();
    const [expression, ...inputs] = alarm.metric_query;
    expect(expression).toMatchObject({ id: "e1", return_data: true });
    expect(expression.expression).toBe(
      "IF(requests >= 10, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
    );
    expect(
      Object.fromEntries(
        inputs.map((q: any) => [q.id, [q.metric.metric_name, q.metric.stat, q.return_data]]),
      ),
    ).toEqual({
      requests: ["RequestCount", "Sum", false],
      target5xx: ["HTTPCode_Target_5XX_Count", "Sum", false],
      elb5xx: ["HTTPCode_ELB_5XX_Count", "Sum", false],
    });
    for (const q of inputs) {
      expect(q.metric).toMatchObject({ namespace: "AWS/ApplicationELB", dimensions: ALB_DIMS, period: 60 });
    }
  });

  it("with an alternate target group (blue/green) adds the two groups' host counts", () => {
    const alternate = "targetgroup/app-prod-use1-api-alt/ghi";
    const { json } = synthMonitoring({ loadBalancer: { ...LB, alternateTargetGroupArnSuffix: alternate } });
    const byName = Object.fromEntries(
      resources(json, "aws_cloudwatch_metric_alarm").map(([, a]) => [a.alarm_name, a]),
    );
    for (const [key, metricName, stat] of [
      ["alb-no-healthy-hosts", "HealthyHostCount", "Minimum"],
      ["alb-unhealthy-hosts", "UnHealthyHostCount", "Maximum"],
    ]) {
      const alarm = byName[`${PREFIX}-${key}`];
      expect(alarm.metric_name).toBeUndefined();
      const [expression, ...inputs] = alarm.metric_query;
      expect(expression).toMatchObject({
        expression: "FILL(primary, 0) + FILL(alternate, 0)",
        return_data: true,
      });
      expect(
        inputs.map((q: any) => [q.id, q.metric.metric_name, q.metric.stat, q.metric.dimensions]),
      ).toEqual([
        ["primary", metricName, stat, TARGET_DIMS],
        ["alternate", metricName, stat, { LoadBalancer: LB.arnSuffix, TargetGroup: alternate }],
      ]);
    }
    expect(byName[`${PREFIX}-alb-p95-latency`].dimensions).toEqual(ALB_DIMS);
  });

  it.each([
    // name, namespace, metric, dimensions, statistic, comparison, threshold, periods, datapoints, missing
    [
      "alb-p95-latency",
      "AWS/ApplicationELB",
      "TargetResponseTime",
      // The load balancer's, so it watches green as well as blue during a deployment.
      ALB_DIMS,
      "p95",
      "GreaterThanThreshold",
      0.1,
      5,
      3,
      "notBreaching",
    ],
    [
      "alb-unhealthy-hosts",
      "AWS/ApplicationELB",
      "UnHealthyHostCount",
      TARGET_DIMS,
      "Maximum",
      "GreaterThanThreshold",
      0,
      3,
      3,
      "notBreaching",
    ],
    [
      "alb-no-healthy-hosts",
      "AWS/ApplicationELB",
      "HealthyHostCount",
      TARGET_DIMS,
      "Minimum",
      "LessThanThreshold",
      1,
      2,
      2,
      "breaching",
    ],
    [
      "ecs-cpu",
      "AWS/ECS",
      "CPUUtilization",
      { ClusterName: SERVICE.clusterName, ServiceName: SERVICE.serviceName },
      "Average",
      "GreaterThanThreshold",
      90,
      5,
      5,
      "notBreaching",
    ],
    [
      "ecs-memory",
      "AWS/ECS",
      "MemoryUtilization",
      { ClusterName: SERVICE.clusterName, ServiceName: SERVICE.serviceName },
      "Average",
      "GreaterThanThreshold",
      90,
      5,
      5,
      "notBreaching",
    ],
    [
      "rds-db-cpu",
      "AWS/RDS",
      "CPUUtilization",
      { DBInstanceIdentifier: "app-prod-use1-db" },
      "Average",
      "GreaterThanThreshold",
      80,
      5,
      5,
      "breaching",
    ],
    [
      "rds-db-connections",
      "AWS/RDS",
      "DatabaseConnections",
      { DBInstanceIdentifier: "app-prod-use1-db" },
      "Maximum",
      "GreaterThanThreshold",
      400,
      3,
      3,
      "breaching",
    ],
    [
      "rds-db-free-storage",
      "AWS/RDS",
      "FreeStorageSpace",
      { DBInstanceIdentifier: "app-prod-use1-db" },
      "Minimum",
      "LessThanThreshold",
      10 * 1024 ** 3,
      2,
      2,
      "breaching",
    ],
    [
      "rds-db-reader-replica-lag-warning",
      "AWS/RDS",
      "ReplicaLag",
      { DBInstanceIdentifier: "app-prod-use1-db-reader" },
      "Maximum",
      "GreaterThanOrEqualToThreshold",
      150,
      3,
      2,
      "breaching",
    ],
    [
      "rds-db-reader-replica-lag",
      "AWS/RDS",
      "ReplicaLag",
      { DBInstanceIdentifier: "app-prod-use1-db-reader" },
      "Maximum",
      "GreaterThanOrEqualToThreshold",
      300,
      1,
      1,
      "breaching",
    ],
    [
      "rds-db-reader-replication-stopped",
      "AWS/RDS",
      "ReplicaLag",
      { DBInstanceIdentifier: "app-prod-use1-db-reader" },
      "Minimum",
      "LessThanThreshold",
      0,
      2,
      2,
      "notBreaching",
    ],
    [
      "redis-cache-001-cpu",
      "AWS/ElastiCache",
      "EngineCPUUtilization",
      { CacheClusterId: "app-prod-use1-cache-001" },
      "Average",
      "GreaterThanThreshold",
      80,
      5,
      5,
      "breaching",
    ],
    [
      "redis-cache-002-memory",
      "AWS/ElastiCache",
      "DatabaseMemoryUsagePercentage",
      { CacheClusterId: "app-prod-use1-cache-002" },
      "Average",
      "GreaterThanThreshold",
      80,
      5,
      5,
      "breaching",
    ],
    [
      "redis-cache-001-evictions",
      "AWS/ElastiCache",
      "Evictions",
      { CacheClusterId: "app-prod-use1-cache-001" },
      "Sum",
      "GreaterThanThreshold",
      100,
      1,
      1,
      "notBreaching",
    ],
  ] as const)(
    "%s watches %s %s with the right statistic, threshold, periods and missing-data rule",
    (key, namespace, metricName, dimensions, stat, comparison, threshold, periods, datapoints, missing) => {
      const alarm = alarms[`${PREFIX}-${key}`];
      expect(alarm).toMatchObject({
        namespace,
        metric_name: metricName,
        dimensions,
        comparison_operator: comparison,
        threshold,
        evaluation_periods: periods,
        datapoints_to_alarm: datapoints,
        treat_missing_data: missing,
      });
      if (stat.startsWith("p")) {
        expect(alarm.extended_statistic).toBe(stat);
        expect(alarm.statistic).toBeUndefined();
        expect(alarm.evaluate_low_sample_count_percentiles).toBe("ignore");
      } else {
        expect(alarm.statistic).toBe(stat);
        expect(alarm.extended_statistic).toBeUndefined();
      }
    },
  );

  it("warns at half the RPO and pages at the RPO; a cross-region replica's silence is missing, not breaching", () => {
    const { json: dr, monitoring: m } = synthMonitoring({
      name: "app-prod-euw1",
      region: "eu-west-1",
      databases: [{ instanceId: "app-prod-euw1-db-replica", role: "cross-region-replica" }],
      cache: undefined,
    });
    const byName = alarmsByName(dr);
    const lag = (key: string) => byName[`app-prod-euw1-rds-db-replica-${key}`];
    const lagMetric = {
      metric_name: "ReplicaLag",
      namespace: "AWS/RDS",
      dimensions: { DBInstanceIdentifier: "app-prod-euw1-db-replica" },
    };
    expect(lag("replica-lag-warning")).toMatchObject({
      ...lagMetric,
      threshold: 150,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      treat_missing_data: "missing",
    });
    expect(lag("replica-lag")).toMatchObject({
      ...lagMetric,
      threshold: 300,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      evaluation_periods: 1,
      datapoints_to_alarm: 1,
      treat_missing_data: "missing",
    });
    // Silence of a cross-region replica's lag is a note to the warnings topic, not a page.
    const warnings = /aws_sns_topic\.monitoring_warnings_topic_\w+\.arn/;
    expect(lag("replica-lag").insufficient_data_actions[0]).toMatch(warnings);
    expect(lag("replica-lag-warning").insufficient_data_actions[0]).toMatch(warnings);
    expect(lag("replication-stopped")).toMatchObject({ statistic: "Minimum", threshold: 0 });
    // The replica's own health says whether the region can serve; its lag does not.
    expect([...m.canServeAlarmNames].sort()).toEqual(
      [
        "alb-5xx-rate",
        "alb-no-healthy-hosts",
        "alb-p95-latency",
        "alb-unhealthy-hosts",
        "rds-db-replica-connections",
        "rds-db-replica-cpu",
        "rds-db-replica-free-storage",
      ].map((k) => `app-prod-euw1-${k}`),
    );
    expect(DEFAULT_THRESHOLDS.replicaLagSeconds).toBe(300);
    expect(DEFAULT_THRESHOLDS.replicaLagWarningSeconds).toBe(150);
    // The writer has no lag alarm; an in-region reader's silence is breaching.
    expect(Object.keys(alarms).filter((n) => n.includes("replica-lag"))).toEqual([
      "app-prod-use1-rds-db-reader-replica-lag-warning",
      "app-prod-use1-rds-db-reader-replica-lag",
    ]);
    expect(alarms["app-prod-use1-rds-db-reader-replica-lag"].insufficient_data_actions).toBeUndefined();
  });

  it("leaves in-region readers and lag out of the can-serve list of the primary", () => {
    expect(monitoring.canServeAlarmNames.filter((n) => /reader|lag|stopped|redis|ecs/.test(n))).toEqual([]);
    expect(monitoring.canServeAlarmNames).toContain(`${PREFIX}-rds-db-cpu`);
  });

  it("takes replica lag (page and warning) from a stricter RPO when only the RPO is given", () => {
    const { json: strict } = synthMonitoring({ thresholds: { rpoSeconds: 60 } });
    expect(alarmsByName(strict)["app-prod-use1-rds-db-reader-replica-lag"].threshold).toBe(60);
    expect(alarmsByName(strict)["app-prod-use1-rds-db-reader-replica-lag-warning"].threshold).toBe(30);
  });

  it("applies custom thresholds in the metric's own unit", () => {
    const { json: custom } = synthMonitoring({
      thresholds: {
        p95LatencyMs: 250,
        rdsFreeStorageGiB: 20,
        alb5xxRatePercent: 0.5,
        alb5xxMinRequestsPerMinute: 100,
      },
    });
    const byName = alarmsByName(custom);
    expect(byName["app-prod-use1-alb-p95-latency"].threshold).toBe(0.25);
    expect(byName["app-prod-use1-rds-db-free-storage"].threshold).toBe(20 * 1024 ** 3);
    expect(byName["app-prod-use1-alb-5xx-rate"].threshold).toBe(0.5);
    expect(byName["app-prod-use1-alb-5xx-rate"].metric_query[0].expression).toMatch(/^IF\(requests >= 100,/);
  });

  it("watches the member clusters it is given instead of the default pair", () => {
    const { json: three } = synthMonitoring({
      cache: {
        replicationGroupId: "app-prod-use1-cache",
        memberClusterIds: ["app-prod-use1-cache-0001-001"],
      },
    });
    const redis = Object.keys(alarmsByName(three)).filter((n) => n.includes("redis"));
    expect(redis.sort()).toEqual(
      ["cpu", "evictions", "memory"].map((m) => `app-prod-use1-redis-cache-0001-001-${m}`),
    );
    expect(defaultMemberClusterIds("rg", 3)).toEqual(["rg-001", "rg-002", "rg-003"]);
  });

  it("builds the region-unhealthy composite only from existing key alarms, created first", () => {
    const composite = only(json, "aws_cloudwatch_composite_alarm");
    expect(composite.alarm_name).toBe("app-prod-use1-region-unhealthy");
    const referenced = [...composite.alarm_rule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(composite.alarm_rule).toBe(referenced.map((n) => `ALARM("${n}")`).join(" OR "));
    expect(referenced.sort()).toEqual(
      [
        "alb-5xx-rate",
        "alb-p95-latency",
        "alb-unhealthy-hosts",
        "alb-no-healthy-hosts",
        "rds-db-cpu",
        "rds-db-connections",
      ]
        .map((k) => `${PREFIX}-${k}`)
        .sort(),
    );
    for (const name of referenced) expect(alarms[name]).toBeDefined();
    const addresses = resources(json, "aws_cloudwatch_metric_alarm")
      .filter(([, a]) => referenced.includes(a.alarm_name))
      .map(([address]) => `aws_cloudwatch_metric_alarm.${address}`);
    expect([...composite.depends_on].sort()).toEqual(addresses.sort());
  });

  it("leaves database alarms out of the composite in a region without a writer", () => {
    const { json: dr } = synthMonitoring({
      name: "app-prod-euw1",
      databases: [{ instanceId: "app-prod-euw1-db-replica", role: "cross-region-replica" }],
    });
    expect(only(dr, "aws_cloudwatch_composite_alarm").alarm_rule).not.toMatch(/rds-/);
    expect(regionUnhealthyRule(["a", "b"])).toBe('ALARM("a") OR ALARM("b")');
  });

  it("works without databases or a cache", () => {
    const { json: bare } = synthMonitoring({ databases: undefined, cache: undefined });
    expect(Object.keys(alarmsByName(bare))).toHaveLength(6);
  });

  // Without replicas there are no warnings, so the alert topic is the only topic and key.
  const WRITER = { instanceId: "app-prod-use1-db", role: "writer" } as const;
  const { json: writerOnly } = synthMonitoring({ databases: [WRITER] });

  it("creates no warnings topic when no alarm warns", () => {
    expect(resources(writerOnly, "aws_sns_topic").map(([, t]) => t.name)).toEqual([`${PREFIX}-alerts`]);
  });

  it("encrypts the alert topic with a customer key that CloudWatch may use", () => {
    const topic = only(writerOnly, "aws_sns_topic");
    expect(topic.name).toBe("app-prod-use1-alerts");
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.monitoring_alerts_key_\w+\.arn\}$/);
    const key = only(writerOnly, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    const cloudwatch = JSON.parse(key.policy).Statement.find(
      (s: any) => s.Principal.Service === "cloudwatch.amazonaws.com",
    );
    expect(cloudwatch.Action).toEqual(expect.arrayContaining(["kms:Decrypt*", "kms:GenerateDataKey*"]));
  });

  it("lets only this account's alarms in this region publish to the topic", () => {
    const policy = JSON.parse(only(writerOnly, "aws_sns_topic_policy").policy);
    const publish = policy.Statement.find((s: any) => s.Sid === "CloudWatchAlarmsPublish");
    expect(publish).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
    });
    expect(publish.Condition.ArnLike["aws:SourceArn"]).toMatch(
      /^arn:aws:cloudwatch:us-east-1:\$\{data\.aws_caller_identity\.[\w]+\.account_id\}:alarm:\*$/,
    );
    expect(publish.Condition.StringEquals["aws:SourceAccount"]).toMatch(/account_id/);
    expect(policy.Statement.every((s: any) => s.Principal !== "*" && s.Principal.AWS !== "*")).toBe(true);
  });

  it("lets other AWS services (AWS Backup) publish to the topic and use its key when asked", () => {
    expect(JSON.parse(only(writerOnly, "aws_sns_topic_policy").policy).Statement).toHaveLength(2);
    const { json: withBackup } = synthMonitoring({
      additionalTopicPublishers: ["backup.amazonaws.com"],
      databases: [WRITER],
    });
    const statements = JSON.parse(only(withBackup, "aws_sns_topic_policy").policy).Statement;
    const backup = statements.find((s: any) => s.Principal.Service === "backup.amazonaws.com");
    expect(backup).toMatchObject({ Effect: "Allow", Action: "sns:Publish" });
    expect(backup.Condition.StringEquals["aws:SourceAccount"]).toMatch(/account_id/);
    const keyUsers = JSON.parse(only(withBackup, "aws_kms_key").policy).Statement.map(
      (s: any) => s.Principal.Service,
    );
    expect(keyUsers).toEqual(expect.arrayContaining(["cloudwatch.amazonaws.com", "backup.amazonaws.com"]));
  });

  it("notifies a given topic instead of creating one (warnings too, unless given their own)", () => {
    const arn = "arn:aws:sns:us-east-1:123456789012:oncall";
    const { json: shared, monitoring: m } = synthMonitoring({ topicArn: arn });
    expect(resources(shared, "aws_sns_topic")).toHaveLength(0);
    expect(Object.values(alarmsByName(shared)).every((a) => a.alarm_actions[0] === arn)).toBe(true);
    expect(m.topicArn).toBe(arn);
    expect(m.warningTopicArn).toBe(arn);
    const quiet = "arn:aws:sns:us-east-1:123456789012:chat";
    const { json: split } = synthMonitoring({ topicArn: arn, warningTopicArn: quiet });
    const byName = alarmsByName(split);
    expect(byName[`${PREFIX}-rds-db-reader-replica-lag-warning`].alarm_actions).toEqual([quiet]);
    expect(byName[`${PREFIX}-rds-db-reader-replica-lag`].alarm_actions).toEqual([arn]);
  });

  it("draws a dashboard whose JSON parses and graphs every alarm's metric with its threshold", () => {
    const dashboard = only(json, "aws_cloudwatch_dashboard");
    expect(dashboard.dashboard_name).toBe(PREFIX);
    const body = JSON.parse(dashboard.dashboard_body);
    const graphs = body.widgets.filter((w: any) => w.type === "metric");
    expect(graphs.map((w: any) => w.properties.title).sort()).toEqual(
      monitoring.specs.map((s) => s.key).sort(),
    );
    const drawn = JSON.stringify(graphs);
    for (const metricName of [
      "HTTPCode_Target_5XX_Count",
      "HTTPCode_ELB_5XX_Count",
      "RequestCount",
      "TargetResponseTime",
      "UnHealthyHostCount",
      "HealthyHostCount",
      "CPUUtilization",
      "MemoryUtilization",
      "DatabaseConnections",
      "FreeStorageSpace",
      "ReplicaLag",
      "EngineCPUUtilization",
      "DatabaseMemoryUsagePercentage",
      "Evictions",
    ]) {
      expect(drawn).toContain(`"${metricName}"`);
    }
    const lag = graphs.find((w: any) => w.properties.title === "rds-db-reader-replica-lag").properties;
    expect(lag).toMatchObject({ region: "us-east-1", period: 60 });
    expect(lag.metrics).toEqual([
      ["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "app-prod-use1-db-reader", { stat: "Maximum" }],
    ]);
    expect(lag.annotations.horizontal).toEqual([{ label: "alarm: 300 s (RPO)", value: 300 }]);
    const status = body.widgets.find((w: any) => w.type === "alarm");
    expect(status.properties.alarms).toHaveLength(monitoring.alarmNames.length + 1);
    expect(status.properties.alarms[0]).toMatch(/aws_cloudwatch_composite_alarm\./);
    for (const w of body.widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });

  it("passes every guardrail (encrypted topic, rotating keys)", () => {
    expect(Guardrails.check(stack).findings.filter((f) => f.severity === "error")).toEqual([]);
  });

  describe("validation", () => {
    const cases: [string, Partial<MonitoringProps>, RegExp][] = [
      [
        "a percentage over 100",
        { thresholds: { ecsCpuPercent: 120 } },
        /thresholds\.ecsCpuPercent is 120; use a number from 1 to 100/,
      ],
      ["a zero latency", { thresholds: { p95LatencyMs: 0 } }, /thresholds\.p95LatencyMs is 0/],
      ["a NaN threshold", { thresholds: { rdsCpuPercent: NaN } }, /thresholds\.rdsCpuPercent is NaN/],
      [
        "a fractional connection count",
        { thresholds: { rdsConnections: 10.5 } },
        /thresholds\.rdsConnections is 10\.5; use a whole number/,
      ],
      [
        "a negative unhealthy-host count",
        { thresholds: { unhealthyHosts: -1 } },
        /thresholds\.unhealthyHosts is -1/,
      ],
      ["a 5xx rate of 0 %", { thresholds: { alb5xxRatePercent: 0 } }, /thresholds\.alb5xxRatePercent is 0/],
      [
        "replica lag above the RPO",
        { thresholds: { replicaLagSeconds: 600 } },
        /thresholds\.replicaLagSeconds \(600\) exceeds thresholds\.rpoSeconds \(300\)/,
      ],
      [
        "a lag warning at or above the page",
        { thresholds: { replicaLagWarningSeconds: 300 } },
        /thresholds\.replicaLagWarningSeconds \(300\) must be below thresholds\.replicaLagSeconds \(300\)/,
      ],
      [
        "a name the dashboard refuses",
        { name: "app prod" },
        /name "app prod" may only use letters, digits, - and _/,
      ],
      [
        "a missing ALB dimension",
        { loadBalancer: { arnSuffix: "", targetGroupArnSuffix: "tg" } },
        /loadBalancer\.arnSuffix is required/,
      ],
      [
        "a missing service name",
        { service: { clusterName: "c", serviceName: "" } },
        /service\.serviceName is required/,
      ],
      [
        "an unknown database role",
        { databases: [{ instanceId: "db", role: "primary" as any }] },
        /databases\[0\]\.role "primary" must be writer, reader or cross-region-replica/,
      ],
      [
        "a database without an id",
        { databases: [{ instanceId: "", role: "reader" }] },
        /databases\[0\]\.instanceId is required/,
      ],
      [
        "two writers",
        {
          databases: [
            { instanceId: "a", role: "writer" },
            { instanceId: "b", role: "writer" },
          ],
        },
        /databases lists more than one writer/,
      ],
      [
        "two databases with one id",
        {
          databases: [
            { instanceId: "db", role: "writer" },
            { instanceId: "db", role: "reader" },
          ],
        },
        /two alarms would be named app-prod-use1-rds-db-cpu/,
      ],
      [
        "a cache without a group id",
        { cache: { replicationGroupId: "" } },
        /cache\.replicationGroupId is required/,
      ],
      [
        "an empty member list",
        { cache: { replicationGroupId: "rg", memberClusterIds: [] } },
        /cache\.memberClusterIds is empty/,
      ],
      [
        "both an ECS service and an EKS workload",
        { kubernetes: KUBERNETES },
        /pass service \(ECS\) or kubernetes \(EKS\), not both/,
      ],
      [
        "neither an ECS service nor an EKS workload",
        { service: undefined },
        /service \(ECS\) or kubernetes \(EKS\) is required/,
      ],
      [
        "an EKS workload without its Kubernetes Service",
        { service: undefined, kubernetes: { ...KUBERNETES, serviceName: "" } },
        /kubernetes\.serviceName is required/,
      ],
      [
        "an EKS workload without its cluster",
        { service: undefined, kubernetes: { ...KUBERNETES, clusterName: "" } },
        /kubernetes\.clusterName is required/,
      ],
      [
        "a pod CPU threshold above 100 %",
        { thresholds: { podCpuPercent: 101 } },
        /thresholds\.podCpuPercent is 101; use a number from 1 to 100/,
      ],
    ];
    it.each(cases)("rejects %s, naming the prop", (_label, overrides, message) => {
      expect(() => synthMonitoring(overrides)).toThrow(message);
    });
  });

  it("shortens ids under the prefix for alarm keys and leaves others whole", () => {
    expect(shortName("app-prod-use1-db", PREFIX)).toBe("db");
    expect(shortName("legacy-db", PREFIX)).toBe("legacy-db");
    expect(shortName(`${PREFIX}-`, PREFIX)).toBe(`${PREFIX}-`);
  });
});

describe("Monitoring of the API on EKS", () => {
  const { json, monitoring } = synthMonitoring({ service: undefined, kubernetes: KUBERNETES });
  const alarms = alarmsByName(json);

  it("watches the pods instead of an ECS service: no ECS alarm, two pod alarms", () => {
    expect(Object.keys(alarms).filter((n) => n.includes("-ecs-"))).toEqual([]);
    expect(monitoring.alarmNamesByKey).toMatchObject({
      "eks-pod-cpu": `${PREFIX}-eks-pod-cpu`,
      "eks-pod-memory": `${PREFIX}-eks-pod-memory`,
    });
  });

  it.each([
    ["eks-pod-cpu", "pod_cpu_utilization_over_pod_limit"],
    ["eks-pod-memory", "pod_memory_utilization_over_pod_limit"],
  ])("%s averages Container Insights' %s per Kubernetes Service for 5 minutes", (key, metric) => {
    expect(alarms[`${PREFIX}-${key}`]).toMatchObject({
      namespace: "ContainerInsights",
      metric_name: metric,
      dimensions: { ClusterName: "app-prod-use1-eks", Namespace: "app", Service: "app-api" },
      statistic: "Average",
      comparison_operator: "GreaterThanThreshold",
      threshold: DEFAULT_THRESHOLDS.podCpuPercent,
      evaluation_periods: 5,
      datapoints_to_alarm: 5,
      treat_missing_data: "notBreaching",
    });
  });

  it("keeps the pod alarms out of the region-unhealthy composite (the ALB alarms cover no pods)", () => {
    const composite = only(json, "aws_cloudwatch_composite_alarm");
    expect(composite.alarm_rule).not.toContain("eks-pod");
    expect(composite.alarm_rule).toContain(`${PREFIX}-alb-no-healthy-hosts`);
  });

  it("takes the pod thresholds from props", () => {
    const custom = alarmsByName(
      synthMonitoring({
        service: undefined,
        kubernetes: KUBERNETES,
        thresholds: { podCpuPercent: 75, podMemoryPercent: 85 },
      }).json,
    );
    expect(custom[`${PREFIX}-eks-pod-cpu`].threshold).toBe(75);
    expect(custom[`${PREFIX}-eks-pod-memory`].threshold).toBe(85);
  });

  it("graphs the pod alarms in the dashboard's Service section", () => {
    const body = JSON.parse(only(json, "aws_cloudwatch_dashboard").dashboard_body);
    const titles = body.widgets.filter((w: any) => w.type === "metric").map((w: any) => w.properties.title);
    expect(titles).toEqual(expect.arrayContaining(["eks-pod-cpu", "eks-pod-memory"]));
    expect(body.widgets.some((w: any) => w.properties.markdown === "## Service")).toBe(true);
  });
});

describe("HealthCheckAlarms", () => {
  function synthHealth(overrides: Partial<HealthCheckAlarmsProps> = {}, stackRegion = "us-east-1") {
    const { stack } = testStack(stackRegion);
    const health = new HealthCheckAlarms(stack, "health", {
      name: "app-prod",
      region: "us-east-1",
      healthChecks: { use1: "hc-primary", euw1: "hc-dr" },
      ...overrides,
    });
    return { json: synthJson(stack), stack, health };
  }

  it("alarms on each Route 53 health check's status, breaching on missing data, to its own topic", () => {
    const { json, health } = synthHealth();
    const byName = alarmsByName(json);
    expect(Object.keys(byName).sort()).toEqual(["app-prod-euw1-health-check", "app-prod-use1-health-check"]);
    expect(byName["app-prod-use1-health-check"]).toMatchObject({
      namespace: "AWS/Route53",
      metric_name: "HealthCheckStatus",
      dimensions: { HealthCheckId: "hc-primary" },
      statistic: "Minimum",
      period: 60,
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      evaluation_periods: 2,
      datapoints_to_alarm: 2,
      treat_missing_data: "breaching",
    });
    const topic = only(json, "aws_sns_topic");
    expect(topic.name).toBe("app-prod-health-alerts");
    expect(topic.kms_master_key_id).toMatch(/aws_kms_key\./);
    for (const alarm of Object.values(byName)) {
      expect(alarm.alarm_actions[0]).toMatch(/aws_sns_topic\.health_alerts_topic_\w+\.arn/);
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    }
    expect(health.alarmNamesByKey).toEqual({
      use1: "app-prod-use1-health-check",
      euw1: "app-prod-euw1-health-check",
    });
  });

  it("uses a us-east-1 provider passed in from a stack in another region", () => {
    const { stack } = testStack("eu-west-1");
    const use1 = new AwsProvider(stack, "use1", { region: "us-east-1", alias: "use1" });
    new HealthCheckAlarms(stack, "health", {
      name: "app-prod",
      region: "us-east-1",
      healthChecks: { use1: "hc-primary" },
      provider: use1,
    });
    const json = synthJson(stack);
    expect(only(json, "aws_cloudwatch_metric_alarm").provider).toBe("aws.use1");
    expect(only(json, "aws_sns_topic").provider).toBe("aws.use1");
    expect(only(json, "aws_kms_key").provider).toBe("aws.use1");
  });

  it("notifies a given topic instead of creating one", () => {
    const arn = "arn:aws:sns:us-east-1:123456789012:oncall";
    const { json } = synthHealth({ topicArn: arn, evaluationPeriods: 3 });
    expect(resources(json, "aws_sns_topic")).toHaveLength(0);
    expect(
      resources(json, "aws_cloudwatch_metric_alarm").every(
        ([, a]) => a.alarm_actions[0] === arn && a.evaluation_periods === 3,
      ),
    ).toBe(true);
  });

  it.each([
    [
      "outside us-east-1",
      { region: "eu-west-1" },
      /region is eu-west-1, but Route 53 publishes HealthCheckStatus only in us-east-1/,
    ],
    ["no health checks", { healthChecks: {} }, /healthChecks is empty/],
    ["a bad key", { healthChecks: { "US East": "hc" } }, /healthChecks key "US East" must be lowercase/],
    ["an empty id", { healthChecks: { use1: "" } }, /healthChecks\.use1 is empty/],
    [
      "zero evaluation periods",
      { evaluationPeriods: 0 },
      /evaluationPeriods is 0; use a whole number from 1 to 60/,
    ],
  ] as [string, Partial<HealthCheckAlarmsProps>, RegExp][])(
    "rejects %s, naming the prop",
    (_label, overrides, message) => {
      expect(() => synthHealth(overrides)).toThrow(message);
    },
  );
});

import type { AlarmSpec, SingleMetricSource } from "./alarm-spec";
import type { ResolvedThresholds } from "./thresholds";

/** The region's ALB and the API's target group, as CloudWatch dimensions name them. */
export interface LoadBalancerTarget {
  /** `app/<name>/<id>`: the ALB's `arn_suffix`. */
  readonly arnSuffix: string;
  /** `targetgroup/<name>/<id>`: the target group's `arn_suffix`. */
  readonly targetGroupArnSuffix: string;
  /**
   * The alternate target group of ECS blue/green deployments: after a switch the API's tasks are
   * there, so the host-count alarms add the two groups. @default none (one target group)
   */
  readonly alternateTargetGroupArnSuffix?: string;
}

export interface ServiceTarget {
  readonly clusterName: string;
  readonly serviceName: string;
}

/** The API on EKS: Container Insights publishes pod metrics per Kubernetes Service. */
export interface KubernetesTarget {
  /** EKS cluster name (the `ClusterName` dimension). */
  readonly clusterName: string;
  readonly namespace: string;
  /** The Kubernetes Service in front of the API's pods (the `Service` dimension). */
  readonly serviceName: string;
}

export type DatabaseRole = "writer" | "reader" | "cross-region-replica";

export interface DatabaseTarget {
  /** DB instance identifier, e.g. `skyline-production-use1-db`. */
  readonly instanceId: string;
  readonly role: DatabaseRole;
}

export interface CacheTarget {
  readonly replicationGroupId: string;
  /**
   * The group's member clusters (one per node), which ElastiCache publishes metrics for.
   * @default `<replicationGroupId>-001` and `-002`: a cluster-mode-disabled group with one replica
   */
  readonly memberClusterIds?: readonly string[];
}

const MINUTE = 60;
const GIB = 1024 ** 3;

function metric(
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  stat: { statistic?: string; extendedStatistic?: string },
  periodSeconds = MINUTE,
): SingleMetricSource {
  return { kind: "metric", namespace, metricName, dimensions, periodSeconds, ...stat };
}

/**
 * 5xx rate, p95 latency, unhealthy and healthy hosts: what users feel, so all feed region-unhealthy.
 * The 5xx rate and p95 latency are the load balancer's (the API is its only target), so they watch
 * whichever target group serves: they are the alarms an ECS deployment rolls back on.
 */
export function loadBalancerAlarms(lb: LoadBalancerTarget, t: ResolvedThresholds): AlarmSpec[] {
  const alb = { LoadBalancer: lb.arnSuffix };
  const groups = [
    lb.targetGroupArnSuffix,
    ...(lb.alternateTargetGroupArnSuffix ? [lb.alternateTargetGroupArnSuffix] : []),
  ];
  // One group: the metric itself. Two (blue/green): their sum, an absent group counting as 0.
  const hosts = (metricName: string, statistic: string, label: string): AlarmSpec["source"] =>
    groups.length === 1
      ? metric(
          "AWS/ApplicationELB",
          metricName,
          { LoadBalancer: lb.arnSuffix, TargetGroup: groups[0] },
          { statistic },
        )
      : {
          kind: "math",
          expression: "FILL(primary, 0) + FILL(alternate, 0)",
          label,
          periodSeconds: MINUTE,
          metrics: Object.fromEntries(
            groups.map((group, i) => [
              i === 0 ? "primary" : "alternate",
              {
                namespace: "AWS/ApplicationELB",
                metricName,
                dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: group },
                stat: statistic,
              },
            ]),
          ),
        };
  const count = (metricName: string) => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: alb,
    stat: "Sum",
  });
  return [
    {
      key: "alb-5xx-rate",
      description:
        `More than ${t.alb5xxRatePercent} % of requests answered 5xx (by targets or the ALB itself) in 3 of 5 minutes. ` +
        `Minutes under ${t.alb5xxMinRequestsPerMinute} requests count as 0 %; no traffic is not an error.`,
      section: "Load balancer",
      source: {
        kind: "math",
        // 5xx counts are absent (not 0) in minutes without errors, hence FILL.
        expression:
          `IF(requests >= ${t.alb5xxMinRequestsPerMinute}, ` +
          `100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)`,
        label: "5xx rate (%)",
        periodSeconds: MINUTE,
        metrics: {
          requests: count("RequestCount"),
          target5xx: count("HTTPCode_Target_5XX_Count"),
          elb5xx: count("HTTPCode_ELB_5XX_Count"),
        },
      },
      comparison: "GreaterThanThreshold",
      threshold: t.alb5xxRatePercent,
      thresholdLabel: `${t.alb5xxRatePercent} %`,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      regionUnhealthy: true,
      canServe: true,
    },
    {
      key: "alb-p95-latency",
      description: `p95 target response time (every target group of the load balancer) above ${t.p95LatencyMs} ms in 3 of 5 minutes. No requests, no data: not breaching.`,
      section: "Load balancer",
      source: metric("AWS/ApplicationELB", "TargetResponseTime", alb, { extendedStatistic: "p95" }),
      comparison: "GreaterThanThreshold",
      // TargetResponseTime is in seconds.
      threshold: t.p95LatencyMs / 1000,
      thresholdLabel: `${t.p95LatencyMs} ms`,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      // A p95 from a handful of requests is noise; keep the current state until there are enough.
      evaluateLowSampleCountPercentiles: "ignore",
      regionUnhealthy: true,
      canServe: true,
    },
    {
      key: "alb-unhealthy-hosts",
      description: `More than ${t.unhealthyHosts} API targets failed health checks for 3 minutes. Missing data is not breaching: alb-no-healthy-hosts covers a target group with no targets.`,
      section: "Load balancer",
      source: hosts("UnHealthyHostCount", "Maximum", "Unhealthy API targets"),
      comparison: "GreaterThanThreshold",
      threshold: t.unhealthyHosts,
      thresholdLabel: `${t.unhealthyHosts} hosts`,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      regionUnhealthy: true,
      canServe: true,
    },
    {
      key: "alb-no-healthy-hosts",
      description: `Fewer than ${t.minHealthyHosts} healthy API targets for 2 minutes: the region cannot serve. Missing data is breaching (nothing proves there is capacity).`,
      section: "Load balancer",
      source: hosts("HealthyHostCount", "Minimum", "Healthy API targets"),
      comparison: "LessThanThreshold",
      threshold: t.minHealthyHosts,
      thresholdLabel: `${t.minHealthyHosts} hosts`,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "breaching",
      regionUnhealthy: true,
      canServe: true,
    },
  ];
}

/** A 5-minute saturation alarm: autoscaling should have prevented it, so it means max reached or a leak. */
function saturationAlarm(
  key: string,
  description: string,
  source: AlarmSpec["source"],
  threshold: number,
): AlarmSpec {
  return {
    key,
    description,
    section: "Service",
    source,
    comparison: "GreaterThanThreshold",
    threshold,
    thresholdLabel: `${threshold} %`,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: "notBreaching",
    regionUnhealthy: false,
  };
}

/** Saturation of the ECS service. */
export function serviceAlarms(service: ServiceTarget, t: ResolvedThresholds): AlarmSpec[] {
  const dimensions = { ClusterName: service.clusterName, ServiceName: service.serviceName };
  const saturation = (key: string, metricName: string, threshold: number) =>
    saturationAlarm(
      key,
      `ECS service ${service.serviceName} average ${metricName} above ${threshold} % for 5 minutes despite autoscaling. Missing data is not breaching: a service with no tasks is reported by alb-no-healthy-hosts.`,
      metric("AWS/ECS", metricName, dimensions, { statistic: "Average" }),
      threshold,
    );
  return [
    saturation("ecs-cpu", "CPUUtilization", t.ecsCpuPercent),
    saturation("ecs-memory", "MemoryUtilization", t.ecsMemoryPercent),
  ];
}

/**
 * The same saturation alarms for the API's pods on EKS, from Container Insights (the CloudWatch
 * observability add-on). The `_over_pod_limit` metrics are relative to each pod's limit; plain
 * `pod_cpu_utilization` is relative to the node and would never reach the threshold on a big node.
 */
export function kubernetesAlarms(target: KubernetesTarget, t: ResolvedThresholds): AlarmSpec[] {
  const dimensions = {
    ClusterName: target.clusterName,
    Namespace: target.namespace,
    Service: target.serviceName,
  };
  const saturation = (key: string, metricName: string, what: string, threshold: number) =>
    saturationAlarm(
      key,
      `Pods of ${target.namespace}/${target.serviceName} in ${target.clusterName} average ${what} above ${threshold} % of their limit for 5 minutes despite the HorizontalPodAutoscaler. Missing data is not breaching: no pods is reported by alb-no-healthy-hosts, and the metric needs Container Insights on the cluster.`,
      metric("ContainerInsights", metricName, dimensions, { statistic: "Average" }),
      threshold,
    );
  return [
    saturation("eks-pod-cpu", "pod_cpu_utilization_over_pod_limit", "CPU", t.podCpuPercent),
    saturation("eks-pod-memory", "pod_memory_utilization_over_pod_limit", "memory", t.podMemoryPercent),
  ];
}

/**
 * CPU, free storage and connections for every instance, and for readers and cross-region
 * replicas their lag (a warning at `replicaLagWarningSeconds`, half the RPO by default, and a page
 * at the RPO) and stopped replication (RDS reports ReplicaLag -1). RDS reports every minute while
 * an instance is available, so an instance's own metrics treat missing data as breaching: silence
 * means the instance is down.
 *
 * Replica lag is different by the role of the region. An in-region reader's source is in the same
 * region, so silence is breaching there too. A cross-region replica sits in a warm standby and its
 * lag is a fact about the primary region: when that region is unreachable ReplicaLag has no data,
 * which says nothing about whether the standby can serve. Its lag alarms treat missing data as
 * missing (INSUFFICIENT_DATA, with a note to the warnings topic) and `skyline` reports it as
 * "source region unreachable". None of the lag alarms feeds region-unhealthy or the failover gates
 * (`canServe`): a DR replica whose primary region is gone must stay eligible for promotion.
 */
export function databaseAlarms(db: DatabaseTarget, prefix: string, t: ResolvedThresholds): AlarmSpec[] {
  const id = shortName(db.instanceId, prefix);
  const dimensions = { DBInstanceIdentifier: db.instanceId };
  const rds = (metricName: string, statistic: string, periodSeconds = MINUTE) =>
    metric("AWS/RDS", metricName, dimensions, { statistic }, periodSeconds);
  const writer = db.role === "writer";
  // The instance that takes writes now or after a promotion: its health says whether the region can serve.
  const writes = db.role !== "reader";
  const silence = "Missing data is breaching: the instance stopped reporting.";
  const specs: AlarmSpec[] = [
    {
      key: `rds-${id}-cpu`,
      description: `RDS ${db.role} ${db.instanceId} CPU above ${t.rdsCpuPercent} % for 5 minutes. ${silence}`,
      section: "Database",
      source: rds("CPUUtilization", "Average"),
      comparison: "GreaterThanThreshold",
      threshold: t.rdsCpuPercent,
      thresholdLabel: `${t.rdsCpuPercent} %`,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: "breaching",
      regionUnhealthy: writer,
      canServe: writes,
    },
    {
      key: `rds-${id}-connections`,
      description: `RDS ${db.role} ${db.instanceId} above ${t.rdsConnections} connections for 3 minutes (near max_connections, new connections will fail). ${silence}`,
      section: "Database",
      source: rds("DatabaseConnections", "Maximum"),
      comparison: "GreaterThanThreshold",
      threshold: t.rdsConnections,
      thresholdLabel: `${t.rdsConnections} connections`,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "breaching",
      regionUnhealthy: writer,
      canServe: writes,
    },
    {
      key: `rds-${id}-free-storage`,
      description: `RDS ${db.role} ${db.instanceId} has less than ${t.rdsFreeStorageGiB} GiB free storage (a full replica stops replicating). ${silence}`,
      section: "Database",
      source: rds("FreeStorageSpace", "Minimum", 5 * MINUTE),
      comparison: "LessThanThreshold",
      threshold: t.rdsFreeStorageGiB * GIB,
      thresholdLabel: `${t.rdsFreeStorageGiB} GiB`,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "breaching",
      regionUnhealthy: false,
      canServe: writes,
    },
  ];
  if (db.role !== "writer") specs.push(...replicationAlarms(db, id, t));
  return specs;
}

/** Lag warning, lag page and stopped replication of one replica (see databaseAlarms). */
function replicationAlarms(db: DatabaseTarget, id: string, t: ResolvedThresholds): AlarmSpec[] {
  const dimensions = { DBInstanceIdentifier: db.instanceId };
  const lag = (statistic: string) => metric("AWS/RDS", "ReplicaLag", dimensions, { statistic });
  const crossRegion = db.role === "cross-region-replica";
  const silence: Pick<AlarmSpec, "treatMissingData" | "notifyInsufficientData"> = crossRegion
    ? { treatMissingData: "missing", notifyInsufficientData: true }
    : { treatMissingData: "breaching" };
  const silenceText = crossRegion
    ? "Missing data is missing, not breaching: a cross-region replica reports no lag while its source region is unreachable, which says nothing about this region (skyline reports it as source region unreachable)."
    : "Missing data is breaching: the reader or its in-region writer stopped reporting.";
  const what = `RDS ${db.role} ${db.instanceId}`;
  return [
    {
      key: `rds-${id}-replica-lag-warning`,
      description:
        `${what} lags the writer by ${t.replicaLagWarningSeconds} s or more in 2 of 3 minutes: ` +
        `act now (find the cause, think about failing over) before the lag reaches the RPO of ${t.rpoSeconds} s. ${silenceText}`,
      section: "Database",
      source: lag("Maximum"),
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: t.replicaLagWarningSeconds,
      thresholdLabel: `${t.replicaLagWarningSeconds} s (warning)`,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      ...silence,
      regionUnhealthy: false,
      severity: "warn",
    },
    {
      key: `rds-${id}-replica-lag`,
      description:
        `${what} lags the writer by ${t.replicaLagSeconds} s or more (RPO ${t.rpoSeconds} s) in any minute: ` +
        `promoting it now loses more than the RPO. ${silenceText}`,
      section: "Database",
      source: lag("Maximum"),
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: t.replicaLagSeconds,
      thresholdLabel: `${t.replicaLagSeconds} s (RPO)`,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      ...silence,
      regionUnhealthy: false,
    },
    {
      key: `rds-${id}-replication-stopped`,
      description:
        `${what} reports ReplicaLag -1 for 2 minutes: replication is not running, and the data it misses grows ` +
        `with every write. Missing data is not breaching: the lag alarms judge silence.`,
      section: "Database",
      source: lag("Minimum"),
      comparison: "LessThanThreshold",
      threshold: 0,
      thresholdLabel: "-1 (stopped)",
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      regionUnhealthy: false,
    },
  ];
}

/** Engine CPU, memory and evictions for each member node of the replication group. */
export function cacheAlarms(cache: CacheTarget, prefix: string, t: ResolvedThresholds): AlarmSpec[] {
  const members = cache.memberClusterIds ?? defaultMemberClusterIds(cache.replicationGroupId);
  return members.flatMap((clusterId) => {
    const id = shortName(clusterId, prefix);
    const dimensions = { CacheClusterId: clusterId };
    const silence = "Missing data is breaching: the node stopped reporting.";
    return [
      {
        key: `redis-${id}-cpu`,
        description: `Redis node ${clusterId} engine CPU above ${t.redisEngineCpuPercent} % for 5 minutes (Redis runs commands on one thread). ${silence}`,
        section: "Cache",
        source: metric("AWS/ElastiCache", "EngineCPUUtilization", dimensions, { statistic: "Average" }),
        comparison: "GreaterThanThreshold",
        threshold: t.redisEngineCpuPercent,
        thresholdLabel: `${t.redisEngineCpuPercent} %`,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: "breaching",
        regionUnhealthy: false,
      },
      {
        key: `redis-${id}-memory`,
        description: `Redis node ${clusterId} uses more than ${t.redisMemoryPercent} % of maxmemory for 5 minutes. ${silence}`,
        section: "Cache",
        source: metric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dimensions, {
          statistic: "Average",
        }),
        comparison: "GreaterThanThreshold",
        threshold: t.redisMemoryPercent,
        thresholdLabel: `${t.redisMemoryPercent} %`,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: "breaching",
        regionUnhealthy: false,
      },
      {
        key: `redis-${id}-evictions`,
        description: `Redis node ${clusterId} evicted more than ${t.redisEvictionsPer5Min} keys in 5 minutes: the cache is too small for its working set. Missing data is not breaching (no evictions reported).`,
        section: "Cache",
        source: metric("AWS/ElastiCache", "Evictions", dimensions, { statistic: "Sum" }, 5 * MINUTE),
        comparison: "GreaterThanThreshold",
        threshold: t.redisEvictionsPer5Min,
        thresholdLabel: `${t.redisEvictionsPer5Min} keys`,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
        regionUnhealthy: false,
      },
    ] satisfies AlarmSpec[];
  });
}

/** Member cluster ids ElastiCache gives a cluster-mode-disabled group: `<group>-001`, `-002`… */
export function defaultMemberClusterIds(replicationGroupId: string, count = 2): string[] {
  return Array.from({ length: count }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}

/** `skyline-production-use1-db` under prefix `skyline-production-use1` becomes `db`. */
export function shortName(id: string, prefix: string): string {
  return id.startsWith(`${prefix}-`) && id.length > prefix.length + 1 ? id.slice(prefix.length + 1) : id;
}

/**
 * Alarm thresholds with the product's targets as defaults (99.99 % availability, p95 under 100 ms,
 * RPO 300 s), and the range each must fall in.
 */

export interface MonitoringThresholds {
  /** Recovery point objective in seconds; the replica-lag threshold may not exceed it. @default 300 */
  readonly rpoSeconds?: number;
  /** ALB 5xx responses (target + load balancer) as a percentage of requests. @default 1 */
  readonly alb5xxRatePercent?: number;
  /**
   * Minutes with fewer requests than this do not count towards the 5xx rate, so one error in two
   * requests at night does not page anyone.
   * @default 10
   */
  readonly alb5xxMinRequestsPerMinute?: number;
  /** p95 target response time in milliseconds. @default 100 */
  readonly p95LatencyMs?: number;
  /** Alarm when more targets than this are unhealthy. @default 0 */
  readonly unhealthyHosts?: number;
  /** Alarm when fewer targets than this are healthy. @default 1 */
  readonly minHealthyHosts?: number;
  /** ECS service average CPU; above autoscaling's 70 % target, so it means scaling is not keeping up. @default 90 */
  readonly ecsCpuPercent?: number;
  /** ECS service average memory (autoscaling targets 80 %). @default 90 */
  readonly ecsMemoryPercent?: number;
  /**
   * EKS pods' average CPU as a percentage of their CPU limit (the HPA scales at 70 % of the request,
   * half the limit by default), so this means throttling despite the autoscaler. @default 90
   */
  readonly podCpuPercent?: number;
  /** EKS pods' average memory as a percentage of their memory limit (OOM kills follow). @default 90 */
  readonly podMemoryPercent?: number;
  /** RDS instance CPU. @default 80 */
  readonly rdsCpuPercent?: number;
  /** Alarm when free storage falls below this many GiB. @default 10 */
  readonly rdsFreeStorageGiB?: number;
  /** Alarm above this many connections; about 80 % of the instance class's max_connections. @default 400 */
  readonly rdsConnections?: number;
  /**
   * Replica lag in seconds that pages (readers and cross-region replicas): from here on a promotion
   * loses more than the RPO. @default the RPO (300)
   */
  readonly replicaLagSeconds?: number;
  /**
   * Replica lag in seconds that warns, early enough to act before the RPO is lost; below
   * `replicaLagSeconds`. @default half the RPO (150)
   */
  readonly replicaLagWarningSeconds?: number;
  /** Redis engine (main thread) CPU. @default 80 */
  readonly redisEngineCpuPercent?: number;
  /** Redis used memory as a percentage of maxmemory. @default 80 */
  readonly redisMemoryPercent?: number;
  /** Keys evicted per node in 5 minutes; steady evictions mean the cache is too small. @default 100 */
  readonly redisEvictionsPer5Min?: number;
}

export type ResolvedThresholds = Required<MonitoringThresholds>;

export const DEFAULT_THRESHOLDS: ResolvedThresholds = {
  rpoSeconds: 300,
  alb5xxRatePercent: 1,
  alb5xxMinRequestsPerMinute: 10,
  p95LatencyMs: 100,
  unhealthyHosts: 0,
  minHealthyHosts: 1,
  ecsCpuPercent: 90,
  ecsMemoryPercent: 90,
  podCpuPercent: 90,
  podMemoryPercent: 90,
  rdsCpuPercent: 80,
  rdsFreeStorageGiB: 10,
  rdsConnections: 400,
  replicaLagSeconds: 300,
  replicaLagWarningSeconds: 150,
  redisEngineCpuPercent: 80,
  redisMemoryPercent: 80,
  redisEvictionsPer5Min: 100,
};

type Range = readonly [min: number, max: number, integer?: boolean];

/** Inclusive range each threshold must fall in; percentages are (0, 100]. */
const RANGES: Record<keyof MonitoringThresholds, Range> = {
  rpoSeconds: [1, 86_400, true],
  alb5xxRatePercent: [0.001, 100],
  alb5xxMinRequestsPerMinute: [1, 1_000_000, true],
  p95LatencyMs: [1, 60_000],
  unhealthyHosts: [0, 1_000, true],
  minHealthyHosts: [1, 1_000, true],
  ecsCpuPercent: [1, 100],
  ecsMemoryPercent: [1, 100],
  podCpuPercent: [1, 100],
  podMemoryPercent: [1, 100],
  rdsCpuPercent: [1, 100],
  rdsFreeStorageGiB: [1, 65_536],
  rdsConnections: [1, 100_000, true],
  replicaLagSeconds: [1, 86_400, true],
  replicaLagWarningSeconds: [1, 86_400, true],
  redisEngineCpuPercent: [1, 100],
  redisMemoryPercent: [1, 100],
  redisEvictionsPer5Min: [0, 1_000_000_000, true],
};

export function resolveThresholds(owner: string, given: MonitoringThresholds = {}): ResolvedThresholds {
  const rpoSeconds = given.rpoSeconds ?? DEFAULT_THRESHOLDS.rpoSeconds;
  const resolved: ResolvedThresholds = {
    ...DEFAULT_THRESHOLDS,
    ...definedOnly(given),
    replicaLagSeconds: given.replicaLagSeconds ?? rpoSeconds,
    replicaLagWarningSeconds:
      given.replicaLagWarningSeconds ?? Math.max(1, Math.floor((given.replicaLagSeconds ?? rpoSeconds) / 2)),
  };
  for (const key of Object.keys(RANGES) as (keyof MonitoringThresholds)[]) {
    const [min, max, integer] = RANGES[key];
    const value = resolved[key];
    if (
      typeof value !== "number" ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      throw new Error(
        `${owner}: thresholds.${key} is ${String(value)}; use a ${integer ? "whole number" : "number"} from ${min} to ${max}`,
      );
    }
  }
  if (resolved.replicaLagSeconds > resolved.rpoSeconds) {
    throw new Error(
      `${owner}: thresholds.replicaLagSeconds (${resolved.replicaLagSeconds}) exceeds thresholds.rpoSeconds (${resolved.rpoSeconds}); a replica could fall behind the RPO without an alarm, lower it to ${resolved.rpoSeconds} or less`,
    );
  }
  if (resolved.replicaLagWarningSeconds >= resolved.replicaLagSeconds) {
    throw new Error(
      `${owner}: thresholds.replicaLagWarningSeconds (${resolved.replicaLagWarningSeconds}) must be below thresholds.replicaLagSeconds (${resolved.replicaLagSeconds}); the warning exists to come before the page, e.g. ${Math.max(1, Math.floor(resolved.replicaLagSeconds / 2))}`,
    );
  }
  return resolved;
}

function definedOnly(given: MonitoringThresholds): MonitoringThresholds {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as MonitoringThresholds;
}

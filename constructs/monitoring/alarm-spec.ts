/**
 * An alarm as plain data: what it watches, when it fires, and how it treats missing data. The
 * Monitoring construct turns each into a CloudWatch alarm and a dashboard widget, so the alarm and
 * the graph on-call looks at can never disagree.
 */

export type ComparisonOperator =
  | "GreaterThanThreshold"
  | "GreaterThanOrEqualToThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/**
 * `breaching`: silence is itself the problem (the resource stopped reporting).
 * `notBreaching`: silence means nothing happened (no requests, no evictions).
 * `missing`: silence proves neither; the alarm goes to INSUFFICIENT_DATA (e.g. a cross-region
 * replica's lag while its source region is unreachable: a fact about the other region).
 * `ignore`: keep the last state (a switch that is set on purpose and then left alone).
 */
export type TreatMissingData = "breaching" | "notBreaching" | "missing" | "ignore";

export interface MetricId {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** One metric with one statistic (`Average`, `Maximum`…) or an extended one (`p95`). */
export interface SingleMetricSource extends MetricId {
  readonly kind: "metric";
  readonly periodSeconds: number;
  readonly statistic?: string;
  readonly extendedStatistic?: string;
}

/** A metric-math expression over named metrics (ids start with a lowercase letter). */
export interface MathSource {
  readonly kind: "math";
  readonly expression: string;
  readonly label: string;
  readonly periodSeconds: number;
  readonly metrics: Readonly<Record<string, MetricId & { readonly stat: string }>>;
}

export type DashboardSection = "Load balancer" | "Service" | "Database" | "Cache" | "Queue";

export interface AlarmSpec {
  /** Suffix of the alarm name: `<prefix>-<key>`, e.g. `alb-5xx-rate`. Also the construct id. */
  readonly key: string;
  readonly description: string;
  readonly section: DashboardSection;
  readonly source: SingleMetricSource | MathSource;
  readonly comparison: ComparisonOperator;
  readonly threshold: number;
  /** Unit of `threshold` for people (the dashboard's annotation label). */
  readonly thresholdLabel: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Percentile alarms only: what to do with too few samples to compute a percentile. */
  readonly evaluateLowSampleCountPercentiles?: "ignore" | "evaluate";
  /** Part of the composite "region unhealthy" alarm. */
  readonly regionUnhealthy: boolean;
  /**
   * Says whether this region can serve (as opposed to a fact about another region, such as a
   * replica's lag behind its source): the failover gates read these, with the composite.
   * @default false
   */
  readonly canServe?: boolean;
  /** `page` notifies the alert topic; `warn` the warnings topic (act before it pages). @default "page" */
  readonly severity?: "page" | "warn";
  /**
   * Also notify the warnings topic on INSUFFICIENT_DATA: for `missing` alarms whose silence is
   * worth a look but is not a breach. @default false
   */
  readonly notifyInsufficientData?: boolean;
}

import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import type { TerraformProvider } from "../../engine";
import { Construct } from "constructs";
import { TRAFFIC_SWITCH_METRIC, trafficSwitchAlarmName } from "./failover-names";

/** A region that keeps a copy of another region's switch, with the provider to create it there. */
export interface SwitchHost {
  readonly region: string;
  /** Short code used in names (`euw1`). */
  readonly code: string;
  /** An AWS provider for `region` (CloudWatch alarms live in one region). */
  readonly provider: TerraformProvider;
}

export interface TrafficSwitchProps {
  /** Name prefix of the region the switch takes out of the failover chain, e.g. `skyline-production-use1`. */
  readonly namePrefix: string;
  /** The region the switch takes out. */
  readonly region: string;
  /** The region's endpoint check (HTTPS `/ready`): its real health, which still fails over by itself. */
  readonly endpointCheck: Route53HealthCheck;
  /** Every other region of the chain: each keeps one copy of the switch. At least one. */
  readonly hosts: readonly SwitchHost[];
}

/**
 * The data-plane switch that takes one region out of the API's failover chain (issue 13): a
 * CloudWatch alarm `<prefix>-traffic-switch` in every OTHER region, each followed by a Route 53
 * CLOUDWATCH_METRIC health check, combined with the region's endpoint check in a CALCULATED check
 * that the failover records use. The region serves only while its endpoint is healthy AND no copy
 * of its switch is in ALARM.
 *
 * Why this shape: moving traffic must need no control plane in a failed region. Route 53's
 * control plane (UpdateHealthCheck, which `failover dns` used to call) is in us-east-1; its health
 * checkers and DNS answers are the data plane. `skyline failover dns|region` flip a switch with
 * CloudWatch `PutMetricData` + `SetAlarmState` in a region that is up: the copies of a region's
 * switch live in every other region, and the target of a failover is always one of them, so the
 * switch is always reachable when the target is. ARC routing controls would do the same with a
 * dedicated five-region cluster at about USD 2.50 an hour (≈ USD 1,800 a month); this design costs
 * n·(n−1) alarms and n² health checks (three regions: 6 alarms ≈ USD 0.60 and 9 checks ≈ USD 4.50
 * a month).
 *
 * The alarm watches `Skyline/TrafficSwitch ForcedOut` (dimension `Switch` = the region's prefix):
 * 1 forces the region out, 0 lets it serve. Missing data is `ignore`: the last value holds until
 * someone sets another, and the state before the first datapoint (INSUFFICIENT_DATA) counts as
 * healthy for Route 53. A copy in a region that is down cannot be read by Route 53 and counts as
 * healthy too, which is why the CLI sets a region's switch in every reachable host.
 */
export class TrafficSwitch extends Construct {
  /** Name of the alarm, the same in every host region. */
  readonly alarmName: string;
  /** Value of the metric's `Switch` dimension: the region's name prefix. */
  readonly dimensionValue: string;
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  /** The CLOUDWATCH_METRIC checks, by host region. */
  readonly switchChecks: Readonly<Record<string, Route53HealthCheck>>;
  /** Endpoint AND every switch copy: what the failover records use. */
  readonly servingCheck: Route53HealthCheck;
  /** Regions that keep a copy, in chain order. */
  readonly hostRegions: readonly string[];

  constructor(scope: Construct, id: string, props: TrafficSwitchProps) {
    super(scope, id);
    const { namePrefix, region, hosts } = props;
    if (hosts.length === 0) {
      throw new Error(
        `TrafficSwitch ${namePrefix}: hosts is empty; a switch needs another region to live in (one region has nothing to fail over to)`,
      );
    }
    const own = hosts.find((h) => h.region === region);
    if (own) {
      throw new Error(
        `TrafficSwitch ${namePrefix}: hosts lists ${region} itself; a region's switch must live in the other regions, which are up when it is not`,
      );
    }
    this.alarmName = trafficSwitchAlarmName(namePrefix);
    this.dimensionValue = namePrefix;
    this.hostRegions = hosts.map((h) => h.region);
    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    const checks: Record<string, Route53HealthCheck> = {};
    for (const host of hosts) {
      alarms[host.region] = new CloudwatchMetricAlarm(this, `alarm-${host.region}`, {
        provider: host.provider,
        alarmName: this.alarmName,
        alarmDescription:
          `Traffic switch of ${region}, copy in ${host.region}: in ALARM, Route 53 treats ${region} as unhealthy ` +
          `whatever its real health. Set by skyline failover dns|region (PutMetricData ${TRAFFIC_SWITCH_METRIC.namespace} ` +
          `${TRAFFIC_SWITCH_METRIC.metricName} 1 = out, 0 = in); missing data keeps the last state.`,
        namespace: TRAFFIC_SWITCH_METRIC.namespace,
        metricName: TRAFFIC_SWITCH_METRIC.metricName,
        dimensions: { [TRAFFIC_SWITCH_METRIC.dimension]: this.dimensionValue },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        treatMissingData: "ignore",
      });
      checks[host.region] = new Route53HealthCheck(this, `check-${host.region}`, {
        type: "CLOUDWATCH_METRIC",
        cloudwatchAlarmName: this.alarmName,
        cloudwatchAlarmRegion: host.region,
        // Before the first datapoint, and while the host region cannot be read: let it serve.
        insufficientDataHealthStatus: "Healthy",
        tags: { Name: `${namePrefix}-switch-${host.code}` },
        dependsOn: [alarms[host.region]],
      });
    }
    this.alarms = alarms;
    this.switchChecks = checks;
    const children = [props.endpointCheck, ...hosts.map((h) => checks[h.region])];
    this.servingCheck = new Route53HealthCheck(this, "serving", {
      type: "CALCULATED",
      childHealthchecks: children.map((c) => c.id),
      // Every child must be healthy: the endpoint, and no copy of the switch forcing it out.
      childHealthThreshold: children.length,
      tags: { Name: `${namePrefix}-serving` },
    });
  }
}

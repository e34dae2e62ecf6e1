import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record, type Route53RecordConfig } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import type { TerraformProvider } from "../../engine";
import { Construct } from "constructs";
import { apiOriginName, failoverLevelName } from "./failover-names";
import { TrafficSwitch } from "./traffic-switch";

export interface FailoverRegion {
  readonly region: string;
  /** Short code used in names (`use1`). */
  readonly code: string;
  /** Name prefix of the region's resources (`skyline-production-use1`). */
  readonly namePrefix: string;
  /** The region's ALB, by DNS name and hosted-zone id. */
  readonly albDnsName: string;
  readonly albZoneId: string;
  /**
   * An AWS provider for this region: with one for every region (and at least two regions), each
   * region gets a data-plane traffic switch whose copies live in the other regions (TrafficSwitch).
   * @default none: the records use the endpoint checks alone
   */
  readonly provider?: TerraformProvider;
}

export interface DnsFailoverProps {
  /** Apex of the hosted zone, e.g. `example.com`. */
  readonly domainName: string;
  /** Look up an existing public zone, or create it. @default "lookup" */
  readonly hostedZone?: "lookup" | "create";
  /** The region that serves; it gets the PRIMARY failover record. */
  readonly primary: FailoverRegion;
  /** Warm standbys in failover order; the first gets the SECONDARY record. @default none */
  readonly secondaries?: readonly FailoverRegion[];
  /** Path the health checkers request over HTTPS. @default "/ready" */
  readonly healthCheckPath?: string;
  /** Consecutive failures before a region is unhealthy (×10 s). @default 3 */
  readonly failureThreshold?: number;
}

export interface RegionHealthCheck {
  readonly region: string;
  readonly name: string;
  readonly fqdn: string;
  readonly resourcePath: string;
  /** The endpoint check (HTTPS on resourcePath): the region's real health. */
  readonly healthCheck: Route53HealthCheck;
  /** The region's traffic switch, when the chain has one (see DnsFailoverProps). */
  readonly trafficSwitch?: TrafficSwitch;
  /** What the failover records use: the switch's serving check, else the endpoint check. */
  readonly recordCheck: Route53HealthCheck;
}

/**
 * The API origin name `origin.<domain>`: Route 53 failover routing over every region in order
 * (the primary, then the DR regions as listed; with more than two, a chain of failover pairs
 * through `failover-<k>.origin.<domain>`), in front of per-region names `<code>.origin.<domain>`,
 * each region's ALB checked on `/ready` over HTTPS every 10 s. Set identifiers are the region names.
 * With a provider per region, each region also has a data-plane traffic switch (TrafficSwitch) that
 * `skyline failover dns|region` flips from a region that is up; Route 53 still fails over by itself
 * on the endpoint checks.
 */
export class DnsFailover extends Construct {
  readonly zoneId: string;
  readonly zoneName: string;
  readonly apiRecordName: string;
  readonly healthChecks: readonly RegionHealthCheck[];

  constructor(scope: Construct, id: string, props: DnsFailoverProps) {
    super(scope, id);
    const domain = props.domainName;
    if ((props.hostedZone ?? "lookup") === "create") {
      const zone = new Route53Zone(this, "zone", { name: domain, forceDestroy: false });
      this.zoneId = zone.zoneId;
    } else {
      this.zoneId = new DataAwsRoute53Zone(this, "zone", { name: domain, privateZone: false }).zoneId;
    }
    this.zoneName = domain;
    this.apiRecordName = apiOriginName(domain);
    const path = props.healthCheckPath ?? "/ready";
    if (!path.startsWith("/")) throw new Error(`DnsFailover: healthCheckPath "${path}" must start with /`);
    const threshold = props.failureThreshold ?? 3;
    if (threshold < 1 || threshold > 10) throw new Error("DnsFailover: failureThreshold must be 1 to 10");

    const regions = [props.primary, ...(props.secondaries ?? [])];
    const switched = regions.length > 1 && regions.every((r) => r.provider !== undefined);
    const checks: RegionHealthCheck[] = [];
    for (const r of regions) {
      const fqdn = `${r.code}.${this.apiRecordName}`;
      new Route53Record(this, `${r.region}-alias`, {
        zoneId: this.zoneId,
        name: fqdn,
        type: "A",
        alias: { name: r.albDnsName, zoneId: r.albZoneId, evaluateTargetHealth: true },
      });
      const name = `${r.namePrefix}-health`;
      const healthCheck = new Route53HealthCheck(this, `${r.region}-health`, {
        type: "HTTPS",
        fqdn,
        port: 443,
        resourcePath: path,
        enableSni: true,
        requestInterval: 10,
        failureThreshold: threshold,
        measureLatency: true,
        tags: { Name: name },
      });
      const trafficSwitch = switched
        ? new TrafficSwitch(this, `${r.region}-switch`, {
            namePrefix: r.namePrefix,
            region: r.region,
            endpointCheck: healthCheck,
            hosts: regions
              .filter((h) => h !== r)
              .map((h) => ({ region: h.region, code: h.code, provider: h.provider! })),
          })
        : undefined;
      checks.push({
        region: r.region,
        name,
        fqdn,
        resourcePath: path,
        healthCheck,
        trafficSwitch,
        recordCheck: trafficSwitch?.servingCheck ?? healthCheck,
      });
    }
    this.healthChecks = checks;

    // Route 53 failover routing has two records per name, so more regions form a chain: level k
    // answers with region k while its check passes, else with level k + 1 (an alias, judged by the
    // health of what it points to); the last level's SECONDARY is the last region itself. Traffic
    // thus falls through the regions in config order, and forcing out the regions ahead of one
    // sends it there (`failover dns --to <region>`).
    const levelName = (k: number) => failoverLevelName(domain, k);
    // Level 0 keeps the ids it always had: stable Terraform addresses.
    const recordId = (k: number, role: string) => (k === 0 ? `api-${role}` : `api-${k}-${role}`);
    const albAlias = (r: FailoverRegion) => ({
      name: r.albDnsName,
      zoneId: r.albZoneId,
      evaluateTargetHealth: true,
    });
    const record = (
      k: number,
      role: "PRIMARY" | "SECONDARY",
      setIdentifier: string,
      rest: Pick<Route53RecordConfig, "healthCheckId" | "alias" | "dependsOn">,
    ) =>
      new Route53Record(this, recordId(k, role.toLowerCase()), {
        zoneId: this.zoneId,
        name: levelName(k),
        type: "A",
        setIdentifier,
        failoverRoutingPolicy: { type: role },
        ...rest,
      });
    // The deepest level first: a level's SECONDARY aliases the next level by reference to that
    // level's records, so Terraform creates the target before the alias (a literal name would let a
    // first apply create the alias before its target exists; checkov CKV2_AWS_23).
    let next: { primary: Route53Record; secondary: Route53Record } | undefined;
    const lastLevel = Math.max(0, regions.length - 2);
    for (let k = lastLevel; k >= 0; k--) {
      const primary = record(k, "PRIMARY", regions[k].region, {
        healthCheckId: checks[k].recordCheck.id,
        alias: albAlias(regions[k]),
      });
      const following = regions[k + 1];
      if (!following) break;
      const secondary = next
        ? record(k, "SECONDARY", following.region, {
            alias: { name: next.primary.fqdn, zoneId: this.zoneId, evaluateTargetHealth: true },
            dependsOn: [next.primary, next.secondary],
          })
        : record(k, "SECONDARY", following.region, {
            healthCheckId: checks[k + 1].recordCheck.id,
            alias: albAlias(following),
          });
      next = { primary, secondary };
    }
  }
}

import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53HealthCheck } from "@cdktf/provider-aws/lib/route53-health-check";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { Construct } from "constructs";

export interface FailoverRegion {
  readonly region: string;
  /** Short code used in names (`use1`). */
  readonly code: string;
  /** Name prefix of the region's resources (`skyline-production-use1`). */
  readonly namePrefix: string;
  /** The region's ALB, by DNS name and hosted-zone id. */
  readonly albDnsName: string;
  readonly albZoneId: string;
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
  readonly healthCheck: Route53HealthCheck;
}

/**
 * The API origin name `origin.<domain>`: a Route 53 failover pair (primary region, first DR
 * region) in front of per-region names `<code>.origin.<domain>`, each region's ALB checked on
 * `/ready` over HTTPS every 10 s. Set identifiers are the region names (the CLI's
 * `failover dns --to <region>` relies on that).
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
    this.apiRecordName = `origin.${domain}`;
    const path = props.healthCheckPath ?? "/ready";
    if (!path.startsWith("/")) throw new Error(`DnsFailover: healthCheckPath "${path}" must start with /`);
    const threshold = props.failureThreshold ?? 3;
    if (threshold < 1 || threshold > 10) throw new Error("DnsFailover: failureThreshold must be 1 to 10");

    const regions = [props.primary, ...(props.secondaries ?? [])];
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
      checks.push({ region: r.region, name, fqdn, resourcePath: path, healthCheck });
    }
    this.healthChecks = checks;

    const failover = (role: "PRIMARY" | "SECONDARY", r: FailoverRegion, check: RegionHealthCheck) =>
      new Route53Record(this, `api-${role.toLowerCase()}`, {
        zoneId: this.zoneId,
        name: this.apiRecordName,
        type: "A",
        setIdentifier: r.region,
        failoverRoutingPolicy: { type: role },
        healthCheckId: check.healthCheck.id,
        alias: { name: r.albDnsName, zoneId: r.albZoneId, evaluateTargetHealth: true },
      });
    failover("PRIMARY", props.primary, checks[0]);
    if (regions.length > 1) failover("SECONDARY", regions[1], checks[1]);
  }
}

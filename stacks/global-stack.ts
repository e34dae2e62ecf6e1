import { DataAwsLb } from "@cdktf/provider-aws/lib/data-aws-lb";
import { DataAwsSecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import { Cdn } from "../constructs/cdn/cdn";
import { Guardrails } from "../guardrails";
import { ContainerRegistry } from "../constructs/container-registry/container-registry";
import { parseEcrRepository } from "../constructs/container-registry/ecr-uri";
import { DnsFailover, type FailoverRegion } from "../constructs/dns-failover/dns-failover";
import { secondaryOriginName } from "../constructs/dns-failover/failover-names";
import { HealthCheckAlarms } from "../constructs/monitoring/health-check-alarms";
import { regionInfo } from "./config/regions";
import type { EnvironmentConfig } from "./config/schema";
import { environmentPrefix, environmentRegions, globalStackName, regionalPrefix } from "./naming";
import { defaultTags, SkylineStack } from "./skyline-stack";

/**
 * What an environment shares across regions: the CloudFront edge, the Route 53 failover name and
 * health checks with each region's data-plane traffic switch (alarms kept in the other regions),
 * and the image registry. It reads each region's ALB by its deterministic name, so it is applied
 * after every regional stack. It cannot be applied while the primary region is down (it reads the
 * origin secret and the ACM certificate there): during an outage traffic moves with the switches,
 * which need no apply (docs/operations.md, "Applying during a regional outage").
 */
export class GlobalStack extends SkylineStack {
  readonly cdn: Cdn;
  readonly dns: DnsFailover;
  readonly healthCheckAlarms: HealthCheckAlarms;
  readonly registry?: ContainerRegistry;
  readonly usEast1: AwsProvider;

  constructor(scope: Construct, config: EnvironmentConfig) {
    const id = globalStackName(config);
    super(scope, id, {
      config,
      region: config.primaryRegion,
      stateKey: `${config.environment}/global/${id}.tfstate`,
    });
    const shared = environmentPrefix(config);
    const provider = (alias: string, region: string) =>
      new AwsProvider(this, `aws-${alias}`, {
        alias,
        region,
        allowedAccountIds: [...config.accountIds],
        defaultTags: [{ tags: defaultTags(config) }],
      });
    this.usEast1 = provider("us-east-1", "us-east-1");

    const regions: FailoverRegion[] = environmentRegions(config).map((region) => {
      const code = regionInfo(region).code;
      const namePrefix = regionalPrefix(config, region);
      const regionProvider = provider(code, region);
      const alb = new DataAwsLb(this, `alb-${region}`, {
        provider: regionProvider,
        name: `${namePrefix}-alb`,
      });
      // The provider also creates the copies of the other regions' traffic switches kept here.
      return {
        region,
        code,
        namePrefix,
        albDnsName: alb.dnsName,
        albZoneId: alb.zoneId,
        provider: regionProvider,
      };
    });

    this.dns = new DnsFailover(this, "dns", {
      domainName: config.domainName,
      primary: regions[0],
      secondaries: regions.slice(1),
    });
    this.healthCheckAlarms = new HealthCheckAlarms(this, "health-check-alarms", {
      name: shared,
      region: "us-east-1",
      provider: this.usEast1,
      healthChecks: Object.fromEntries(this.dns.healthChecks.map((c) => [c.region, c.healthCheck.id])),
    });

    // Created by the primary regional stack; read here so it never appears in the JSON.
    const originSecret = new DataAwsSecretsmanagerSecretVersion(this, "origin-verify", {
      secretId: `${shared}-origin-verify`,
    });
    this.cdn = new Cdn(this, "cdn", {
      name: shared,
      domainName: config.domainName,
      hostedZoneName: config.domainName,
      apiOriginDomain: this.dns.apiRecordName,
      secondaryApiOriginDomain: secondaryOriginName(
        config.domainName,
        regions.map((r) => r.code),
      ),
      originVerifySecretValue: originSecret.secretString,
      usEast1Provider: this.usEast1,
      wafRateLimitPer5Min: config.edge.wafRateLimitPer5Min,
    });

    if (!regions[1]) {
      Guardrails.suppress(
        this.cdn.distribution,
        "SKY-CF-005",
        `${config.environment} has one region: there is no second origin to fail over to`,
      );
    }

    const ecr = parseEcrRepository(config.image.repository);
    if (ecr) {
      this.registry = new ContainerRegistry(this, "registry", {
        repositoryName: ecr.name,
        accountId: ecr.accountId,
        replicaRegions: config.drRegions,
      });
    }
  }
}

/**
 * aws-sdk-client-mock instances for every client the CLI uses, plus healthy defaults. Mocks replace
 * `send` on the client prototypes, so the CLI's own lazily-built clients are intercepted.
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { mockClient } from "aws-sdk-client-mock";

export const rds = mockClient(RDSClient);
export const cw = mockClient(CloudWatchClient);
export const ecs = mockClient(ECSClient);
export const aas = mockClient(ApplicationAutoScalingClient);
export const ec = mockClient(ElastiCacheClient);
export const elb = mockClient(ElasticLoadBalancingV2Client);
export const r53 = mockClient(Route53Client);

const ALL = [rds, cw, ecs, aas, ec, elb, r53];

export function resetMocks(): void {
  for (const m of ALL) m.reset();
  cw.on(PutMetricDataCommand).resolves({});
}

/** Names of every command sent to any client, in order (e.g. `PromoteReadReplicaCommand`). */
export function sentCommands(): string[] {
  return ALL.flatMap((m) => m.calls().map((c) => c.args[0].constructor.name));
}

const READ_ONLY = /^(Describe|Get|List)/;

/** Commands sent that are not read-only (Describe/Get/List). */
export function mutatingCommands(): string[] {
  return sentCommands().filter((name) => !READ_ONLY.test(name));
}

/** Healthy region state: no alarms firing, service 2/2 running, 2 healthy targets, lag 5 s. */
/** The production fixture's API record and the chain's level 1 (constructs/dns-failover). */
export const DNS_ORIGIN = "api.skyline.example.com.";
export const DNS_LEVEL_1 = "failover-1.api.skyline.example.com.";

/**
 * The records the global stack writes for the production fixture's three regions: origin answers
 * with us-east-1, else level 1 (eu-west-1, else ap-south-1).
 */
export const DNS_CHAIN: Record<string, ResourceRecordSet[]> = {
  [DNS_ORIGIN]: [
    {
      Name: DNS_ORIGIN,
      Type: "A",
      SetIdentifier: "us-east-1",
      Failover: "PRIMARY",
      HealthCheckId: "hc-use1",
    },
    {
      Name: DNS_ORIGIN,
      Type: "A",
      SetIdentifier: "eu-west-1",
      Failover: "SECONDARY",
      AliasTarget: { DNSName: DNS_LEVEL_1, HostedZoneId: "Z123", EvaluateTargetHealth: true },
    },
  ],
  [DNS_LEVEL_1]: [
    {
      Name: DNS_LEVEL_1,
      Type: "A",
      SetIdentifier: "eu-west-1",
      Failover: "PRIMARY",
      HealthCheckId: "hc-euw1",
    },
    {
      Name: DNS_LEVEL_1,
      Type: "A",
      SetIdentifier: "ap-south-1",
      Failover: "SECONDARY",
      HealthCheckId: "hc-aps1",
    },
  ],
};

/** DNS_CHAIN in Route 53 with every check enabled, not inverted, all checkers passing. */
export function healthyDns(): void {
  r53.on(ListHostedZonesByNameCommand).resolves({
    HostedZones: [{ Id: "/hostedzone/Z123", Name: "skyline.example.com.", CallerReference: "x" }],
  });
  r53.on(ListResourceRecordSetsCommand).callsFake(({ StartRecordName }) => ({
    ResourceRecordSets: DNS_CHAIN[`${StartRecordName}.`] ?? [],
  }));
  r53.on(GetHealthCheckCommand).resolves({
    HealthCheck: { HealthCheckConfig: { Disabled: false, Inverted: false } } as never,
  });
  r53.on(GetHealthCheckStatusCommand).resolves({
    HealthCheckObservations: [{ StatusReport: { Status: "Success: HTTP Status Code 200" } }],
  });
}

export function healthyRegion(lagSeconds: number[] = [3, 5, 4]): void {
  healthyDns();
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: lagSeconds }] });
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ status: "ACTIVE", runningCount: 2, desiredCount: 2, pendingCount: 0, deployments: [{}] }],
  });
  elb.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [{ TargetGroupName: "tg", TargetGroupArn: "arn:aws:elasticloadbalancing:tg" }],
  });
  elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [
      { TargetHealth: { State: "healthy" } },
      { TargetHealth: { State: "healthy" } },
    ],
  });
}

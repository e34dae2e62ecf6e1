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
import { Route53Client } from "@aws-sdk/client-route-53";
import { SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";

export const rds = mockClient(RDSClient);
export const cw = mockClient(CloudWatchClient);
export const ecs = mockClient(ECSClient);
export const aas = mockClient(ApplicationAutoScalingClient);
export const ec = mockClient(ElastiCacheClient);
export const elb = mockClient(ElasticLoadBalancingV2Client);
export const r53 = mockClient(Route53Client);
export const sqs = mockClient(SQSClient);

const ALL = [rds, cw, ecs, aas, ec, elb, r53, sqs];

export function resetMocks(): void {
  for (const m of ALL) m.reset();
  cw.on(PutMetricDataCommand).resolves({});
}

/** A DescribeServices answer: one ACTIVE service with these task counts and `deployments` deployments. */
export function ecsService(running: number, desired: number, deployments = 1) {
  return {
    services: [
      {
        status: "ACTIVE",
        runningCount: running,
        desiredCount: desired,
        pendingCount: 0,
        deployments: Array(deployments).fill({}),
      },
    ],
  };
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
export function healthyRegion(lagSeconds: number[] = [3, 5, 4]): void {
  // Nothing in ALARM; the traffic switches exist and are OK (a region serves while its endpoint is healthy).
  cw.on(DescribeAlarmsCommand).callsFake((input: { StateValue?: string; AlarmNames?: string[] }) =>
    input.StateValue === "ALARM"
      ? { MetricAlarms: [], CompositeAlarms: [] }
      : {
          MetricAlarms: (input.AlarmNames ?? [])
            .filter((n) => n.endsWith("-traffic-switch"))
            .map((AlarmName) => ({ AlarmName, StateValue: "OK" })),
          CompositeAlarms: [],
        },
  );
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

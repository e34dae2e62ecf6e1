/**
 * How the API service takes a new release: ECS's rolling update, or its native blue/green family
 * (BLUE_GREEN, CANARY, LINEAR) on the load balancer's two target groups, held at
 * POST_TEST_TRAFFIC_SHIFT by the release gate (constructs/release-gate) until the release has a
 * verdict. Settings, one IAM role and the gate; the FargateService puts them on its `aws_ecs_service`.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { EcsServiceConfig } from "@cdktf/provider-aws/lib/ecs-service";
import type { Construct } from "constructs";
import { serviceTrustPolicy } from "../iam/assume-role";
import type { LoadBalancer } from "../load-balancer/load-balancer";
import { RELEASE_GATE_STAGE, ReleaseGate } from "../release-gate/release-gate";

export type DeploymentStrategy = "ROLLING" | "BLUE_GREEN" | "CANARY" | "LINEAR";

export interface ServiceDeployment {
  /** @default "ROLLING" */
  readonly strategy?: DeploymentStrategy;
  /**
   * Minutes ECS keeps blue (and watches the alarms) after all traffic is on green; not used by
   * ROLLING. @default 15
   */
  readonly bakeTimeMinutes?: number;
  /** CANARY only. @default 10 % for 10 minutes */
  readonly canary?: { readonly percent: number; readonly intervalMinutes: number };
  /** LINEAR only. @default 20 % every 5 minutes */
  readonly linear?: { readonly stepPercent: number; readonly intervalMinutes: number };
  /**
   * CloudWatch alarms ECS watches during a deployment (and its bake); one in ALARM rolls the
   * deployment back. The region's 5xx-rate and p95-latency alarms. @default none
   */
  readonly alarmNames?: readonly string[];
  /**
   * Minutes the release gate holds a deployment at POST_TEST_TRAFFIC_SHIFT waiting for a verdict
   * before it fails (ECS rolls back); not used by ROLLING. @default 30
   */
  readonly gateWaitMinutes?: number;
}

/** True for the strategies that need the alternate target group and the listener rules. */
export function isBlueGreenFamily(strategy: DeploymentStrategy): boolean {
  return strategy !== "ROLLING";
}

/** The `aws_ecs_service` arguments a deployment sets (beside the circuit breaker, always on). */
export function deploymentArguments(
  scope: Construct,
  props: {
    readonly name: string;
    readonly deployment: ServiceDeployment;
    readonly loadBalancer: LoadBalancer;
    readonly containerName: string;
    readonly containerPort: number;
    readonly region: string;
    /** KMS key ARN and retention of the release gate's log group. */
    readonly logKmsKeyArn: string;
    readonly logRetentionDays: number;
  },
): {
  config: Partial<EcsServiceConfig>;
  loadBalancerRole?: IamRole;
  releaseGate?: ReleaseGate;
  ignoreChanges: string[];
} {
  const { deployment, loadBalancer } = props;
  const strategy = deployment.strategy ?? "ROLLING";
  const alarmNames = [...(deployment.alarmNames ?? [])];
  const alarms = alarmNames.length ? { alarms: { alarmNames, enable: true, rollback: true } } : {};
  const target = {
    targetGroupArn: loadBalancer.targetGroup.arn,
    containerName: props.containerName,
    containerPort: props.containerPort,
  };
  if (!isBlueGreenFamily(strategy)) {
    return {
      config: { deploymentConfiguration: { strategy }, loadBalancer: [target], ...alarms },
      ignoreChanges: [],
    };
  }

  const alternate = loadBalancer.alternateTargetGroup;
  const testRule = loadBalancer.testRule;
  if (!alternate || !testRule) {
    throw new Error(
      `FargateService ${props.name}: deployment.strategy ${strategy} needs the load balancer's alternate target group and test listener; pass testTraffic to the LoadBalancer`,
    );
  }
  const role = loadBalancerRole(scope, props.name, loadBalancer);
  // Green is smoke-checked on the test listener while every production request still goes to blue.
  const gate = new ReleaseGate(scope, "release-gate", {
    name: props.name,
    region: props.region,
    logKmsKeyArn: props.logKmsKeyArn,
    logRetentionDays: props.logRetentionDays,
    waitMinutes: deployment.gateWaitMinutes,
  });
  const bake = String(deployment.bakeTimeMinutes ?? 15);
  const canary = deployment.canary ?? { percent: 10, intervalMinutes: 10 };
  const linear = deployment.linear ?? { stepPercent: 20, intervalMinutes: 5 };
  return {
    loadBalancerRole: role,
    releaseGate: gate,
    config: {
      deploymentConfiguration: {
        strategy,
        bakeTimeInMinutes: bake,
        lifecycleHook: [
          {
            hookTargetArn: gate.function.arn,
            roleArn: gate.invokeRole.arn,
            lifecycleStages: [RELEASE_GATE_STAGE],
          },
        ],
        ...(strategy === "CANARY"
          ? {
              canaryConfiguration: {
                canaryPercent: canary.percent,
                canaryBakeTimeInMinutes: String(canary.intervalMinutes),
              },
            }
          : {}),
        ...(strategy === "LINEAR"
          ? {
              linearConfiguration: {
                stepPercent: linear.stepPercent,
                stepBakeTimeInMinutes: String(linear.intervalMinutes),
              },
            }
          : {}),
      },
      loadBalancer: [
        {
          ...target,
          advancedConfiguration: {
            alternateTargetGroupArn: alternate.arn,
            productionListenerRule: loadBalancer.productionRule.arn,
            testListenerRule: testRule.arn,
            roleArn: role.arn,
          },
        },
      ],
      ...alarms,
    },
    // After a switch ECS serves from the other group and runs the released task definition;
    // releases go through UpdateService (the pipeline), which alternates the groups, while a
    // Terraform-driven deployment does not (hashicorp/terraform-provider-aws#45678).
    ignoreChanges: ["task_definition", "load_balancer"],
  };
}

/**
 * The role ECS assumes to move traffic: read the load balancer, rewrite the two listener rules'
 * weights, and register tasks in the two target groups. Narrower than the managed
 * AmazonECSInfrastructureRolePolicyForLoadBalancers, which allows those actions on every resource.
 */
function loadBalancerRole(scope: Construct, name: string, loadBalancer: LoadBalancer): IamRole {
  const role = new IamRole(scope, "load-balancer-role", {
    name: `${name}-api-ecs-lb`,
    description: "ECS shifts the API's traffic between its two target groups during a deployment",
    assumeRolePolicy: serviceTrustPolicy("ecs.amazonaws.com"),
  });
  const rules = [loadBalancer.productionRule.arn, loadBalancer.testRule!.arn];
  const groups = [loadBalancer.targetGroup.arn, loadBalancer.alternateTargetGroup!.arn];
  new IamRolePolicy(scope, "load-balancer-policy", {
    role: role.id,
    name: "shift-api-traffic",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          // Describe calls have no resource-level permissions.
          Sid: "ReadLoadBalancer",
          Effect: "Allow",
          Action: [
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth",
          ],
          Resource: "*",
        },
        { Sid: "ShiftTraffic", Effect: "Allow", Action: "elasticloadbalancing:ModifyRule", Resource: rules },
        {
          Sid: "RegisterTasks",
          Effect: "Allow",
          Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
          Resource: groups,
        },
      ],
    }),
  });
  return role;
}

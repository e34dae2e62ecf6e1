import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Token } from "../../engine";
import { Construct } from "constructs";
import type { LoadBalancer } from "../load-balancer/load-balancer";
import type { Network } from "../network/network";
import { API_CONTAINER_DEFAULTS } from "./api-container-defaults";
import { deploymentArguments, type ServiceDeployment } from "./deployment";
import type { ReleaseGate } from "../release-gate/release-gate";
import { addTaskPolicy, openPort } from "./task-network";
import { validateTask, type ContainerSecret } from "./task-parts";
import { fargateTaskResources } from "./task-resources";

export type { ContainerSecret } from "./task-parts";
export type { DeploymentStrategy, ServiceDeployment } from "./deployment";

export interface FargateServiceProps {
  /** Name prefix, e.g. `skyline-production-use1`: cluster `<name>-cluster`, service `<name>-api`. */
  readonly name: string;
  readonly region: string;
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  /** Image repository URI (ECR or other) and an immutable tag or `sha256:` digest. */
  readonly image: { readonly repository: string; readonly tag: string };
  /** Fargate CPU units. */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** @default 8080, the reference API's port */
  readonly containerPort?: number;
  /** Plain environment variables. Secret-looking names are refused: use `secrets`. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables injected by ECS from Secrets Manager. @default none */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
  /** Application log retention in days. @default 365 */
  readonly logRetentionDays?: number;
  /** Scale out above this average CPU. @default 70 */
  readonly cpuTargetPercent?: number;
  /** Scale out above this average memory. @default 80 */
  readonly memoryTargetPercent?: number;
  /** Scale out above this many ALB requests per task per minute. @default 1000 */
  readonly requestsPerTarget?: number;
  /** Deployment bounds as percentages of the desired count. @default 100 / 150 */
  readonly deploymentMinimumHealthyPercent?: number;
  readonly deploymentMaximumPercent?: number;
  /** CPU architecture of the image. @default "X86_64" */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /**
   * How a release reaches users (constructs/fargate-service/deployment.ts). The circuit breaker
   * with rollback is on for every strategy. @default a rolling update, no deployment alarms
   */
  readonly deployment?: ServiceDeployment;
}

/**
 * The reference API on ECS Fargate behind the load balancer: private subnets, no public IPs,
 * non-root with a read-only root filesystem, secrets only through Secrets Manager, separate
 * execution and task roles, circuit breaker with rollback, deployment alarms with rollback, and
 * target-tracking autoscaling. With a BLUE_GREEN, CANARY or LINEAR deployment, ECS moves traffic
 * between the load balancer's two target groups through its production and test listener rules,
 * and its release gate holds each release on the test listener until it has a verdict.
 */
export class FargateService extends Construct {
  readonly cluster: EcsCluster;
  readonly service: EcsService;
  readonly taskDefinition: EcsTaskDefinition;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly logGroup: CloudwatchLogGroup;
  readonly scalableTarget: AppautoscalingTarget;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Application Auto Scaling resource id: `service/<cluster>/<service>`. */
  readonly autoscalingResourceId: string;
  /** Task definition family, `<name>-api`. */
  readonly taskFamily: string;
  readonly containerName = API_CONTAINER_DEFAULTS.containerName;
  /** The role ECS uses to shift traffic (BLUE_GREEN, CANARY and LINEAR only). */
  readonly loadBalancerRole?: IamRole;
  /** The lifecycle hook holding a release at POST_TEST_TRAFFIC_SHIFT (BLUE_GREEN, CANARY and LINEAR only). */
  readonly releaseGate?: ReleaseGate;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const { name, region, network, loadBalancer } = props;
    validate(props);
    const port = props.containerPort ?? API_CONTAINER_DEFAULTS.port;
    this.clusterName = `${name}-cluster`;
    this.serviceName = `${name}-api`;
    this.autoscalingResourceId = `service/${this.clusterName}/${this.serviceName}`;

    this.cluster = new EcsCluster(this, "cluster", {
      name: this.clusterName,
      setting: [{ name: "containerInsights", value: "enhanced" }],
    });
    const task = fargateTaskResources(this, {
      service: props,
      component: "api",
      roleIds: { execution: "execution-role", task: "task-role" },
      roleDescriptions: {
        execution: "Pulls the image, writes logs and reads the task's secrets at start-up",
        task: "What the running API may call; grants are added by the resources it uses",
      },
      container: { name: API_CONTAINER_DEFAULTS.containerName, port, environment: props.environment ?? {} },
      securityGroupDescription: `API tasks of ${this.serviceName}: traffic from the ALB only`,
      httpsOutDescription: "HTTPS to AWS APIs (endpoints or NAT) and identity providers",
    });
    this.logGroup = task.logGroup;
    this.executionRole = task.executionRole;
    this.taskRole = task.taskRole;
    this.taskDefinition = task.taskDefinition;
    this.securityGroup = task.securityGroup;
    this.taskFamily = task.family;

    new VpcSecurityGroupIngressRule(this, "from-alb", {
      securityGroupId: this.securityGroup.id,
      description: "API port from the load balancer",
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: loadBalancer.securityGroup.id,
    });
    new VpcSecurityGroupEgressRule(this, "alb-to-tasks", {
      securityGroupId: loadBalancer.securityGroup.id,
      description: "Load balancer to API tasks",
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: this.securityGroup.id,
    });

    const release = deploymentArguments(this, {
      name,
      deployment: props.deployment ?? {},
      loadBalancer,
      containerName: API_CONTAINER_DEFAULTS.containerName,
      containerPort: port,
      region,
      logKmsKeyArn: network.logKey.arn,
      logRetentionDays: props.logRetentionDays ?? 365,
    });
    this.loadBalancerRole = release.loadBalancerRole;
    this.releaseGate = release.releaseGate;
    this.service = new EcsService(this, "service", {
      name: this.serviceName,
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: props.minTasks,
      deploymentMinimumHealthyPercent: props.deploymentMinimumHealthyPercent ?? 100,
      deploymentMaximumPercent: props.deploymentMaximumPercent ?? 150,
      // Rolls back a release whose tasks fail to start, whatever the strategy.
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      networkConfiguration: {
        subnets: network.subnetIds("private"),
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      ...release.config,
      // Autoscaling owns the task count once the service exists.
      lifecycle: { ignoreChanges: ["desired_count", ...release.ignoreChanges] },
      dependsOn: [loadBalancer.productionRule, ...(loadBalancer.testRule ? [loadBalancer.testRule] : [])],
    });

    this.scalableTarget = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: this.autoscalingResourceId,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
      dependsOn: [this.service],
    });
    const track = (id: string, metric: string, target: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, id, {
        name: `${name}-api-${id}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: "ecs",
        resourceId: this.scalableTarget.resourceId,
        scalableDimension: this.scalableTarget.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: target,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
          predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
        },
      });
    track("cpu", "ECSServiceAverageCPUUtilization", props.cpuTargetPercent ?? 70);
    track("memory", "ECSServiceAverageMemoryUtilization", props.memoryTargetPercent ?? 80);
    const alternate = loadBalancer.alternateTargetGroup;
    if (!alternate) {
      track(
        "requests",
        "ALBRequestCountPerTarget",
        props.requestsPerTarget ?? 1000,
        `${loadBalancer.alb.arnSuffix}/${loadBalancer.targetGroup.arnSuffix}`,
      );
    } else {
      // The predefined metric names one target group, and blue/green serves from either: add the
      // two groups' requests per target (a group without traffic publishes nothing, hence FILL).
      const perTarget = (id: string, targetGroupArnSuffix: string) => ({
        id,
        returnData: false,
        metricStat: {
          stat: "Sum",
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCountPerTarget",
            dimensions: [{ name: "TargetGroup", value: targetGroupArnSuffix }],
          },
        },
      });
      new AppautoscalingPolicy(this, "requests", {
        name: `${name}-api-requests`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: "ecs",
        resourceId: this.scalableTarget.resourceId,
        scalableDimension: this.scalableTarget.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: props.requestsPerTarget ?? 1000,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
          customizedMetricSpecification: {
            metrics: [
              perTarget("primary", loadBalancer.targetGroup.arnSuffix),
              perTarget("alternate", alternate.arnSuffix),
              {
                id: "requests_per_target",
                label: "Requests per target, both target groups",
                expression: "FILL(primary, 0) + FILL(alternate, 0)",
                returnData: true,
              },
            ],
          },
        },
      });
    }
  }

  /**
   * Lets the tasks open `port` on a data store's security group: egress here, ingress there,
   * both described, so neither side is wider than the other.
   */
  connectTo(id: string, peerSecurityGroupId: string, port: number, description: string): void {
    openPort(this, id, {
      securityGroupId: this.securityGroup.id,
      peerSecurityGroupId,
      port,
      description,
      from: `the API tasks of ${this.serviceName}`,
    });
  }

  /** Adds a statement to the task role (what the running API may call). */
  addToTaskPolicy(id: string, statement: { Action: string | string[]; Resource: string | string[] }): void {
    addTaskPolicy(this, id, this.taskRole.id, statement);
  }
}

function validate(props: FargateServiceProps): void {
  const where = `FargateService ${props.name}`;
  const { minTasks, maxTasks } = props;
  if (!Token.isUnresolved(minTasks) && !Token.isUnresolved(maxTasks) && minTasks > maxTasks) {
    throw new Error(`${where}: minTasks (${minTasks}) is greater than maxTasks (${maxTasks})`);
  }
  validateTask(where, props.environment ?? {}, props.image.tag);
}

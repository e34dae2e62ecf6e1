/**
 * The resources every skyline task on Fargate owns (the API service and the queue workers): its
 * log group, execution and task roles, the execution role's policy, the task definition, and a
 * security group with HTTPS out. One function, so the two services cannot drift apart on them; it
 * creates them in the caller's scope with the caller's ids, so the Terraform addresses stay the
 * caller's own.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import type { Construct } from "constructs";
import { serviceTrustPolicy } from "../iam/assume-role";
import type { Network } from "../network/network";
import {
  containerDefinition,
  executionPolicyStatements,
  imageReference,
  type ContainerProps,
  type ContainerSecret,
} from "./task-parts";

/**
 * What the API's and the workers' props have in common as far as the task goes: each service
 * passes its own props as they are.
 */
export interface FargateTaskSpec {
  /** Name prefix, e.g. `skyline-production-use1`. */
  readonly name: string;
  readonly region: string;
  /** Its log key encrypts the log group; the security group is in its VPC. */
  readonly network: Network;
  /** Image repository URI (ECR or other) and an immutable tag or `sha256:` digest. */
  readonly image: { readonly repository: string; readonly tag: string };
  /** Fargate CPU units. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** CPU architecture of the image. @default "X86_64" */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /** @default 365 */
  readonly logRetentionDays?: number;
  /** Variables injected by ECS from Secrets Manager; the execution role may read them. @default none */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
}

export interface FargateTaskResourcesProps {
  /** The service's props (the API's or the workers'). */
  readonly service: FargateTaskSpec;
  /**
   * What the task is, e.g. `api` or `worker`. It names the log group `/skyline/<name>/<component>`
   * and its stream prefix, the roles `<name>-<component>-execution` and `<name>-<component>-task`,
   * the execution policy `start-<component>-task`, and the task family and security group
   * `<name>-<component>`.
   */
  readonly component: string;
  /**
   * Construct ids of the execution and task roles. They are the caller's: grants elsewhere are
   * keyed by a role's id, so the two services' roles must not share one.
   */
  readonly roleIds: { readonly execution: string; readonly task: string };
  /** The roles' IAM descriptions: what each one is for. */
  readonly roleDescriptions: { readonly execution: string; readonly task: string };
  /**
   * The one container. Its environment comes on top of `NODE_ENV=production`, `PORT` and
   * `AWS_REGION`, and may override them.
   */
  readonly container: Pick<ContainerProps, "name" | "port" | "environment" | "command" | "healthCheck">;
  /** The security group's description: who its tasks are and what reaches them. */
  readonly securityGroupDescription: string;
  /** The HTTPS egress rule's description: what the tasks call out to. */
  readonly httpsOutDescription: string;
}

export interface FargateTaskResources {
  readonly logGroup: CloudwatchLogGroup;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly taskDefinition: EcsTaskDefinition;
  /** The tasks' security group: HTTPS out only; callers add what else the tasks need. */
  readonly securityGroup: SecurityGroup;
  /** Task definition family and security group name, `<name>-<component>`. */
  readonly family: string;
}

/**
 * Creates a Fargate task's own resources in `scope`. Ids `logs`, `execution-policy`, `task`, `sg`
 * and `https-out` are fixed (they are the same in both services); the roles' ids are the caller's.
 */
export function fargateTaskResources(
  scope: Construct,
  props: FargateTaskResourcesProps,
): FargateTaskResources {
  const { component, service } = props;
  const { name, region, network } = service;
  const family = `${name}-${component}`;

  const logGroup = new CloudwatchLogGroup(scope, "logs", {
    name: `/skyline/${name}/${component}`,
    retentionInDays: service.logRetentionDays ?? 365,
    kmsKeyId: network.logKey.arn,
  });

  // Two roles: the execution role is what ECS uses to start the task, the task role what the
  // running code may call. Neither gets the other's permissions.
  const assume = serviceTrustPolicy("ecs-tasks.amazonaws.com");
  const executionRole = new IamRole(scope, props.roleIds.execution, {
    name: `${family}-execution`,
    description: props.roleDescriptions.execution,
    assumeRolePolicy: assume,
  });
  const taskRole = new IamRole(scope, props.roleIds.task, {
    name: `${family}-task`,
    description: props.roleDescriptions.task,
    assumeRolePolicy: assume,
  });

  const secrets = service.secrets ?? {};
  new IamRolePolicy(scope, "execution-policy", {
    role: executionRole.id,
    name: `start-${component}-task`,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: executionPolicyStatements({
        logGroupArn: logGroup.arn,
        repository: service.image.repository,
        secrets,
      }),
    }),
  });

  const { port } = props.container;
  const container = containerDefinition({
    ...props.container,
    image: imageReference(service.image),
    environment: {
      NODE_ENV: "production",
      PORT: String(port),
      AWS_REGION: region,
      ...props.container.environment,
    },
    secrets,
    logGroupName: logGroup.name,
    region,
    streamPrefix: component,
  });
  const taskDefinition = new EcsTaskDefinition(scope, "task", {
    family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: String(service.cpu),
    memory: String(service.memoryMiB),
    executionRoleArn: executionRole.arn,
    taskRoleArn: taskRole.arn,
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: service.cpuArchitecture ?? "X86_64" },
    // Backs the container's /tmp mount, the one writable path (the root filesystem is read-only).
    volume: [{ name: "tmp" }],
    containerDefinitions: JSON.stringify([container]),
  });

  const securityGroup = new SecurityGroup(scope, "sg", {
    name: family,
    description: props.securityGroupDescription,
    vpcId: network.vpcId,
    tags: { Name: family },
    // A replacement (e.g. a new description) is attached before the old group goes.
    lifecycle: { createBeforeDestroy: true },
  });
  // Every task calls AWS APIs (logs, secrets, the image) through VPC endpoints or the NAT.
  new VpcSecurityGroupEgressRule(scope, "https-out", {
    securityGroupId: securityGroup.id,
    description: props.httpsOutDescription,
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    cidrIpv4: "0.0.0.0/0",
  });

  return { logGroup, executionRole, taskRole, taskDefinition, securityGroup, family };
}

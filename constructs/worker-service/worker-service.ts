import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import type { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { Token } from "../../engine";
import { API_CONTAINER_DEFAULTS } from "../fargate-service/api-container-defaults";
import { validateTask, type ContainerSecret } from "../fargate-service/task-parts";
import { addTaskPolicy, openPort } from "../fargate-service/task-network";
import { fargateTaskResources } from "../fargate-service/task-resources";
import type { Network } from "../network/network";
import type { Queue } from "../queue/queue";
import { backlogPerTaskExpression, WORKER_DEFAULTS } from "./worker-defaults";

export interface WorkerServiceProps {
  /** Name prefix, e.g. `skyline-production-use1`: service and task family `<name>-worker`. */
  readonly name: string;
  readonly region: string;
  readonly network: Network;
  /** The ECS cluster the workers run in (the API's). */
  readonly cluster: { readonly arn: string; readonly name: string };
  /** The queue the workers consume: they may receive, delete and extend its messages, nothing more. */
  readonly queue: Queue;
  /** The same image as the API; the worker is another command of it. */
  readonly image: { readonly repository: string; readonly tag: string };
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /**
   * Visible messages per running task that the scaling policy keeps: a task's throughput times
   * the acceptable queueing latency (AWS's "acceptable backlog per instance").
   */
  readonly backlogPerTaskTarget: number;
  /** @default ["node", "dist/worker.js"] */
  readonly command?: readonly string[];
  /** Plain environment variables; secret-looking names are refused. @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** Variables injected by ECS from Secrets Manager. @default none */
  readonly secrets?: Readonly<Record<string, ContainerSecret>>;
  /** @default 365 */
  readonly logRetentionDays?: number;
  /** Seconds between scale-out steps. @default 60 */
  readonly scaleOutCooldownSeconds?: number;
  /** Seconds between scale-in steps; long enough for a batch in flight to finish. @default 300 */
  readonly scaleInCooldownSeconds?: number;
  /** CPU architecture of the image. @default "X86_64" */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
}

/**
 * The queue workers on ECS Fargate: the API's image with the worker command, no load balancer,
 * in private subnets with no public IP, non-root with a read-only root filesystem, their own
 * execution and task roles (the task role may consume the queue; the data tier adds the database),
 * and target tracking on backlog per task: visible messages divided by running tasks, through
 * CloudWatch metric math. Each task protects itself from scale-in while a batch is in flight
 * (ECS task scale-in protection, set by the worker through the ECS agent; no IAM needed).
 */
export class WorkerService extends Construct {
  readonly service: EcsService;
  readonly taskDefinition: EcsTaskDefinition;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly logGroup: CloudwatchLogGroup;
  readonly scalableTarget: AppautoscalingTarget;
  readonly backlogScaling: AppautoscalingPolicy;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Application Auto Scaling resource id: `service/<cluster>/<service>`. */
  readonly autoscalingResourceId: string;
  readonly containerName = WORKER_DEFAULTS.containerName;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    const { name, network, queue } = props;
    validate(props);
    this.clusterName = props.cluster.name;
    this.serviceName = `${name}-worker`;
    this.autoscalingResourceId = `service/${this.clusterName}/${this.serviceName}`;

    const port = WORKER_DEFAULTS.port;
    const task = fargateTaskResources(this, {
      service: props,
      component: "worker",
      // Ids differ from the API's roles: grants elsewhere are keyed by the role's id.
      roleIds: { execution: "worker-execution-role", task: "worker-task-role" },
      roleDescriptions: {
        execution: "Pulls the image, writes logs and reads the worker's secrets at start-up",
        task: "What a running queue worker may call; grants are added by the resources it uses",
      },
      container: {
        name: WORKER_DEFAULTS.containerName,
        port,
        command: props.command ?? WORKER_DEFAULTS.command,
        environment: { QUEUE_DRIVER: "sqs", QUEUE_URL: queue.queueUrl, ...(props.environment ?? {}) },
        // No load balancer checks a worker: ECS replaces a task whose /health stops answering.
        healthCheck: {
          command: [
            "CMD",
            "node",
            "-e",
            `fetch('http://127.0.0.1:${port}${API_CONTAINER_DEFAULTS.healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
          ],
          startPeriodSeconds: 30,
        },
      },
      securityGroupDescription: `Queue workers of ${this.serviceName}: no inbound traffic`,
      httpsOutDescription: "HTTPS to AWS APIs (SQS, logs, secrets: endpoints or NAT)",
    });
    this.logGroup = task.logGroup;
    this.executionRole = task.executionRole;
    this.taskRole = task.taskRole;
    this.taskDefinition = task.taskDefinition;
    this.securityGroup = task.securityGroup;
    queue.grantConsume(this.taskRole);

    this.service = new EcsService(this, "service", {
      name: this.serviceName,
      cluster: props.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: props.minTasks,
      // Rolling replacement that never drops below the desired count: in-flight batches finish.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      networkConfiguration: {
        subnets: network.subnetIds("private"),
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      lifecycle: { ignoreChanges: ["desired_count"] },
    });

    this.scalableTarget = new AppautoscalingTarget(this, "scaling-target", {
      serviceNamespace: "ecs",
      resourceId: this.autoscalingResourceId,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
      dependsOn: [this.service],
    });
    const backlog = backlogPerTaskExpression(queue.queueName, this.clusterName, this.serviceName);
    this.backlogScaling = new AppautoscalingPolicy(this, "backlog", {
      name: `${name}-worker-backlog`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: "ecs",
      resourceId: this.scalableTarget.resourceId,
      scalableDimension: this.scalableTarget.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: props.backlogPerTaskTarget,
        scaleOutCooldown: props.scaleOutCooldownSeconds ?? 60,
        scaleInCooldown: props.scaleInCooldownSeconds ?? 300,
        customizedMetricSpecification: {
          metrics: [
            ...Object.entries(backlog.metrics).map(([metricId, m]) => ({
              id: metricId,
              returnData: false,
              metricStat: {
                stat: m.stat,
                metric: {
                  namespace: m.namespace,
                  metricName: m.metricName,
                  dimensions: Object.entries(m.dimensions).map(([dName, value]) => ({ name: dName, value })),
                },
              },
            })),
            { id: "backlog", label: backlog.label, expression: backlog.expression, returnData: true },
          ],
        },
      },
    });
  }

  /** Lets the workers open `port` on a data store's security group (egress here, ingress there). */
  connectTo(id: string, peerSecurityGroupId: string, port: number, description: string): void {
    openPort(this, id, {
      securityGroupId: this.securityGroup.id,
      peerSecurityGroupId,
      port,
      description,
      from: `the queue workers of ${this.serviceName}`,
    });
  }

  /** Adds a statement to the task role (what a running worker may call). */
  addToTaskPolicy(id: string, statement: { Action: string | string[]; Resource: string | string[] }): void {
    addTaskPolicy(this, id, this.taskRole.id, statement);
  }
}

function validate(props: WorkerServiceProps): void {
  const where = `WorkerService ${props.name}`;
  const { minTasks, maxTasks, backlogPerTaskTarget } = props;
  if (!Token.isUnresolved(minTasks) && !Token.isUnresolved(maxTasks) && minTasks > maxTasks) {
    throw new Error(`${where}: minTasks (${minTasks}) is greater than maxTasks (${maxTasks})`);
  }
  if (!Token.isUnresolved(backlogPerTaskTarget) && !(backlogPerTaskTarget > 0)) {
    throw new Error(`${where}: backlogPerTaskTarget must be greater than 0 (messages per running task)`);
  }
  validateTask(where, props.environment ?? {}, props.image.tag);
}

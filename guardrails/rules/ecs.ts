import { block, blocks, isSet, isTrue, type Attrs, type TerraformResourceView } from "../model";
import type { Rule } from "./rule-kit";

const TASK = ["aws_ecs_task_definition"];
const SERVICE = ["aws_ecs_service"];

/** Environment variable names that look like credentials; these belong in `secrets`. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;

type ContainerCheck = (container: Attrs) => string | undefined;

/**
 * Runs `check` on each container of `container_definitions` (a JSON string). A value built with
 * Terraform's jsonencode() cannot be inspected at synth and is reported as such.
 */
function eachContainer(task: TerraformResourceView, check: ContainerCheck): string[] {
  let containers: unknown;
  try {
    containers = JSON.parse(String(task.attrs.container_definitions));
  } catch {
    return [
      "container_definitions is not a JSON literal (build it with JSON.stringify so it can be checked)",
    ];
  }
  return blocks(containers).flatMap((c) => {
    const problem = check(c);
    return problem ? [`container "${String(c.name ?? "?")}": ${problem}`] : [];
  });
}

/** Strategies that move traffic after green's tasks start: only alarms can roll those back. */
const SHIFTS_TRAFFIC = ["BLUE_GREEN", "CANARY", "LINEAR"];

/** `alarms { enable = true, rollback = true }` naming at least one alarm. */
function rollsBackOnAlarms(attrs: Attrs): boolean {
  const alarms = block(attrs.alarms);
  return isTrue(alarms.enable) && isTrue(alarms.rollback) && isSet(alarms.alarm_names);
}

const isRootUser = (user: unknown) => /^(root|0)(:|$)/.test(String(user));

export const ecsRules: Rule[] = [
  {
    id: "SKY-ECS-001",
    severity: "error",
    description: "ECS clusters have Container Insights enabled.",
    why: "Container Insights gives per-task CPU, memory and restart metrics that on-call needs to see a failing deployment.",
    fix: 'Add `setting { name = "containerInsights", value = "enhanced" }` (or "enabled") to the `aws_ecs_cluster`.',
    resourceTypes: ["aws_ecs_cluster"],
    mappings: { checkov: "CKV_AWS_65", cdkNag: "AwsSolutions-ECS4" },
    check: ({ attrs }) =>
      blocks(attrs.setting).some(
        (s) => s.name === "containerInsights" && ["enabled", "enhanced"].includes(String(s.value)),
      )
        ? undefined
        : "containerInsights is not enabled",
  },
  {
    id: "SKY-ECS-002",
    severity: "error",
    description: "Containers run with a read-only root filesystem.",
    why: "A writable root filesystem lets an attacker who gets code execution persist tools and modify the application.",
    fix: "Set `readonlyRootFilesystem: true` in each container definition; mount a volume for any path that must be writable (e.g. /tmp).",
    resourceTypes: TASK,
    mappings: { checkov: "CKV_AWS_336" },
    check: (task) =>
      eachContainer(task, (c) =>
        c.readonlyRootFilesystem === true ? undefined : "readonlyRootFilesystem is not true",
      ),
  },
  {
    id: "SKY-ECS-003",
    severity: "error",
    description: "Containers run as a non-root user.",
    why: "A process running as root in the container has far more kernel attack surface for escaping it.",
    fix: 'Set `user` in each container definition to a non-root UID (e.g. "1000:1000"), matching the image\'s USER.',
    resourceTypes: TASK,
    mappings: {},
    check: (task) =>
      eachContainer(task, (c) =>
        isSet(c.user) && !isRootUser(c.user) ? undefined : `user is ${String(c.user ?? "unset (root)")}`,
      ),
  },
  {
    id: "SKY-ECS-004",
    severity: "error",
    description: "Containers do not pass secret-looking values as plain environment variables.",
    why: "Plain environment values are visible to anyone who can describe the task definition and end up in logs and state files.",
    fix: "Move the value to Secrets Manager or SSM and reference it from the container's `secrets` list (`valueFrom`).",
    resourceTypes: TASK,
    mappings: { trivy: "AVD-AWS-0036", cdkNag: "AwsSolutions-ECS2" },
    check: (task) =>
      eachContainer(task, (c) => {
        const names = blocks(c.environment)
          .map((e) => String(e.name))
          .filter((n) => SECRET_NAME.test(n));
        return names.length > 0 ? `plain environment variables ${names.join(", ")}` : undefined;
      }),
  },
  {
    id: "SKY-ECS-005",
    severity: "error",
    description: "Task definitions have separate execution and task roles.",
    why: "The execution role pulls images and reads secrets for the agent; giving the application the same role hands it those rights.",
    fix: "Set `execution_role_arn` and `task_role_arn` to two different IAM roles.",
    resourceTypes: TASK,
    mappings: {},
    check: ({ attrs }) => {
      if (!isSet(attrs.execution_role_arn) || !isSet(attrs.task_role_arn)) {
        return "execution_role_arn and task_role_arn are not both set";
      }
      const role = (v: unknown) => String(v).replace(/\.(arn|id|name)\}$/, "}");
      return role(attrs.execution_role_arn) === role(attrs.task_role_arn)
        ? "both roles are the same"
        : undefined;
    },
  },
  {
    id: "SKY-ECS-006",
    severity: "error",
    description: "Containers log to a log driver (CloudWatch Logs).",
    why: "Without a log configuration the application's output is lost when the task stops.",
    fix: 'Set `logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": ... } }` in each container definition.',
    resourceTypes: TASK,
    mappings: { cdkNag: "AwsSolutions-ECS7" },
    check: (task) =>
      eachContainer(task, (c) =>
        isSet(block(c.logConfiguration).logDriver) ? undefined : "logConfiguration is not set",
      ),
  },
  {
    id: "SKY-ECS-007",
    severity: "error",
    description: "Containers are not privileged.",
    why: "A privileged container has the host's devices and capabilities; on Fargate it is refused at run time anyway.",
    fix: "Remove `privileged: true` from the container definition.",
    resourceTypes: TASK,
    mappings: {},
    check: (task) => eachContainer(task, (c) => (c.privileged === true ? "privileged is true" : undefined)),
  },
  {
    id: "SKY-ECS-008",
    severity: "error",
    description: "ECS services roll back failed deployments with the deployment circuit breaker.",
    why: "Without the circuit breaker a deployment whose tasks keep failing retries forever while capacity drains.",
    fix: "Set `deployment_circuit_breaker { enable = true, rollback = true }` on the `aws_ecs_service`.",
    resourceTypes: SERVICE,
    mappings: {},
    check: ({ attrs }) => {
      const breaker = block(attrs.deployment_circuit_breaker);
      return isTrue(breaker.enable) && isTrue(breaker.rollback)
        ? undefined
        : "deployment_circuit_breaker is not enabled with rollback";
    },
  },
  {
    id: "SKY-ECS-010",
    severity: "error",
    description:
      "ECS services have an automatic rollback path: the circuit breaker or deployment alarms with rollback, and alarms with rollback whenever the strategy shifts traffic (BLUE_GREEN, CANARY, LINEAR).",
    why: "A production release that nobody can roll back automatically waits for a person while users get errors. The circuit breaker only sees tasks that fail to start or to pass health checks; a blue/green, canary or linear deployment moves traffic to tasks that started fine, so only alarms on what users feel (5xx rate, latency) can undo it. A non-production environment that gives this up says why in a suppression.",
    fix: "Set `deployment_circuit_breaker { enable = true, rollback = true }` and `alarms { alarm_names = [<5xx-rate and p95-latency alarms>], enable = true, rollback = true }` on the `aws_ecs_service` (FargateService's `deployment.alarmNames`).",
    resourceTypes: SERVICE,
    mappings: {},
    check: ({ attrs }) => {
      const breaker = block(attrs.deployment_circuit_breaker);
      const byBreaker = isTrue(breaker.enable) && isTrue(breaker.rollback);
      const byAlarms = rollsBackOnAlarms(attrs);
      const strategy = String(block(attrs.deployment_configuration).strategy ?? "ROLLING");
      if (SHIFTS_TRAFFIC.includes(strategy) && !byAlarms) {
        return `strategy ${strategy} shifts traffic to tasks that already started, but no alarm with rollback watches the deployment`;
      }
      return byBreaker || byAlarms
        ? undefined
        : "no automatic rollback path: neither the circuit breaker nor deployment alarms roll back";
    },
  },
  {
    id: "SKY-ECS-009",
    severity: "error",
    description: "ECS tasks do not get public IP addresses.",
    why: "A public IP puts the task directly on the internet, bypassing the load balancer and the WAF.",
    fix: "Set `network_configuration { assign_public_ip = false }` and run tasks in private subnets with NAT or VPC endpoints.",
    resourceTypes: SERVICE,
    mappings: { checkov: "CKV_AWS_333" },
    check: ({ attrs }) =>
      isTrue(block(attrs.network_configuration).assign_public_ip) ? "assign_public_ip is true" : undefined,
  },
];

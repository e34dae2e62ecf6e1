import type { TerraformStack } from "../../../engine";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService, type EcsServiceConfig } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Fn } from "../../../engine";
import { findingsOf, newStack, ruleCase } from "../helpers";

const assumeEcs = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

const goodContainer = {
  name: "api",
  image: "api:1",
  user: "1000:1000",
  readonlyRootFilesystem: true,
  environment: [{ name: "PORT", value: "8080" }],
  secrets: [{ name: "DATABASE_PASSWORD", valueFrom: "arn:aws:secretsmanager:x" }],
  logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/api" } },
};

function task(stack: TerraformStack, container: Record<string, unknown> = {}, sameRole = false) {
  const execution = new IamRole(stack, "execution", { assumeRolePolicy: assumeEcs });
  const taskRole = sameRole ? execution : new IamRole(stack, "task-role", { assumeRolePolicy: assumeEcs });
  return new EcsTaskDefinition(stack, "task", {
    family: "api",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    executionRoleArn: execution.arn,
    taskRoleArn: taskRole.arn,
    containerDefinitions: JSON.stringify([{ ...goodContainer, ...container }]),
  });
}

function service(stack: TerraformStack, overrides: Partial<EcsServiceConfig> = {}) {
  return new EcsService(stack, "service", {
    name: "api",
    launchType: "FARGATE",
    deploymentCircuitBreaker: { enable: true, rollback: true },
    networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: false },
    ...overrides,
  });
}

ruleCase("SKY-ECS-001", {
  pass: (stack) =>
    new EcsCluster(stack, "cluster", {
      name: "c",
      setting: [{ name: "containerInsights", value: "enhanced" }],
    }),
  fail: (stack) => new EcsCluster(stack, "cluster", { name: "c" }),
});

ruleCase("SKY-ECS-002", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, { readonlyRootFilesystem: false }),
});

ruleCase("SKY-ECS-003", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, { user: "root" }),
});

describe("SKY-ECS-003 user forms", () => {
  it.each([["0"], ["0:0"], ["root:root"]])("flags user %s", (user) => {
    const { stack } = newStack();
    task(stack, { user });
    expect(findingsOf(stack, "SKY-ECS-003")).toHaveLength(1);
  });
  it("flags a container with no user (root by default)", () => {
    const { stack } = newStack();
    task(stack, { user: undefined });
    expect(findingsOf(stack, "SKY-ECS-003")[0].message).toContain("unset (root)");
  });
});

ruleCase("SKY-ECS-004", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, { environment: [{ name: "STRIPE_API_KEY", value: "sk_live_x" }] }),
});

ruleCase("SKY-ECS-005", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, {}, true),
});

ruleCase("SKY-ECS-006", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, { logConfiguration: undefined }),
});

ruleCase("SKY-ECS-007", {
  pass: (stack) => task(stack),
  fail: (stack) => task(stack, { privileged: true }),
});

ruleCase("SKY-ECS-008", {
  pass: (stack) => service(stack),
  fail: (stack) => service(stack, { deploymentCircuitBreaker: { enable: true, rollback: false } }),
});

ruleCase("SKY-ECS-009", {
  pass: (stack) => service(stack),
  fail: (stack) => service(stack, { networkConfiguration: { subnets: ["subnet-1"], assignPublicIp: true } }),
});

describe("container definitions that cannot be read at synth", () => {
  it("reports a jsonencode() expression instead of passing it silently", () => {
    const { stack } = newStack();
    const t = task(stack);
    t.addOverride("container_definitions", Fn.jsonencode([goodContainer]));
    expect(findingsOf(stack, "SKY-ECS-002")[0].message).toContain("not a JSON literal");
  });
});

const deploymentAlarms = { alarmNames: ["app-alb-5xx-rate"], enable: true, rollback: true };

ruleCase("SKY-ECS-010", {
  pass: (stack) => service(stack, { alarms: deploymentAlarms }),
  fail: (stack) => service(stack, { deploymentCircuitBreaker: { enable: true, rollback: false } }),
});

describe("SKY-ECS-010 rollback paths", () => {
  const check = (overrides: Partial<EcsServiceConfig>) => {
    const { stack } = newStack();
    service(stack, overrides);
    return findingsOf(stack, "SKY-ECS-010").map((f) => f.message);
  };

  it("accepts a rolling service with the circuit breaker alone, or with alarms alone", () => {
    expect(check({})).toEqual([]);
    expect(check({ deploymentCircuitBreaker: undefined, alarms: deploymentAlarms })).toEqual([]);
  });

  it("refuses a service with neither", () => {
    expect(check({ deploymentCircuitBreaker: undefined })).toEqual([
      expect.stringContaining("no automatic rollback path"),
    ]);
  });

  it("does not count alarms that only notify, or that name no alarm", () => {
    for (const alarms of [
      { ...deploymentAlarms, rollback: false },
      { ...deploymentAlarms, enable: false },
      { ...deploymentAlarms, alarmNames: [] },
    ]) {
      expect(check({ deploymentCircuitBreaker: undefined, alarms })).toHaveLength(1);
    }
  });

  it.each(["BLUE_GREEN", "CANARY", "LINEAR"])(
    "refuses %s with the circuit breaker but no alarm rollback: it shifts traffic to started tasks",
    (strategy) => {
      expect(check({ deploymentConfiguration: { strategy } })).toEqual([
        expect.stringContaining(`strategy ${strategy} shifts traffic to tasks that already started`),
      ]);
      expect(check({ deploymentConfiguration: { strategy }, alarms: deploymentAlarms })).toEqual([]);
    },
  );
});

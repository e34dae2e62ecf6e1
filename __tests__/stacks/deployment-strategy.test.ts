import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { stacksOf } from "../../stacks/synthesize";
import { config } from "../helpers/config";
import { only, resources, synthJson, type StackJson } from "../helpers/synth";

/** Every environment's regional stacks (and the Kubernetes ones), synthesized once. */
const eks = config("production", (env) => {
  env.environment = "production-eks";
  env.stateBackend.bucket = "skyline-production-eks-tfstate";
  env.compute = "eks";
  env.image.repository = env.image.repository.replace(/skyline-api$/, "skyline-api-eks");
});
const linearStaging = config("staging", (env) => {
  env.environment = "staging-linear";
  env.stateBackend.bucket = "skyline-staging-linear-tfstate";
  env.service.deployment = {
    strategy: "LINEAR",
    gateWaitMinutes: 45,
    testListener: { allowedCidrs: ["100.64.10.0/24"] },
  };
});
const { environments } = buildApp([config("staging"), config("production"), eks, linearStaging], {
  outdir: mkdtempSync(join(tmpdir(), "skyline-deploy-")),
});
const synthed = new Map<string, StackJson>(
  environments.flatMap(stacksOf).map((s) => [s.node.id, synthJson(s)]),
);
const stack = (id: string) => synthed.get(id)!;

const forwardRules = (json: StackJson) =>
  resources(json, "aws_lb_listener_rule").filter(([, r]) => r.action[0].type === "forward");
const listenerPort = (json: StackJson, listenerArn: string) =>
  resources(json, "aws_lb_listener").find(([id]) => listenerArn.includes(`aws_lb_listener.${id}.`))![1].port;

describe("deployment strategy per environment", () => {
  it("production (ECS): a canary with a bake, both groups, the test listener and its alarms in every region", () => {
    for (const region of ["us-east-1", "eu-west-1", "ap-south-1"]) {
      const json = stack(`skyline-production-${region}`);
      const code = { "us-east-1": "use1", "eu-west-1": "euw1", "ap-south-1": "aps1" }[region];
      const service = only(json, "aws_ecs_service", "api_");
      expect(service.deployment_configuration).toEqual({
        strategy: "CANARY",
        bake_time_in_minutes: "15",
        canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: "10" },
        // The release gate (next test).
        lifecycle_hook: [expect.objectContaining({ lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"] })],
      });
      expect(service.alarms).toEqual({
        alarm_names: [
          `skyline-production-${code}-alb-5xx-rate`,
          `skyline-production-${code}-alb-p95-latency`,
        ],
        enable: true,
        rollback: true,
      });
      // The alarms exist (and are created first) in the same stack.
      const alarmNames = resources(json, "aws_cloudwatch_metric_alarm").map(([, a]) => a.alarm_name);
      for (const name of service.alarms.alarm_names) expect(alarmNames).toContain(name);
      expect(service.depends_on).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/alb-5xx-rate/),
          expect.stringMatching(/alb-p95-latency/),
        ]),
      );
      expect(resources(json, "aws_lb_target_group").map(([, g]) => g.name)).toEqual(
        expect.arrayContaining([`skyline-production-${code}-api`, `skyline-production-${code}-alt`]),
      );
      expect(resources(json, "aws_lb_target_group")).toHaveLength(2);
      // Exactly one production rule (443) and one test rule (9443): ECS rewrites one of each.
      const rules = forwardRules(json).map(([, r]) => listenerPort(json, r.listener_arn));
      expect(rules.sort()).toEqual([443, 9443]);
      expect(
        resources(json, "aws_vpc_security_group_ingress_rule")
          .map(([, r]) => r)
          .filter((r) => r.from_port === 9443)
          .map((r) => r.cidr_ipv4),
      ).toEqual(["203.0.113.0/24"]);
      expect(resources(json, "aws_iam_role").map(([, r]) => r.name)).toContain(
        `skyline-production-${code}-api-ecs-lb`,
      );
    }
  });

  it("production (ECS): the release gate holds every canary at POST_TEST_TRAFFIC_SHIFT, before any production traffic", () => {
    for (const [region, code] of [
      ["us-east-1", "use1"],
      ["eu-west-1", "euw1"],
      ["ap-south-1", "aps1"],
    ]) {
      const json = stack(`skyline-production-${region}`);
      const prefix = `skyline-production-${code}`;
      const service = only(json, "aws_ecs_service", "api_");
      const [fnAddress, fn] = resources(json, "aws_lambda_function").find(([a]) => a.startsWith("api_"))!;
      const invokeRole = resources(json, "aws_iam_role").find(
        ([, r]) => r.name === `${prefix}-api-ecs-hook`,
      )!;
      const gateRole = resources(json, "aws_iam_role").find(
        ([, r]) => r.name === `${prefix}-api-release-gate`,
      )!;
      expect(service.deployment_configuration.lifecycle_hook).toEqual([
        {
          hook_target_arn: `\${aws_lambda_function.${fnAddress}.arn}`,
          role_arn: `\${aws_iam_role.${invokeRole[0]}.arn}`,
          lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"],
        },
      ]);

      // The gate: its own role, tracing, reserved concurrency, its parameter and wait in the environment.
      expect(fn).toMatchObject({
        function_name: `${prefix}-api-release-gate`,
        role: `\${aws_iam_role.${gateRole[0]}.arn}`,
        handler: "index.handler",
        runtime: "nodejs22.x",
        tracing_config: { mode: "Active" },
        reserved_concurrent_executions: 2,
        environment: {
          variables: {
            VERDICT_PARAMETER: `/${prefix}/api/release-verdict`,
            WAIT_SECONDS: "1800",
            CALLBACK_DELAY_SECONDS: "30",
          },
        },
      });
      expect(fn.filename).toMatch(/^assets\/api_release-gate_code_[A-Z0-9]+\/[A-F0-9]+\/release-gate\.zip$/);
      expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);

      // Trust: Lambda for the gate's role, ECS for the role that invokes it.
      expect(JSON.parse(gateRole[1].assume_role_policy).Statement[0].Principal).toEqual({
        Service: "lambda.amazonaws.com",
      });
      expect(JSON.parse(invokeRole[1].assume_role_policy).Statement[0].Principal).toEqual({
        Service: "ecs.amazonaws.com",
      });

      const policyOf = (roleAddress: string) => {
        const policies = resources(json, "aws_iam_role_policy").filter(
          ([, p]) => p.role === `\${aws_iam_role.${roleAddress}.id}`,
        );
        expect(policies).toHaveLength(1);
        return JSON.parse(policies[0][1].policy).Statement;
      };
      const [logAddress, logGroup] = resources(json, "aws_cloudwatch_log_group").find(
        ([, g]) => g.name === `/aws/lambda/${prefix}-api-release-gate`,
      )!;
      const accountRef = Object.keys(json.data!.aws_caller_identity).find((a) =>
        a.startsWith("api_release-gate"),
      )!;
      expect(policyOf(gateRole[0])).toEqual([
        {
          Sid: "ReadVerdict",
          Effect: "Allow",
          Action: "ssm:GetParameter",
          Resource: `arn:aws:ssm:${region}:\${data.aws_caller_identity.${accountRef}.account_id}:parameter/${prefix}/api/release-verdict`,
        },
        {
          Sid: "WriteLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `\${aws_cloudwatch_log_group.${logAddress}.arn}:*`,
        },
        {
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        },
      ]);
      expect(policyOf(invokeRole[0])).toEqual([
        {
          Sid: "InvokeGate",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: `\${aws_lambda_function.${fnAddress}.arn}`,
        },
      ]);
      // Its log group: a year's retention under the region's log key, named in its logging config.
      expect(logGroup.retention_in_days).toBe(365);
      expect(logGroup.kms_key_id).toBe(
        resources(json, "aws_cloudwatch_log_group").find(([a]) => a.startsWith("api_logs"))![1].kms_key_id,
      );
      expect(fn.logging_config).toEqual({
        log_format: "JSON",
        log_group: `\${aws_cloudwatch_log_group.${logAddress}.name}`,
      });
    }
  });

  it("a LINEAR environment is gated too; its config sets how long the gate waits", () => {
    const json = stack("skyline-staging-linear-us-east-1");
    expect(only(json, "aws_ecs_service", "api_").deployment_configuration.lifecycle_hook).toHaveLength(1);
    expect(only(json, "aws_lambda_function", "api_").environment.variables.WAIT_SECONDS).toBe("2700");
  });

  it("staging: a rolling update on one target group, one production rule, the circuit breaker and alarm rollback", () => {
    const json = stack("skyline-staging-us-east-1");
    const service = only(json, "aws_ecs_service", "api_");
    expect(service.deployment_configuration).toEqual({ strategy: "ROLLING" });
    // No release gate: a rolling update has no test listener to hold a release on.
    expect(resources(json, "aws_lambda_function")).toHaveLength(0);
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.alarms.rollback).toBe(true);
    expect(only(json, "aws_lb_target_group").name).toBe("skyline-staging-use1-api");
    expect(forwardRules(json)).toHaveLength(1);
    expect(
      resources(json, "aws_lb_listener")
        .map(([, l]) => l.port)
        .sort(),
    ).toEqual([443, 80]);
  });

  it("a non-production environment may choose LINEAR: steps of 20 % every 5 minutes and a 5-minute bake", () => {
    const service = only(stack("skyline-staging-linear-us-east-1"), "aws_ecs_service", "api_");
    expect(service.deployment_configuration).toEqual({
      strategy: "LINEAR",
      bake_time_in_minutes: "5",
      linear_configuration: { step_percent: 20, step_bake_time_in_minutes: "5" },
      lifecycle_hook: [expect.objectContaining({ lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"] })],
    });
  });

  it("EKS: one target group and one production rule; the Deployment keeps surge 3, unavailable 1, readiness-gated", () => {
    const regional = stack("skyline-production-eks-us-east-1");
    expect(resources(regional, "aws_ecs_service")).toHaveLength(0);
    expect(resources(regional, "aws_lambda_function")).toHaveLength(0);
    expect(only(regional, "aws_lb_target_group").name).toBe("skyline-production-eks-use1-api");
    expect(forwardRules(regional)).toHaveLength(1);
    expect(
      resources(regional, "aws_lb_listener")
        .map(([, l]) => l.port)
        .sort(),
    ).toEqual([443, 80]);
    const deployment = only(
      stack("skyline-production-eks-us-east-1-k8s"),
      "kubernetes_deployment_v1",
      "api_",
    );
    expect(deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rolling_update: { max_surge: "3", max_unavailable: "1" },
    });
    const container = deployment.spec.template.spec.container[0];
    expect(container.readiness_probe.http_get.path).toBe("/ready");
  });
});

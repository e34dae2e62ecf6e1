import type { ServiceDeployment } from "../../constructs/fargate-service/fargate-service";
import { only, resources } from "../helpers/synth";
import { synthRegional } from "../helpers/regional-fixture";

const TEST_TRAFFIC = { testTraffic: { port: 9443, allowedCidrs: ["100.64.10.0/24"] } };
const ALARMS = ["app-prod-use1-alb-5xx-rate", "app-prod-use1-alb-p95-latency"];

function synth(deployment: ServiceDeployment, lb: object = TEST_TRAFFIC) {
  return synthRegional(lb, { deployment: { alarmNames: ALARMS, ...deployment } }).json;
}

describe("FargateService deployments", () => {
  it("rolling: one target group, circuit breaker and alarms with rollback, no ECS load-balancer role", () => {
    const json = synth({ strategy: "ROLLING" }, {});
    const service = only(json, "aws_ecs_service");
    expect(service.deployment_configuration).toEqual({ strategy: "ROLLING" });
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.alarms).toEqual({ alarm_names: ALARMS, enable: true, rollback: true });
    expect(service.load_balancer).toEqual([
      {
        target_group_arn: expect.stringMatching(/lb_api-targets_/),
        container_name: "api",
        container_port: 8080,
      },
    ]);
    expect(service.lifecycle.ignore_changes).toEqual(["desired_count"]);
    expect(resources(json, "aws_iam_role").map(([, r]) => r.name)).not.toContain("app-prod-use1-api-ecs-lb");
  });

  it.each<[string, ServiceDeployment, object]>([
    [
      "BLUE_GREEN",
      { strategy: "BLUE_GREEN", bakeTimeMinutes: 20 },
      { strategy: "BLUE_GREEN", bake_time_in_minutes: "20" },
    ],
    [
      "CANARY",
      { strategy: "CANARY", bakeTimeMinutes: 15, canary: { percent: 5, intervalMinutes: 10 } },
      {
        strategy: "CANARY",
        bake_time_in_minutes: "15",
        canary_configuration: { canary_percent: 5, canary_bake_time_in_minutes: "10" },
      },
    ],
    [
      "LINEAR",
      { strategy: "LINEAR", bakeTimeMinutes: 5, linear: { stepPercent: 25, intervalMinutes: 3 } },
      {
        strategy: "LINEAR",
        bake_time_in_minutes: "5",
        linear_configuration: { step_percent: 25, step_bake_time_in_minutes: "3" },
      },
    ],
  ])(
    "%s: the strategy, its bake, both target groups, both listener rules and alarm rollback",
    (_name, deployment, expected) => {
      const json = synth(deployment);
      const service = only(json, "aws_ecs_service");
      // Every blue/green strategy is held by the release gate at POST_TEST_TRAFFIC_SHIFT.
      expect(service.deployment_configuration).toEqual({
        ...expected,
        lifecycle_hook: [
          {
            hook_target_arn: expect.stringMatching(/^\$\{aws_lambda_function\.api_release-gate_function_/),
            role_arn: expect.stringMatching(/^\$\{aws_iam_role\.api_release-gate_invoke-role_/),
            lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"],
          },
        ],
      });
      expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
      expect(service.alarms).toEqual({ alarm_names: ALARMS, enable: true, rollback: true });
      expect(service.load_balancer).toEqual([
        {
          target_group_arn: expect.stringMatching(/lb_api-targets_/),
          container_name: "api",
          container_port: 8080,
          advanced_configuration: {
            alternate_target_group_arn: expect.stringMatching(/lb_api-alternate-targets_/),
            production_listener_rule: expect.stringMatching(/aws_lb_listener_rule\.lb_production_/),
            test_listener_rule: expect.stringMatching(/aws_lb_listener_rule\.lb_test-rule_/),
            role_arn: expect.stringMatching(/aws_iam_role\.api_load-balancer-role_/),
          },
        },
      ]);
      // Releases go through UpdateService; ECS owns the serving group and the running revision.
      expect(service.lifecycle.ignore_changes).toEqual(["desired_count", "task_definition", "load_balancer"]);
      expect(service.depends_on).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/lb_production_/),
          expect.stringMatching(/lb_test-rule_/),
        ]),
      );
    },
  );

  it("defaults a blue/green bake to 15 minutes and a canary to 10 % for 10 minutes", () => {
    const service = only(synth({ strategy: "CANARY" }), "aws_ecs_service");
    expect(service.deployment_configuration).toEqual({
      strategy: "CANARY",
      bake_time_in_minutes: "15",
      canary_configuration: { canary_percent: 10, canary_bake_time_in_minutes: "10" },
      lifecycle_hook: [expect.objectContaining({ lifecycle_stages: ["POST_TEST_TRAFFIC_SHIFT"] })],
    });
  });

  it("gives ECS a least-privilege role: read the ALB, rewrite the two rules, register in the two groups", () => {
    const json = synth({ strategy: "BLUE_GREEN" });
    const role = resources(json, "aws_iam_role").find(([, r]) => r.name === "app-prod-use1-api-ecs-lb")![1];
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const policy = resources(json, "aws_iam_role_policy").find(([, p]) => p.name === "shift-api-traffic")![1];
    const statements = JSON.parse(policy.policy).Statement;
    expect(statements.map((s: any) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "ReadLoadBalancer",
        [
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        "*",
      ],
      [
        "ShiftTraffic",
        "elasticloadbalancing:ModifyRule",
        [expect.stringMatching(/lb_production_.*\.arn/), expect.stringMatching(/lb_test-rule_.*\.arn/)],
      ],
      [
        "RegisterTasks",
        ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        [
          expect.stringMatching(/lb_api-targets_.*\.arn/),
          expect.stringMatching(/lb_api-alternate-targets_.*\.arn/),
        ],
      ],
    ]);
  });

  it("scales on the requests per target of both groups, since either may serve", () => {
    const json = synth({ strategy: "CANARY" });
    const policy = resources(json, "aws_appautoscaling_policy").find(
      ([, p]) => p.name === "app-prod-use1-api-requests",
    )![1];
    const spec = policy.target_tracking_scaling_policy_configuration.customized_metric_specification;
    expect(
      policy.target_tracking_scaling_policy_configuration.predefined_metric_specification,
    ).toBeUndefined();
    expect(
      spec.metrics.map((m: any) => [m.id, m.expression ?? m.metric_stat.metric.dimensions[0].value]),
    ).toEqual([
      ["primary", expect.stringMatching(/lb_api-targets_.*arn_suffix/)],
      ["alternate", expect.stringMatching(/lb_api-alternate-targets_.*arn_suffix/)],
      ["requests_per_target", "FILL(primary, 0) + FILL(alternate, 0)"],
    ]);
  });

  it("refuses a blue/green strategy on a load balancer without test traffic, naming the fix", () => {
    expect(() => synth({ strategy: "LINEAR" }, {})).toThrow(
      /deployment.strategy LINEAR needs the load balancer's alternate target group and test listener; pass testTraffic/,
    );
  });
});

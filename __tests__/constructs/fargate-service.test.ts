import { parseEcrRepository } from "../../constructs/container-registry/ecr-uri";
import { only, resources, synthJson } from "../helpers/synth";
import { synthRegional } from "../helpers/regional-fixture";

function containerOf(json: ReturnType<typeof synthRegional>["json"]) {
  return JSON.parse(only(json, "aws_ecs_task_definition").container_definitions)[0];
}

describe("FargateService", () => {
  const { json } = synthRegional(
    {},
    {
      environment: { LOG_LEVEL: "info" },
      secrets: {
        JWT_SECRET: {
          secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt",
          kmsKeyArn: "arn:kms:key",
        },
        DB_USER: {
          secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
          jsonKey: "username",
        },
      },
    },
  );

  it("runs on a cluster with Container Insights", () => {
    const cluster = only(json, "aws_ecs_cluster");
    expect(cluster.name).toBe("app-prod-use1-cluster");
    expect(cluster.setting).toEqual([{ name: "containerInsights", value: "enhanced" }]);
  });

  it("runs the container non-root with a read-only root filesystem and only /tmp writable", () => {
    const c = containerOf(json);
    expect(c.user).toBe("10001:10001");
    expect(c.readonlyRootFilesystem).toBe(true);
    expect(c.mountPoints).toEqual([{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
    expect(c.image).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/app-api:1.2.3");
    expect(c.portMappings).toEqual([{ containerPort: 8080, protocol: "tcp", name: "http" }]);
  });

  it("passes secrets only through Secrets Manager, plain settings as environment", () => {
    const c = containerOf(json);
    expect(c.secrets).toEqual([
      { name: "DB_USER", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db:username::" },
      { name: "JWT_SECRET", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt" },
    ]);
    expect(c.environment.map((e: { name: string }) => e.name)).toEqual([
      "AWS_REGION",
      "LOG_LEVEL",
      "NODE_ENV",
      "PORT",
    ]);
  });

  it("orders variables by name in code-unit order, the same in every locale", () => {
    // A locale collation puts "_" before letters (DB_HOST < DBX); code units put it after.
    const { json: sorted } = synthRegional({}, { environment: { DB_HOST: "h", DBX: "x", db_lower: "l" } });
    const names = containerOf(sorted).environment.map((e: { name: string }) => e.name);
    expect(names.filter((n: string) => /^db/i.test(n))).toEqual(["DBX", "DB_HOST", "db_lower"]);
  });

  it("refuses a secret-looking plain environment variable", () => {
    expect(() => synthRegional({}, { environment: { DB_PASSWORD: "hunter2" } })).toThrow(
      /environment\.DB_PASSWORD looks like a secret; pass it in secrets/,
    );
  });

  it("logs to a KMS-encrypted group with retention", () => {
    const group = resources(json, "aws_cloudwatch_log_group").find(([, g]) => g.name.endsWith("/api"))![1];
    expect(group.retention_in_days).toBe(365);
    expect(group.kms_key_id).toMatch(/aws_kms_key/);
    expect(containerOf(json).logConfiguration.options["awslogs-region"]).toBe("us-east-1");
  });

  it("has separate execution and task roles; the execution role reads only what it needs", () => {
    const task = only(json, "aws_ecs_task_definition");
    expect(task.execution_role_arn).not.toEqual(task.task_role_arn);
    const policy = JSON.parse(
      resources(json, "aws_iam_role_policy").find(([, p]) => p.name === "start-api-task")![1].policy,
    );
    const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    expect(bySid.PullImage.Resource).toBe("arn:aws:ecr:us-east-1:123456789012:repository/app-api");
    expect(bySid.ReadTaskSecrets.Resource).toEqual([
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
    ]);
    expect(bySid.DecryptTaskSecrets.Resource).toEqual(["arn:kms:key"]);
    expect(policy.Statement.filter((s: any) => s.Resource === "*").map((s: any) => s.Action)).toEqual([
      "ecr:GetAuthorizationToken",
    ]);
  });

  it("runs in private subnets without public IPs, with a circuit breaker and 100/150 deployments", () => {
    const service = only(json, "aws_ecs_service");
    expect(service.network_configuration.assign_public_ip).toBe(false);
    expect(service.network_configuration.subnets.every((s: string) => s.includes("private"))).toBe(true);
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.deployment_minimum_healthy_percent).toBe(100);
    expect(service.deployment_maximum_percent).toBe(150);
    expect(service.lifecycle.ignore_changes).toEqual(["desired_count"]);
    expect(service.load_balancer[0]).toMatchObject({ container_name: "api", container_port: 8080 });
  });

  it("admits traffic only from the load balancer's security group", () => {
    const fromAlb = resources(json, "aws_vpc_security_group_ingress_rule").find(
      ([, r]) => r.from_port === 8080,
    )![1];
    expect(fromAlb.referenced_security_group_id).toMatch(/lb_sg/);
    expect(fromAlb.security_group_id).toMatch(/api_sg/);
  });

  it("scales on CPU 70 %, memory 80 % and requests per target between min and max", () => {
    expect(only(json, "aws_appautoscaling_target")).toMatchObject({
      min_capacity: 2,
      max_capacity: 10,
      resource_id: "service/app-prod-use1-cluster/app-prod-use1-api",
      scalable_dimension: "ecs:service:DesiredCount",
    });
    const targets = Object.fromEntries(
      resources(json, "aws_appautoscaling_policy").map(([, p]) => [
        p.target_tracking_scaling_policy_configuration.predefined_metric_specification.predefined_metric_type,
        p.target_tracking_scaling_policy_configuration,
      ]),
    );
    expect(targets.ECSServiceAverageCPUUtilization.target_value).toBe(70);
    expect(targets.ECSServiceAverageMemoryUtilization.target_value).toBe(80);
    expect(targets.ALBRequestCountPerTarget.predefined_metric_specification.resource_label).toMatch(
      /aws_lb\..*arn_suffix.*\/.*aws_lb_target_group\..*arn_suffix/,
    );
  });

  it("refuses min above max and a mutable tag", () => {
    expect(() => synthRegional({}, { minTasks: 5, maxTasks: 2 })).toThrow(
      /minTasks \(5\) is greater than maxTasks \(2\)/,
    );
    expect(() => synthRegional({}, { image: { repository: "r", tag: "latest" } })).toThrow(
      /image\.tag "latest"/,
    );
  });

  it("connectTo opens exactly one port both ways", () => {
    const egressBefore = resources(json, "aws_vpc_security_group_egress_rule").length;
    const wired = synthRegional({}, {});
    wired.fargate!.connectTo("db", "sg-123", 5432, "the database");
    const after = synthJson(wired.stack);
    const egress = resources(after, "aws_vpc_security_group_egress_rule");
    expect(egress.length).toBe(egressBefore + 1);
    expect(egress.find(([, r]) => r.from_port === 5432)![1].referenced_security_group_id).toBe("sg-123");
    const ingress = resources(after, "aws_vpc_security_group_ingress_rule").find(
      ([, r]) => r.security_group_id === "sg-123",
    );
    expect(ingress![1]).toMatchObject({ from_port: 5432, to_port: 5432 });
  });
});

describe("parseEcrRepository", () => {
  it("takes an ECR URI apart and ignores other registries", () => {
    expect(parseEcrRepository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api")).toEqual({
      accountId: "123456789012",
      region: "eu-west-1",
      name: "team/api",
      arn: "arn:aws:ecr:eu-west-1:123456789012:repository/team/api",
    });
    expect(parseEcrRepository("ghcr.io/org/api")).toBeUndefined();
  });
});

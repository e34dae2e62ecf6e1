import * as fs from "fs";
import * as path from "path";
import { ALL_RULES, findRule } from "../../guardrails";

describe("rule catalog", () => {
  it("has at least 40 rules with unique ids of the form SKY-<AREA>-<NNN>", () => {
    expect(ALL_RULES.length).toBeGreaterThanOrEqual(40);
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SKY-[A-Z0-9]+-\d{3}$/);
  });

  it("gives every rule a one-line description, a why, a fix and resource types", () => {
    for (const rule of ALL_RULES) {
      expect(rule.description).toMatch(/^[A-Z].*\.$/);
      expect(rule.description).not.toContain("\n");
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
      expect(["error", "warning"]).toContain(rule.severity);
    }
  });

  it("uses the public id formats for mappings", () => {
    for (const { mappings } of ALL_RULES) {
      if (mappings.checkov) expect(mappings.checkov).toMatch(/^CKV2?_AWS_\d+$/);
      if (mappings.trivy) expect(mappings.trivy).toMatch(/^AVD-AWS-\d{4}$/);
      if (mappings.cdkNag) expect(mappings.cdkNag).toMatch(/^AwsSolutions-[A-Z0-9]+$/);
    }
  });

  it("covers every resource type the toolkit creates", () => {
    const covered = new Set(ALL_RULES.flatMap((r) => r.resourceTypes));
    const created = [
      "aws_vpc",
      "aws_subnet",
      "aws_default_security_group",
      "aws_security_group",
      "aws_security_group_rule",
      "aws_vpc_security_group_ingress_rule",
      "aws_vpc_security_group_egress_rule",
      "aws_lb",
      "aws_lb_listener",
      "aws_wafv2_web_acl",
      "aws_ecs_cluster",
      "aws_ecs_task_definition",
      "aws_ecs_service",
      "aws_lambda_function",
      "aws_iam_role",
      "aws_iam_policy",
      "aws_iam_role_policy",
      "aws_db_instance",
      "aws_db_proxy",
      "aws_elasticache_replication_group",
      "aws_kms_key",
      "aws_s3_bucket",
      "aws_cloudwatch_log_group",
      "aws_sns_topic",
      "aws_secretsmanager_secret",
      "aws_backup_vault",
      "aws_backup_plan",
      "aws_cloudfront_distribution",
      "aws_eks_cluster",
      "helm_release",
    ];
    expect(created.filter((t) => !covered.has(t))).toEqual([]);
  });

  it("has a passing and a failing fixture test (ruleCase) for every rule", () => {
    const dir = path.join(__dirname, "rules");
    const tested = new Set(
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".test.ts"))
        .flatMap((f) => [...fs.readFileSync(path.join(dir, f), "utf8").matchAll(/ruleCase\("([A-Z0-9-]+)"/g)])
        .map((m) => m[1]),
    );
    expect(ALL_RULES.map((r) => r.id).filter((id) => !tested.has(id))).toEqual([]);
    expect([...tested].filter((id) => !findRule(id))).toEqual([]);
  });
});

import { ALB_TLS_POLICY, ORIGIN_VERIFY_HEADER } from "../../constructs/load-balancer/load-balancer";
import { only, resources } from "../helpers/synth";
import { synthRegional } from "../helpers/regional-fixture";

describe("LoadBalancer", () => {
  const { json } = synthRegional();

  it("is an internet-facing ALB with deletion protection, invalid headers dropped and access logs on", () => {
    const alb = only(json, "aws_lb");
    expect(alb).toMatchObject({
      name: "app-prod-use1-alb",
      internal: false,
      load_balancer_type: "application",
      enable_deletion_protection: true,
      drop_invalid_header_fields: true,
      access_logs: { enabled: true, prefix: "alb" },
    });
    expect(alb.subnets.every((s: string) => s.includes("public"))).toBe(true);
  });

  it("serves HTTPS with a TLS 1.3/1.2 policy and redirects HTTP", () => {
    const listeners = resources(json, "aws_lb_listener").map(([, l]) => l);
    const https = listeners.find((l) => l.port === 443)!;
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: ALB_TLS_POLICY });
    expect(https.certificate_arn).toContain("certificate/test");
    const http = listeners.find((l) => l.port === 80)!;
    expect(http.default_action[0]).toMatchObject({
      type: "redirect",
      redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" },
    });
  });

  it("behind CloudFront: admits only the origin-facing prefix list and requests with the origin secret", () => {
    const ingress = resources(json, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    expect(
      ingress
        .filter((r) => r.security_group_id.includes("lb_sg_"))
        .map((r) => r.from_port)
        .sort(),
    ).toEqual([443, 80]);
    expect(ingress.every((r) => r.prefix_list_id && !r.cidr_ipv4)).toBe(true);
    expect(
      Object.values(json.data!.aws_ec2_managed_prefix_list)
        .map((p: any) => p.name)
        .sort(),
    ).toEqual([
      "com.amazonaws.global.cloudfront.origin-facing",
      "com.amazonaws.us-east-1.route53-healthchecks",
    ]);
    const https = resources(json, "aws_lb_listener").find(([, l]) => l.port === 443)![1];
    expect(https.default_action[0]).toMatchObject({
      type: "fixed-response",
      fixed_response: { status_code: "403" },
    });
    const rule = resources(json, "aws_lb_listener_rule").find(([, r]) => r.priority === 1)![1];
    expect(rule.condition[0].http_header).toEqual({
      http_header_name: ORIGIN_VERIFY_HEADER,
      values: ["${data.aws_secretsmanager_secret_version.origin.secret_string}"],
    });
    expect(rule.action[0].type).toBe("forward");
  });

  it("lets Route 53 health checkers reach only GET /ready, through their own security group", () => {
    const rule = resources(json, "aws_lb_listener_rule").find(([, r]) => r.priority === 2)![1];
    expect(rule.condition).toEqual([
      { path_pattern: { values: ["/ready"] } },
      { http_request_method: { values: ["GET"] } },
    ]);
    const groups = resources(json, "aws_security_group").map(([, g]) => g.name);
    expect(groups).toContain("app-prod-use1-alb-health-checks");
    expect(only(json, "aws_lb").security_groups).toHaveLength(2);
    const { json: refused } = synthRegional({ route53HealthCheckPath: undefined });
    expect(resources(refused, "aws_lb_listener_rule")).toHaveLength(1);
    expect(only(refused, "aws_lb").security_groups).toHaveLength(1);
  });

  it("without CloudFront: 443 from anywhere and forward by default", () => {
    const { json: direct } = synthRegional({ behindCloudFront: false, originVerifySecretValue: undefined });
    const ingress = resources(direct, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    expect(ingress.every((r) => r.cidr_ipv4 === "0.0.0.0/0")).toBe(true);
    expect(resources(direct, "aws_lb_listener_rule")).toHaveLength(0);
    const https = resources(direct, "aws_lb_listener").find(([, l]) => l.port === 443)![1];
    expect(https.default_action[0].type).toBe("forward");
  });

  it("requires the origin secret behind CloudFront", () => {
    expect(() => synthRegional({ originVerifySecretValue: undefined })).toThrow(
      /originVerifySecretValue is required when behindCloudFront is true/,
    );
  });

  it("checks /health every 30 s with a 5 s timeout, healthy 2, unhealthy 3", () => {
    expect(only(json, "aws_lb_target_group").health_check).toMatchObject({
      path: "/health",
      interval: 30,
      timeout: 5,
      healthy_threshold: 2,
      unhealthy_threshold: 3,
    });
  });

  it("logs to a private, versioned, encrypted bucket with lifecycle and TLS-only policy", () => {
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(only(json, "aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    const sse = only(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    expect(only(json, "aws_s3_bucket_lifecycle_configuration").rule[0].expiration).toEqual([{ days: 365 }]);
    const policy = JSON.parse(only(json, "aws_s3_bucket_policy").policy);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("puts a WAF web ACL with a 2,000/5 min per-IP rate limit and managed rules in front", () => {
    const acl = only(json, "aws_wafv2_web_acl");
    expect(acl.scope).toBe("REGIONAL");
    const rules = JSON.parse(acl.rule_json);
    expect(rules[0].Statement.RateBasedStatement).toEqual({ Limit: 2000, AggregateKeyType: "IP" });
    expect(rules.slice(1).map((r: any) => r.Statement.ManagedRuleGroupStatement.Name)).toContain(
      "AWSManagedRulesCommonRuleSet",
    );
    const association = only(json, "aws_wafv2_web_acl_association");
    expect(association.resource_arn).toMatch(/aws_lb\./);
    expect(association.web_acl_arn).toMatch(/aws_wafv2_web_acl\./);
    const logging = only(json, "aws_wafv2_web_acl_logging_configuration");
    expect(logging.log_destination_configs[0]).toMatch(/aws_cloudwatch_log_group\..*waf/);
    const wafLogs = resources(json, "aws_cloudwatch_log_group").find(
      ([, g]) => g.name === "aws-waf-logs-app-prod-use1-alb",
    );
    expect(wafLogs![1]).toMatchObject({ retention_in_days: 365 });
    expect(wafLogs![1].kms_key_id).toMatch(/aws_kms_key/);
  });

  it("refuses names AWS would truncate", () => {
    expect(() => synthRegional({ name: "a-very-long-application-name-prod-use1" })).toThrow(
      /32-character limit/,
    );
  });
});

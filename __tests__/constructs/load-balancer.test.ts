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
    // The origin secret is checked by the WAF, base64 of the secret's value computed by Terraform.
    const rules = JSON.parse(only(json, "aws_wafv2_web_acl").rule_json);
    const origin = rules.find((r: any) => r.Name === "require-origin-header");
    expect(origin.Action).toEqual({ Block: {} });
    const [header] = origin.Statement.AndStatement.Statements;
    expect(header.NotStatement.Statement.ByteMatchStatement).toMatchObject({
      FieldToMatch: { SingleHeader: { Name: ORIGIN_VERIFY_HEADER.toLowerCase() } },
      PositionalConstraint: "EXACTLY",
      SearchString: "${base64encode(data.aws_secretsmanager_secret_version.origin.secret_string)}",
    });
    const logging = only(json, "aws_wafv2_web_acl_logging_configuration");
    expect(logging.redacted_fields).toContainEqual({ single_header: { name: "x-origin-verify" } });
  });

  it("has exactly one forward rule on the HTTPS listener: the production rule, every path", () => {
    // ECS blue/green rewrites one production rule per service; a second forward rule would keep
    // sending its requests to the old target group after a switch.
    const rules = resources(json, "aws_lb_listener_rule").map(([, r]) => r);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      priority: 1,
      condition: [{ path_pattern: { values: ["/*"] } }],
      action: [{ type: "forward" }],
    });
    expect(rules[0].listener_arn).toMatch(/aws_lb_listener\.lb_https_/);
  });

  it("lets Route 53 health checkers reach only GET /ready without the secret, through their own security group", () => {
    const rules = JSON.parse(only(json, "aws_wafv2_web_acl").rule_json);
    const [, open] = rules.find((r: any) => r.Name === "require-origin-header").Statement.AndStatement
      .Statements;
    const [path, method] = open.NotStatement.Statement.AndStatement.Statements;
    expect(path.ByteMatchStatement).toMatchObject({
      FieldToMatch: { UriPath: {} },
      SearchString: Buffer.from("/ready").toString("base64"),
    });
    expect(method.ByteMatchStatement).toMatchObject({
      FieldToMatch: { Method: {} },
      SearchString: Buffer.from("GET").toString("base64"),
    });
    const groups = resources(json, "aws_security_group").map(([, g]) => g.name);
    expect(groups).toContain("app-prod-use1-alb-health-checks");
    expect(only(json, "aws_lb").security_groups).toHaveLength(2);
    const { json: refused } = synthRegional({ route53HealthCheckPath: undefined });
    const refusedRule = JSON.parse(only(refused, "aws_wafv2_web_acl").rule_json).find(
      (r: any) => r.Name === "require-origin-header",
    );
    // The header check alone (WAF's AND needs two statements).
    expect(refusedRule.Statement.NotStatement.Statement.ByteMatchStatement).toBeDefined();
    expect(only(refused, "aws_lb").security_groups).toHaveLength(1);
  });

  it("without CloudFront: 443 from anywhere, the production rule forwards, no origin check", () => {
    const { json: direct } = synthRegional({ behindCloudFront: false, originVerifySecretValue: undefined });
    const ingress = resources(direct, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    expect(ingress.every((r) => r.cidr_ipv4 === "0.0.0.0/0")).toBe(true);
    expect(only(direct, "aws_lb_listener_rule").action[0]).toMatchObject({ type: "forward" });
    const rules = JSON.parse(only(direct, "aws_wafv2_web_acl").rule_json);
    expect(rules.map((r: any) => r.Name)).not.toContain("require-origin-header");
  });

  describe("with test traffic (ECS blue/green, canary, linear)", () => {
    const { json: bg } = synthRegional({ testTraffic: { port: 9443, allowedCidrs: ["100.64.10.0/24"] } });
    const groups = resources(bg, "aws_lb_target_group").map(([, g]) => g);
    const rules = resources(bg, "aws_lb_listener_rule").map(([, r]) => r);

    it("has a primary and an alternate target group with the same health check", () => {
      expect(groups.map((g) => g.name).sort()).toEqual(["app-prod-use1-alt", "app-prod-use1-api"]);
      expect(groups[0].health_check).toEqual(groups[1].health_check);
    });

    it("has one production rule and one test rule, each forwarding 100/0 to the two groups, weights left to ECS", () => {
      expect(rules).toHaveLength(2);
      const listeners = Object.fromEntries(resources(bg, "aws_lb_listener").map(([id, l]) => [id, l.port]));
      const ports = rules
        .map((r) => listeners[/aws_lb_listener\.([^.]+)\.arn/.exec(r.listener_arn)![1]])
        .sort();
      expect(ports).toEqual([443, 9443]);
      for (const rule of rules) {
        expect(rule.condition).toEqual([{ path_pattern: { values: ["/*"] } }]);
        expect(rule.action[0].forward.target_group).toEqual([
          { arn: expect.stringMatching(/lb_api-targets_/), weight: 100 },
          { arn: expect.stringMatching(/lb_api-alternate-targets_/), weight: 0 },
        ]);
        expect(rule.lifecycle).toEqual({ ignore_changes: ["action"] });
      }
    });

    it("serves the test listener over HTTPS only to the allowed ranges", () => {
      const test = resources(bg, "aws_lb_listener").find(([, l]) => l.port === 9443)![1];
      expect(test).toMatchObject({ protocol: "HTTPS", ssl_policy: ALB_TLS_POLICY });
      expect(test.default_action[0].type).toBe("fixed-response");
      const ingress = resources(bg, "aws_vpc_security_group_ingress_rule")
        .map(([, r]) => r)
        .filter((r) => r.from_port === 9443);
      expect(ingress).toEqual([expect.objectContaining({ cidr_ipv4: "100.64.10.0/24", to_port: 9443 })]);
      // The same ranges pass the WAF's origin check (they cannot reach 443: CloudFront's ranges only).
      expect(only(bg, "aws_wafv2_ip_set").addresses).toEqual(["100.64.10.0/24"]);
      const origin = JSON.parse(only(bg, "aws_wafv2_web_acl").rule_json).find(
        (r: any) => r.Name === "require-origin-header",
      );
      expect(origin.Statement.AndStatement.Statements[2].NotStatement.Statement).toEqual({
        IPSetReferenceStatement: { ARN: expect.stringMatching(/aws_wafv2_ip_set\./) },
      });
    });
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
    expect(rules.map((r: any) => r.Priority)).toEqual(rules.map((_: unknown, i: number) => i));
    expect(rules.slice(2).map((r: any) => r.Statement.ManagedRuleGroupStatement.Name)).toContain(
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

import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { alb, httpsListener, redirectListener, webAcl } from "../fixtures";

ruleCase("SKY-ALB-001", {
  pass: (stack) => alb(stack),
  fail: (stack) => alb(stack, { enableDeletionProtection: false }),
});

ruleCase("SKY-ALB-002", {
  pass: (stack) => alb(stack),
  fail: (stack) => alb(stack, { dropInvalidHeaderFields: false }),
});

describe("SKY-ALB-002 scope", () => {
  it("does not apply to network load balancers", () => {
    const { stack } = newStack();
    alb(stack, { loadBalancerType: "network", dropInvalidHeaderFields: undefined });
    expect(findingsOf(stack, "SKY-ALB-002")).toEqual([]);
  });
});

ruleCase("SKY-ALB-003", {
  pass: (stack) => alb(stack),
  fail: (stack) => alb(stack, { accessLogs: { bucket: "logs", enabled: false } }),
});

ruleCase("SKY-ALB-004", {
  pass: (stack) => alb(stack),
  fail: (stack) => alb(stack, {}, { waf: false }),
});

describe("SKY-ALB-004 scope", () => {
  it("does not require a WAF on an internal load balancer", () => {
    const { stack } = newStack();
    new Lb(stack, "internal", { internal: true, enableDeletionProtection: true });
    expect(findingsOf(stack, "SKY-ALB-004")).toEqual([]);
  });
});

ruleCase("SKY-ALB-005", {
  pass: (stack) => httpsListener(stack, alb(stack)),
  fail: (stack) => httpsListener(stack, alb(stack), { sslPolicy: "ELBSecurityPolicy-2016-08" }),
});

describe("SKY-ALB-005 default policy", () => {
  it("flags an HTTPS listener that leaves ssl_policy at the provider default", () => {
    const { stack } = newStack();
    httpsListener(stack, alb(stack), { sslPolicy: undefined });
    expect(findingsOf(stack, "SKY-ALB-005")[0].message).toContain("ELBSecurityPolicy-2016-08");
  });
});

ruleCase("SKY-ALB-006", {
  pass: (stack) => redirectListener(stack, alb(stack)),
  fail: (stack) =>
    new LbListener(stack, "http", {
      loadBalancerArn: alb(stack).arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [
        { type: "redirect", redirect: { protocol: "HTTP", port: "8080", statusCode: "HTTP_301" } },
      ],
    }),
});

ruleCase("SKY-WAF-001", {
  pass: (stack) => webAcl(stack),
  fail: (stack) =>
    new Wafv2WebAcl(stack, "empty", {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudwatchMetricsEnabled: false,
        metricName: "empty",
        sampledRequestsEnabled: false,
      },
    }),
});

describe("SKY-WAF-001 rule_json", () => {
  const acl = (ruleJson: string) => ({
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "acl", sampledRequestsEnabled: true },
    ruleJson,
  });
  it("counts rules written as rule_json", () => {
    const { stack } = newStack();
    new Wafv2WebAcl(stack, "acl", acl(JSON.stringify([{ Name: "common", Priority: 1 }])));
    expect(findingsOf(stack, "SKY-WAF-001")).toEqual([]);
  });
  it("flags an empty rule_json list", () => {
    const { stack } = newStack();
    new Wafv2WebAcl(stack, "acl", acl("[]"));
    expect(findingsOf(stack, "SKY-WAF-001")[0].message).toContain("has no rules");
  });
});

ruleCase("SKY-WAF-002", {
  pass: (stack) => {
    const acl = webAcl(stack);
    new Wafv2WebAclLoggingConfiguration(stack, "acl-logs", {
      resourceArn: acl.arn,
      logDestinationConfigs: ["arn:aws:logs:eu-west-1:111122223333:log-group:aws-waf-logs-x"],
    });
  },
  fail: (stack) => webAcl(stack),
});

ruleCase("SKY-ALB-007", {
  pass: (stack) =>
    new LbTargetGroup(stack, "tls", { port: 8443, protocol: "HTTPS", targetType: "ip", vpcId: "vpc-1" }),
  fail: (stack) =>
    new LbTargetGroup(stack, "plain", { port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" }),
});

describe("SKY-ALB-007 (CKV_AWS_378) scope", () => {
  it("flags a target group that speaks HTTP to its targets and passes HTTPS and Lambda targets", () => {
    const { stack } = newStack();
    const plain = new LbTargetGroup(stack, "plain", {
      port: 8080,
      protocol: "HTTP",
      targetType: "ip",
      vpcId: "vpc-1",
    });
    new LbTargetGroup(stack, "tls", { port: 8443, protocol: "HTTPS", targetType: "ip", vpcId: "vpc-1" });
    new LbTargetGroup(stack, "fn", { targetType: "lambda" });
    const findings = findingsOf(stack, "SKY-ALB-007");
    expect(findings.map((f) => f.constructPath)).toEqual([plain.node.path]);
    expect(findings[0].severity).toBe("warning");
    expect(findings[0].message).toContain("plaintext from the load balancer to the targets");
  });
});

/**
 * Compliant building blocks for rule fixtures. Each takes overrides so a failing fixture changes
 * exactly the attribute its rule is about.
 */
import type { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { SecurityGroup, type SecurityGroupConfig } from "@cdktf/provider-aws/lib/security-group";
import { Lb, type LbConfig } from "@cdktf/provider-aws/lib/lb";
import { LbListener, type LbListenerConfig } from "@cdktf/provider-aws/lib/lb-listener";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";

export function key(scope: Construct, id = "key"): KmsKey {
  return new KmsKey(scope, id, { description: "test key", enableKeyRotation: true });
}

/** A VPC with a flow log and a closed default security group. */
export function vpc(scope: Construct, options: { flowLog?: boolean; closeDefault?: boolean } = {}): Vpc {
  const v = new Vpc(scope, "vpc", { cidrBlock: "10.0.0.0/16" });
  if (options.flowLog !== false) {
    new FlowLog(scope, "flow-log", { vpcId: v.id, trafficType: "ALL", logDestination: "arn:aws:logs:x" });
  }
  if (options.closeDefault !== false) new DefaultSecurityGroup(scope, "default-sg", { vpcId: v.id });
  return v;
}

export function securityGroup(scope: Construct, id: string, overrides: Partial<SecurityGroupConfig> = {}) {
  return new SecurityGroup(scope, id, { description: "ALB: HTTPS from the internet", ...overrides });
}

export function webAcl(scope: Construct): Wafv2WebAcl {
  return new Wafv2WebAcl(scope, "acl", {
    name: "acl",
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "acl", sampledRequestsEnabled: true },
    rule: [
      {
        name: "common",
        priority: 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { name: "AWSManagedRulesCommonRuleSet", vendorName: "AWS" } },
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          metricName: "common",
          sampledRequestsEnabled: true,
        },
      },
    ],
  });
}

/** An internet-facing ALB that satisfies every ALB rule (logs, protection, WAF). */
export function alb(
  scope: Construct,
  overrides: Partial<LbConfig> = {},
  options: { waf?: boolean } = {},
): Lb {
  const logs = new S3Bucket(scope, "alb-logs", { bucket: "alb-logs" });
  const lb = new Lb(scope, "alb", {
    name: "alb",
    internal: false,
    loadBalancerType: "application",
    enableDeletionProtection: true,
    dropInvalidHeaderFields: true,
    accessLogs: { bucket: logs.bucket, enabled: true },
    ...overrides,
  });
  if (options.waf !== false) {
    new Wafv2WebAclAssociation(scope, "acl-association", {
      resourceArn: lb.arn,
      webAclArn: webAcl(scope).arn,
    });
  }
  return lb;
}

export function httpsListener(scope: Construct, lb: Lb, overrides: Partial<LbListenerConfig> = {}) {
  return new LbListener(scope, "https", {
    loadBalancerArn: lb.arn,
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/abc",
    defaultAction: [
      { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } },
    ],
    ...overrides,
  });
}

export function redirectListener(scope: Construct, lb: Lb) {
  return new LbListener(scope, "http", {
    loadBalancerArn: lb.arn,
    port: 80,
    protocol: "HTTP",
    defaultAction: [
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ],
  });
}

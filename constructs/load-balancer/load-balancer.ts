import { DataAwsEc2ManagedPrefixList } from "@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list";
import { DataAwsElbServiceAccount } from "@cdktf/provider-aws/lib/data-aws-elb-service-account";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Construct } from "constructs";
import { Guardrails } from "../../guardrails";
import type { Network } from "../network/network";
import { PrivateBucket } from "../private-bucket/private-bucket";
import { WebAcl } from "../web-acl/web-acl";

/** Header CloudFront adds to every origin request; the ALB refuses requests without it. */
export const ORIGIN_VERIFY_HEADER = "X-Origin-Verify";
/** TLS 1.3 with TLS 1.2 fallback, forward-secret ciphers only. */
export const ALB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface HealthCheckSettings {
  /** @default "/health" */
  readonly path?: string;
  /** @default 30 */
  readonly intervalSeconds?: number;
  /** @default 5 */
  readonly timeoutSeconds?: number;
  /** @default 2 */
  readonly healthyThreshold?: number;
  /** @default 3 */
  readonly unhealthyThreshold?: number;
}

/**
 * Why the ALB → task hop is HTTP (CKV_AWS_378). TLS ends at the ALB; the hop stays in the VPC's
 * private subnets, to a port that the task's security group opens to the ALB's security group only.
 * The ALB does not validate a target's certificate, so a certificate in the container would encrypt
 * the hop without proving who answers. A regime that requires encryption to the task needs the
 * container to serve TLS and this target group (and its health check) switched to HTTPS.
 */
export const TARGET_HTTP_REASON =
  "TLS ends at the ALB; ALB-to-task traffic stays in private subnets on a port only the ALB's security group may reach, and the ALB does not validate target certificates";

export interface LoadBalancerProps {
  /** Name prefix, e.g. `skyline-production-use1`; the ALB is `<name>-alb` (at most 32 characters). */
  readonly name: string;
  readonly network: Network;
  /** Region of the load balancer (names the Route 53 health-checker prefix list). */
  readonly region: string;
  /** ARN of a validated ACM certificate for the HTTPS listener. */
  readonly certificateArn: string;
  /** Port the targets listen on. @default 8080 */
  readonly targetPort?: number;
  readonly healthCheck?: HealthCheckSettings;
  /**
   * Admit only CloudFront's origin-facing address ranges, and only requests carrying the origin
   * secret header. Set false for an ALB that serves clients directly (443 from anywhere).
   * @default true
   */
  readonly behindCloudFront?: boolean;
  /**
   * The origin secret's value, as a reference to Secrets Manager (never a literal).
   * Required when `behindCloudFront` is true.
   */
  readonly originVerifySecretValue?: string;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** Access-log retention in days. @default 365 */
  readonly accessLogRetentionDays?: number;
  /** WAF rate limit per client IP per 5 minutes. @default 2000 */
  readonly wafRateLimitPer5Min?: number;
  /**
   * Path Route 53 health checkers may reach over HTTPS without the origin secret (they cannot
   * send headers). Only used behind CloudFront; set undefined to refuse them. @default "/ready"
   */
  readonly route53HealthCheckPath?: string;
  /**
   * A second target group and a test listener for ECS blue/green, canary and linear deployments:
   * green registers in the alternate group and is reachable on `port` (HTTPS) only from
   * `allowedCidrs` before any user traffic moves. @default none (one target group, rolling updates)
   */
  readonly testTraffic?: TestTrafficSettings;
}

export interface TestTrafficSettings {
  /** HTTPS port of the test listener, e.g. 9443. */
  readonly port: number;
  /** IPv4 ranges of the deploy pipeline and operators; nothing else may reach the test listener. */
  readonly allowedCidrs: readonly string[];
}

/**
 * An internet-facing ALB: HTTPS only (HTTP redirects), WAF in front, access logs kept, invalid
 * headers dropped, and, behind CloudFront, reachable only from CloudFront with the origin secret.
 *
 * The HTTPS listener has exactly one forward rule, the production rule (every path): ECS blue/green
 * shifts traffic by rewriting the weights of one production rule per service, so a second forward
 * rule (such as one for Route 53's health checks) would keep sending its requests to the old
 * target group after a switch. What used to need a second rule is the WAF's job: it blocks
 * requests without the origin secret except Route 53's `GET <route53HealthCheckPath>`.
 */
export class LoadBalancer extends Construct {
  readonly alb: Lb;
  readonly httpsListener: LbListener;
  readonly targetGroup: LbTargetGroup;
  readonly securityGroup: SecurityGroup;
  /** Admits Route 53 health checkers (their prefix list is too large to share a group with CloudFront's). */
  readonly healthCheckSecurityGroup?: SecurityGroup;
  readonly accessLogs: PrivateBucket;
  readonly webAcl: WebAcl;
  readonly albName: string;
  readonly targetGroupName: string;
  /** The one forward rule of the HTTPS listener (every path). */
  readonly productionRule: LbListenerRule;
  /** Green's target group in a blue/green, canary or linear deployment (with `testTraffic`). */
  readonly alternateTargetGroup?: LbTargetGroup;
  readonly alternateTargetGroupName?: string;
  /** HTTPS listener on the test port (with `testTraffic`). */
  readonly testListener?: LbListener;
  /** The test listener's one forward rule: ECS points it at green before the switch. */
  readonly testRule?: LbListenerRule;
  readonly testListenerPort?: number;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { name, network } = props;
    this.albName = `${name}-alb`;
    this.targetGroupName = `${name}-api`;
    const testTraffic = props.testTraffic;
    // As long as the primary's name, so it adds no length limit of its own.
    if (testTraffic) this.alternateTargetGroupName = `${name}-alt`;
    for (const [prop, value] of [
      ["name", this.albName],
      ["name", this.targetGroupName],
      ...(this.alternateTargetGroupName ? [["name", this.alternateTargetGroupName]] : []),
    ]) {
      if (value.length > 32) {
        throw new Error(
          `LoadBalancer: ${prop} "${value}" exceeds AWS's 32-character limit; shorten the app or environment name`,
        );
      }
    }
    const behindCloudFront = props.behindCloudFront ?? true;
    if (behindCloudFront && !props.originVerifySecretValue) {
      throw new Error(
        `LoadBalancer ${name}: originVerifySecretValue is required when behindCloudFront is true (pass the Secrets Manager value reference)`,
      );
    }
    const targetPort = props.targetPort ?? 8080;
    const hc = props.healthCheck ?? {};

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${name}-alb`,
      description: behindCloudFront
        ? `ALB ${this.albName}: HTTPS from CloudFront origin-facing ranges only`
        : `ALB ${this.albName}: HTTPS from the internet`,
      vpcId: network.vpcId,
      tags: { Name: `${name}-alb` },
      // Rules are separate resources so the service can add its own without replacing the group.
      lifecycle: { createBeforeDestroy: true },
    });
    const source = behindCloudFront
      ? {
          prefixListId: new DataAwsEc2ManagedPrefixList(this, "cloudfront-origin-facing", {
            name: "com.amazonaws.global.cloudfront.origin-facing",
          }).id,
        }
      : { cidrIpv4: "0.0.0.0/0" };
    for (const port of [443, 80]) {
      new VpcSecurityGroupIngressRule(this, `ingress-${port}`, {
        securityGroupId: this.securityGroup.id,
        description: port === 443 ? "HTTPS from clients" : "HTTP, redirected to HTTPS",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        ...source,
      });
    }

    const route53Path = "route53HealthCheckPath" in props ? props.route53HealthCheckPath : "/ready";
    if (behindCloudFront && route53Path) {
      // Security groups count a prefix list by its weight: CloudFront's (55) and Route 53's (25)
      // together exceed the 60-rule default, so health checkers get their own group.
      this.healthCheckSecurityGroup = new SecurityGroup(this, "health-check-sg", {
        name: `${name}-alb-health-checks`,
        description: `ALB ${this.albName}: HTTPS from Route 53 health checkers`,
        vpcId: network.vpcId,
        tags: { Name: `${name}-alb-health-checks` },
        lifecycle: { createBeforeDestroy: true },
      });
      new VpcSecurityGroupIngressRule(this, "ingress-route53-health-checks", {
        securityGroupId: this.healthCheckSecurityGroup.id,
        description: "HTTPS from Route 53 health checkers",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        prefixListId: new DataAwsEc2ManagedPrefixList(this, "route53-health-checks", {
          name: `com.amazonaws.${props.region}.route53-healthchecks`,
        }).id,
      });
    }

    const elbAccount = new DataAwsElbServiceAccount(this, "elb-account", {});
    this.accessLogs = new PrivateBucket(this, "access-logs", {
      name: `${name}-alb-logs`,
      // ALB log delivery supports only SSE-S3.
      expireAfterDays: props.accessLogRetentionDays ?? 365,
      policyStatements: [
        {
          Sid: "AlbLogDelivery",
          Effect: "Allow",
          Principal: { AWS: elbAccount.arn },
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${name}-alb-logs/alb/*`,
        },
        {
          Sid: "AlbLogDeliveryService",
          Effect: "Allow",
          Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::${name}-alb-logs/alb/*`,
        },
      ],
    });

    Guardrails.suppress(
      this.accessLogs.bucket,
      "SKY-S3-004",
      "ALB access-log delivery supports only SSE-S3 (AES256) buckets",
    );
    Guardrails.suppress(
      this.accessLogs.bucket,
      "SKY-S3-005",
      "This bucket holds access logs itself; logging its reads would need yet another bucket",
    );

    this.alb = new Lb(this, "alb", {
      name: this.albName,
      loadBalancerType: "application",
      internal: false,
      subnets: network.subnetIds("public"),
      securityGroups: [
        this.securityGroup.id,
        ...(this.healthCheckSecurityGroup ? [this.healthCheckSecurityGroup.id] : []),
      ],
      enableDeletionProtection: props.deletionProtection ?? true,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableHttp2: true,
      idleTimeout: 60,
      accessLogs: { bucket: this.accessLogs.name, prefix: "alb", enabled: true },
      tags: { Name: this.albName },
      // Log delivery is checked when access logs are enabled: the policy must exist first.
      dependsOn: [this.accessLogs.policy],
    });

    const targetGroup = (id: string, tgName: string) => {
      const group = new LbTargetGroup(this, id, {
        name: tgName,
        vpcId: network.vpcId,
        port: targetPort,
        protocol: "HTTP",
        targetType: "ip",
        deregistrationDelay: "30",
        healthCheck: {
          enabled: true,
          path: hc.path ?? "/health",
          protocol: "HTTP",
          port: "traffic-port",
          matcher: "200",
          interval: hc.intervalSeconds ?? 30,
          timeout: hc.timeoutSeconds ?? 5,
          healthyThreshold: hc.healthyThreshold ?? 2,
          unhealthyThreshold: hc.unhealthyThreshold ?? 3,
        },
        lifecycle: { createBeforeDestroy: true },
      });
      Guardrails.suppress(group, "SKY-ALB-007", TARGET_HTTP_REASON);
      return group;
    };
    this.targetGroup = targetGroup("api-targets", this.targetGroupName);
    if (this.alternateTargetGroupName) {
      this.alternateTargetGroup = targetGroup("api-alternate-targets", this.alternateTargetGroupName);
    }

    new LbListener(this, "http", {
      loadBalancerArn: this.alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    });
    const forbidden = [
      {
        type: "fixed-response",
        fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" },
      },
    ];
    this.httpsListener = new LbListener(this, "https", {
      loadBalancerArn: this.alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: ALB_TLS_POLICY,
      certificateArn: props.certificateArn,
      // Unreachable while the production rule matches every path; refuses if the rule is removed.
      defaultAction: forbidden,
    });
    // With an alternate group, forward to both (100/0): ECS moves the weights during a deployment,
    // and Terraform leaves them as ECS set them (ignore_changes), or the next apply would move
    // traffic back to whichever group the code names.
    const forward = (primaryWeight: number) => [
      this.alternateTargetGroup
        ? {
            type: "forward",
            forward: {
              targetGroup: [
                { arn: this.targetGroup.arn, weight: primaryWeight },
                { arn: this.alternateTargetGroup.arn, weight: 100 - primaryWeight },
              ],
            },
          }
        : { type: "forward", targetGroupArn: this.targetGroup.arn },
    ];
    const everyPath = [{ pathPattern: { values: ["/*"] } }];
    const managedByEcs = this.alternateTargetGroup ? { lifecycle: { ignoreChanges: ["action"] } } : {};
    this.productionRule = new LbListenerRule(this, "production", {
      listenerArn: this.httpsListener.arn,
      priority: 1,
      condition: everyPath,
      action: forward(100),
      ...managedByEcs,
    });

    if (testTraffic) {
      this.testListenerPort = testTraffic.port;
      for (const cidr of testTraffic.allowedCidrs) {
        new VpcSecurityGroupIngressRule(this, `ingress-test-${cidr.replace(/[./]/g, "-")}`, {
          securityGroupId: this.securityGroup.id,
          description: `Test listener (green before the switch) from ${cidr}`,
          ipProtocol: "tcp",
          fromPort: testTraffic.port,
          toPort: testTraffic.port,
          cidrIpv4: cidr,
        });
      }
      this.testListener = new LbListener(this, "test", {
        loadBalancerArn: this.alb.arn,
        port: testTraffic.port,
        protocol: "HTTPS",
        sslPolicy: ALB_TLS_POLICY,
        certificateArn: props.certificateArn,
        defaultAction: forbidden,
      });
      this.testRule = new LbListenerRule(this, "test-rule", {
        listenerArn: this.testListener.arn,
        priority: 1,
        condition: everyPath,
        action: forward(100),
        ...managedByEcs,
      });
    }

    this.webAcl = new WebAcl(this, "waf", {
      name: `${name}-alb`,
      scope: "REGIONAL",
      rateLimitPer5Min: props.wafRateLimitPer5Min,
      logging: { kmsKeyArn: network.logKey.arn, retentionDays: props.accessLogRetentionDays ?? 365 },
      ...(behindCloudFront
        ? {
            requiredHeader: {
              headerName: ORIGIN_VERIFY_HEADER,
              headerValue: props.originVerifySecretValue!,
              openPaths: route53Path ? [{ method: "GET", path: route53Path }] : [],
              // The test listener admits only these ranges; they test green without the secret.
              trustedCidrs: testTraffic?.allowedCidrs ?? [],
            },
          }
        : {}),
    });
    new Wafv2WebAclAssociation(this, "waf-association", {
      resourceArn: this.alb.arn,
      webAclArn: this.webAcl.arn,
    });
  }
}

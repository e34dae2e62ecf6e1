import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";

export interface WebAclProps {
  readonly name: string;
  /** `REGIONAL` for load balancers; `CLOUDFRONT` for distributions (must be created in us-east-1). */
  readonly scope: "REGIONAL" | "CLOUDFRONT";
  /** Requests per client IP per 5 minutes before it is blocked. @default 2000 */
  readonly rateLimitPer5Min?: number;
  /** AWS managed rule groups to apply, in order. @default common rule set, known bad inputs, IP reputation */
  readonly managedRuleGroups?: readonly string[];
  /** Provider, e.g. the us-east-1 alias for CLOUDFRONT scope. @default the stack's provider */
  readonly provider?: TerraformProvider;
  /** Request logs: a KMS key (in the ACL's region, usable by CloudWatch Logs) and retention. */
  readonly logging: { readonly kmsKeyArn: string; readonly retentionDays?: number };
}

export const DEFAULT_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
] as const;

/**
 * A WAFv2 web ACL: a per-IP rate limit first, then AWS managed rule groups. Rules are written in
 * the WAF API's own JSON (`rule_json`), which the provider passes through unchanged.
 */
export class WebAcl extends Construct {
  readonly acl: Wafv2WebAcl;
  readonly arn: string;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const visibility = (metric: string) => ({
      SampledRequestsEnabled: true,
      CloudWatchMetricsEnabled: true,
      MetricName: metric,
    });
    const rateLimit = props.rateLimitPer5Min ?? 2000;
    if (rateLimit < 10)
      throw new Error(`WebAcl ${props.name}: rateLimitPer5Min must be at least 10 (WAF's minimum)`);
    const rules: object[] = [
      {
        Name: "rate-limit-per-ip",
        Priority: 0,
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: rateLimit, AggregateKeyType: "IP" } },
        VisibilityConfig: visibility(`${props.name}-rate-limit`),
      },
      ...(props.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS).map((group, i) => ({
        Name: group,
        Priority: i + 1,
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: group } },
        VisibilityConfig: visibility(`${props.name}-${group}`),
      })),
    ];
    this.acl = new Wafv2WebAcl(this, "acl", {
      provider: props.provider,
      name: props.name,
      description: `skyline ${props.scope.toLowerCase()} web ACL`,
      scope: props.scope,
      defaultAction: { allow: {} },
      ruleJson: JSON.stringify(rules),
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: props.name,
      },
    });
    this.arn = this.acl.arn;

    // WAF accepts only log groups whose name starts with `aws-waf-logs-`.
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      provider: props.provider,
      name: `aws-waf-logs-${props.name}`,
      retentionInDays: props.logging.retentionDays ?? 365,
      kmsKeyId: props.logging.kmsKeyArn,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      provider: props.provider,
      resourceArn: this.acl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      // Never log credentials.
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
    });
  }
}

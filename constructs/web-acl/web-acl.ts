import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Wafv2IpSet } from "@cdktf/provider-aws/lib/wafv2-ip-set";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Fn, Token, type TerraformProvider } from "../../engine";
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
  /**
   * Block every request that does not carry `headerName: headerValue` (the CDN's origin secret),
   * except the `openPaths` (method and exact path, for health checkers that cannot send headers)
   * and requests from `trustedCidrs`. The header is also redacted from the request logs.
   * @default no such rule
   */
  readonly requiredHeader?: RequiredHeader;
}

export interface RequiredHeader {
  readonly headerName: string;
  /** The expected value: a reference to a secret, never a literal. */
  readonly headerValue: string;
  /** @default none */
  readonly openPaths?: readonly { readonly method: string; readonly path: string }[];
  /** IPv4 ranges exempt from the header (e.g. the deploy pipeline testing green). @default none */
  readonly trustedCidrs?: readonly string[];
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
  /** The ranges exempt from `requiredHeader`, when any are given. */
  readonly trustedIpSet?: Wafv2IpSet;

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
    const required = props.requiredHeader;
    if (required?.trustedCidrs?.length) {
      this.trustedIpSet = new Wafv2IpSet(this, "trusted", {
        provider: props.provider,
        name: `${props.name}-trusted`,
        description: `Ranges exempt from the ${required.headerName} check (deploy pipeline and operators)`,
        scope: props.scope,
        ipAddressVersion: "IPV4",
        addresses: [...required.trustedCidrs],
      });
    }
    const ownRules: object[] = [
      {
        Name: "rate-limit-per-ip",
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: rateLimit, AggregateKeyType: "IP" } },
        VisibilityConfig: visibility(`${props.name}-rate-limit`),
      },
      ...(required
        ? [
            {
              Name: "require-origin-header",
              Action: { Block: {} },
              Statement: requiredHeaderStatement(required, this.trustedIpSet?.arn),
              VisibilityConfig: visibility(`${props.name}-require-origin-header`),
            },
          ]
        : []),
    ];
    const rules: object[] = [
      ...ownRules.map((rule, i) => ({ ...rule, Priority: i })),
      ...(props.managedRuleGroups ?? DEFAULT_MANAGED_RULE_GROUPS).map((group, i) => ({
        Name: group,
        Priority: i + ownRules.length,
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
      redactedFields: [
        { singleHeader: { name: "authorization" } },
        { singleHeader: { name: "cookie" } },
        ...(required ? [{ singleHeader: { name: required.headerName.toLowerCase() } }] : []),
      ],
    });
  }
}

/**
 * NOT header AND NOT open path AND NOT trusted source: what the required-header rule blocks.
 * Byte-match search strings are blobs in the WAF API's JSON, hence base64 (of the secret's value,
 * computed by Terraform so the value never appears in the synthesized JSON).
 */
function requiredHeaderStatement(required: RequiredHeader, trustedIpSetArn?: string): object {
  const exactly = (fieldToMatch: object, base64: string) => ({
    ByteMatchStatement: {
      FieldToMatch: fieldToMatch,
      PositionalConstraint: "EXACTLY",
      SearchString: base64,
      TextTransformations: [{ Priority: 0, Type: "NONE" }],
    },
  });
  const not = (statement: object) => ({ NotStatement: { Statement: statement } });
  const literal = (text: string) => Buffer.from(text, "utf8").toString("base64");
  const statements: object[] = [
    not(
      exactly(
        { SingleHeader: { Name: required.headerName.toLowerCase() } },
        // A secret's reference is encoded by Terraform at apply; a literal (tests) here.
        Token.isUnresolved(required.headerValue)
          ? Fn.base64encode(required.headerValue)
          : literal(required.headerValue),
      ),
    ),
    ...(required.openPaths ?? []).map((open) =>
      not({
        AndStatement: {
          Statements: [
            exactly({ UriPath: {} }, literal(open.path)),
            exactly({ Method: {} }, literal(open.method.toUpperCase())),
          ],
        },
      }),
    ),
    ...(trustedIpSetArn ? [not({ IPSetReferenceStatement: { ARN: trustedIpSetArn } })] : []),
  ];
  // WAF's AND takes two statements or more.
  return statements.length === 1 ? statements[0] : { AndStatement: { Statements: statements } };
}

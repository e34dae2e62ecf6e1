import { blocks, block, isExpression, isTrue, type Attrs } from "../model";
import type { Rule } from "./rule-kit";

/** Rules from `rule` blocks plus `rule_json` (the WAF API's JSON, passed through by the provider). */
function ruleCount(attrs: Attrs): number {
  const json = attrs.rule_json;
  if (isExpression(json)) return Number.POSITIVE_INFINITY; // built at apply time; cannot count
  let fromJson = 0;
  if (typeof json === "string") {
    try {
      const parsed: unknown = JSON.parse(json);
      fromJson = Array.isArray(parsed) ? parsed.length : 0;
    } catch {
      fromJson = 0;
    }
  }
  return blocks(attrs.rule).length + fromJson;
}

export const wafRules: Rule[] = [
  {
    id: "SKY-WAF-001",
    severity: "error",
    description: "WAFv2 web ACLs contain at least one rule and publish CloudWatch metrics.",
    why: "An empty web ACL only applies its default action, and without metrics nobody sees what it blocks.",
    fix: "Add managed rule groups (e.g. AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet) as `rule` blocks or `rule_json`, and set `visibility_config { cloudwatch_metrics_enabled = true }`.",
    resourceTypes: ["aws_wafv2_web_acl"],
    mappings: {},
    check: ({ attrs }) => {
      const problems: string[] = [];
      if (ruleCount(attrs) === 0) problems.push("the web ACL has no rules");
      if (!isTrue(block(attrs.visibility_config).cloudwatch_metrics_enabled)) {
        problems.push("visibility_config.cloudwatch_metrics_enabled is not true");
      }
      return problems;
    },
  },
  {
    id: "SKY-WAF-002",
    severity: "warning",
    description: "WAFv2 web ACLs log their requests.",
    why: "WAF logs show which rule blocked which request: the evidence for tuning false positives and for incident review.",
    fix: "Add an `aws_wafv2_web_acl_logging_configuration` whose `resource_arn` is the web ACL.",
    resourceTypes: ["aws_wafv2_web_acl"],
    mappings: { checkov: "CKV2_AWS_31" },
    check: (acl, { stack }) =>
      stack
        .referrers(acl, "aws_wafv2_web_acl_logging_configuration")
        .some((l) => stack.references(l.attrs.resource_arn, acl))
        ? undefined
        : "no aws_wafv2_web_acl_logging_configuration for this web ACL",
  },
];

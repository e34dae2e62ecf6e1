import { block, blocks, isSet, isTrue, type Attrs } from "../model";
import type { Rule } from "./rule-kit";

const DISTRIBUTION = ["aws_cloudfront_distribution"];
const MODERN_VIEWER_TLS = ["TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];

const behaviors = (attrs: Attrs): Attrs[] => [
  ...blocks(attrs.default_cache_behavior),
  ...blocks(attrs.ordered_cache_behavior),
];
const behaviorName = (b: Attrs) =>
  isSet(b.path_pattern) ? `behavior "${String(b.path_pattern)}"` : "default behavior";

export const cloudfrontRules: Rule[] = [
  {
    id: "SKY-CF-001",
    severity: "error",
    description: "CloudFront viewers must use TLS 1.2 or newer.",
    why: "The default certificate and older security policies still accept TLS 1.0/1.1 from viewers.",
    fix: 'Use an ACM certificate with `viewer_certificate { minimum_protocol_version = "TLSv1.2_2021", ssl_support_method = "sni-only" }`.',
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV_AWS_174", trivy: "AVD-AWS-0013", cdkNag: "AwsSolutions-CFR4" },
    check: ({ attrs }) => {
      const certificate = block(attrs.viewer_certificate);
      if (isTrue(certificate.cloudfront_default_certificate))
        return "uses the default certificate (allows TLSv1)";
      return MODERN_VIEWER_TLS.includes(String(certificate.minimum_protocol_version))
        ? undefined
        : `minimum_protocol_version is ${String(certificate.minimum_protocol_version ?? "unset")}`;
    },
  },
  {
    id: "SKY-CF-002",
    severity: "error",
    description: "CloudFront cache behaviors serve viewers over HTTPS only.",
    why: "allow-all serves pages and cookies in plaintext to anyone who follows an http:// link.",
    fix: 'Set `viewer_protocol_policy = "redirect-to-https"` (or "https-only") on every cache behavior.',
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV_AWS_34", trivy: "AVD-AWS-0012" },
    check: ({ attrs }) =>
      behaviors(attrs)
        .filter((b) => !["redirect-to-https", "https-only"].includes(String(b.viewer_protocol_policy)))
        .map((b) => `${behaviorName(b)} has viewer_protocol_policy ${String(b.viewer_protocol_policy)}`),
  },
  {
    id: "SKY-CF-003",
    severity: "error",
    description: "CloudFront distributions are protected by a WAFv2 web ACL.",
    why: "The edge WAF stops floods and common exploits before they cost origin capacity in every region.",
    fix: "Set `web_acl_id` to the ARN of a CLOUDFRONT-scope `aws_wafv2_web_acl` (created with a us-east-1 provider).",
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV_AWS_68", trivy: "AVD-AWS-0011", cdkNag: "AwsSolutions-CFR2" },
    check: ({ attrs }) => (isSet(attrs.web_acl_id) ? undefined : "web_acl_id is not set"),
  },
  {
    id: "SKY-CF-004",
    severity: "error",
    description: "CloudFront distributions write access logs.",
    why: "Edge access logs are the only record of requests CloudFront answered from cache without reaching the origin.",
    fix: "Set `logging_config { bucket = <log bucket domain name> }`, or add standard logging v2 (`aws_cloudwatch_log_delivery_source` for the distribution).",
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV_AWS_86", trivy: "AVD-AWS-0010", cdkNag: "AwsSolutions-CFR3" },
    check: (distribution, { stack }) => {
      if (isSet(block(distribution.attrs.logging_config).bucket)) return undefined;
      const v2 = stack
        .referrers(distribution, "aws_cloudwatch_log_delivery_source")
        .some((s) => stack.references(s.attrs.resource_arn, distribution));
      return v2 ? undefined : "neither logging_config nor a log delivery source is set";
    },
  },
  {
    id: "SKY-CF-005",
    severity: "error",
    description: "CloudFront distributions fail over between origins (an origin group).",
    why: "With one origin, a regional outage is a global outage; an origin group retries the secondary region on 5xx.",
    fix: "Add an `origin_group` with primary and secondary members and `failover_criteria { status_codes = [500, 502, 503, 504] }`, and target it from the default behavior.",
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV_AWS_310" },
    check: ({ attrs }) => (blocks(attrs.origin_group).length > 0 ? undefined : "no origin_group"),
  },
  {
    id: "SKY-CF-006",
    severity: "error",
    description: "CloudFront cache behaviors add security headers (a response headers policy).",
    why: "HSTS, X-Content-Type-Options, frame options and a referrer policy close whole classes of browser attacks.",
    fix: "Set `response_headers_policy_id` on every cache behavior (e.g. the managed SecurityHeadersPolicy or an `aws_cloudfront_response_headers_policy` with security_headers_config).",
    resourceTypes: DISTRIBUTION,
    mappings: { checkov: "CKV2_AWS_32" },
    check: ({ attrs }) =>
      behaviors(attrs)
        .filter((b) => !isSet(b.response_headers_policy_id))
        .map((b) => `${behaviorName(b)} has no response_headers_policy_id`),
  },
  {
    id: "SKY-CF-007",
    severity: "error",
    description: "CloudFront talks to custom origins over TLS 1.2 only.",
    why: "http-only or match-viewer origin policies, or SSLv3/TLSv1 origin protocols, expose traffic between the edge and the ALB.",
    fix: 'Set `custom_origin_config { origin_protocol_policy = "https-only", origin_ssl_protocols = ["TLSv1.2"] }` on every origin.',
    resourceTypes: DISTRIBUTION,
    mappings: { cdkNag: "AwsSolutions-CFR5" },
    check: ({ attrs }) =>
      blocks(attrs.origin).flatMap((origin) => {
        const config = blocks(origin.custom_origin_config)[0];
        if (!config) return [];
        const protocols = Array.isArray(config.origin_ssl_protocols)
          ? config.origin_ssl_protocols.map(String)
          : [];
        const id = String(origin.origin_id ?? "?");
        if (config.origin_protocol_policy !== "https-only") return [`origin "${id}" is not https-only`];
        const weak = protocols.filter((p) => p !== "TLSv1.2");
        return weak.length > 0 ? [`origin "${id}" allows ${weak.join(", ")}`] : [];
      }),
  },
];

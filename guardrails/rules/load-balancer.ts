import { block, isSet, isTrue, type TerraformResourceView } from "../model";
import type { Rule } from "./rule-kit";
import { redirectsToHttps } from "./world-open-ingress";

const LB = ["aws_lb", "aws_alb"];
const LISTENER = ["aws_lb_listener", "aws_alb_listener"];
const TARGET_GROUP = ["aws_lb_target_group", "aws_alb_target_group"];

const isApplication = (lb: TerraformResourceView) =>
  (lb.attrs.load_balancer_type ?? "application") === "application";

/** ELB policies that allow only TLS 1.2 and 1.3 (TLS 1.0/1.1 policies are the ones without these markers). */
const MODERN_TLS_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

export const loadBalancerRules: Rule[] = [
  {
    id: "SKY-ALB-001",
    severity: "error",
    description: "Load balancers have deletion protection.",
    why: "Deleting the ALB takes the product offline and changes its DNS name; protection makes that a deliberate two-step act.",
    fix: "Set `enable_deletion_protection = true` (LoadBalancer prop `deletionProtection`).",
    resourceTypes: LB,
    mappings: { checkov: "CKV_AWS_150" },
    check: ({ attrs }) =>
      isTrue(attrs.enable_deletion_protection) ? undefined : "enable_deletion_protection is not true",
  },
  {
    id: "SKY-ALB-002",
    severity: "error",
    description: "Application load balancers drop invalid HTTP header fields.",
    why: "Headers with invalid characters are a request-smuggling vector between the ALB and the application.",
    fix: "Set `drop_invalid_header_fields = true`.",
    resourceTypes: LB,
    mappings: { checkov: "CKV_AWS_131", trivy: "AVD-AWS-0052" },
    check: (lb) =>
      !isApplication(lb) || isTrue(lb.attrs.drop_invalid_header_fields)
        ? undefined
        : "drop_invalid_header_fields is not true",
  },
  {
    id: "SKY-ALB-003",
    severity: "error",
    description: "Load balancers write access logs to S3.",
    why: "Access logs are the request-level record (client, path, status, latency) needed to investigate abuse and errors.",
    fix: "Set `access_logs { enabled = true, bucket = <log bucket> }`.",
    resourceTypes: LB,
    mappings: { checkov: "CKV_AWS_91", cdkNag: "AwsSolutions-ELB2" },
    check: ({ attrs }) => {
      const logs = block(attrs.access_logs);
      return isTrue(logs.enabled) && isSet(logs.bucket)
        ? undefined
        : "access_logs is not enabled with a bucket";
    },
  },
  {
    id: "SKY-ALB-004",
    severity: "error",
    description: "Internet-facing application load balancers are protected by a WAFv2 web ACL.",
    why: "The WAF blocks common exploits, bad bots and floods before they reach the service.",
    fix: "Add an `aws_wafv2_web_acl_association` with `resource_arn` set to the load balancer's ARN.",
    resourceTypes: LB,
    mappings: { checkov: "CKV2_AWS_28" },
    check: (lb, { stack }) => {
      if (!isApplication(lb) || isTrue(lb.attrs.internal)) return undefined;
      return stack
        .referrers(lb, "aws_wafv2_web_acl_association")
        .some((a) => stack.references(a.attrs.resource_arn, lb))
        ? undefined
        : "no aws_wafv2_web_acl_association points at this load balancer";
    },
  },
  {
    id: "SKY-ALB-005",
    severity: "error",
    description: "HTTPS listeners use a TLS 1.2+ security policy.",
    why: "Older policies still negotiate TLS 1.0/1.1 and weak ciphers, which PCI DSS and most audits reject.",
    fix: 'Set `ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"` (or another TLS13/TLS-1-2/FS-1-2 policy).',
    resourceTypes: LISTENER,
    mappings: { checkov: "CKV_AWS_103", trivy: "AVD-AWS-0047" },
    check: ({ attrs }) => {
      if (!["HTTPS", "TLS"].includes(String(attrs.protocol).toUpperCase())) return undefined;
      return MODERN_TLS_POLICY.test(String(attrs.ssl_policy ?? ""))
        ? undefined
        : `ssl_policy ${String(attrs.ssl_policy ?? "(default ELBSecurityPolicy-2016-08)")} allows TLS < 1.2`;
    },
  },
  {
    id: "SKY-ALB-006",
    severity: "error",
    description: "Plain-HTTP listeners only redirect to HTTPS.",
    why: "A listener that forwards HTTP serves the product (and its cookies) in plaintext.",
    fix: 'Make the port-80 listener\'s `default_action` a `redirect` with `protocol = "HTTPS"` and `status_code = "HTTP_301"`.',
    resourceTypes: LISTENER,
    mappings: { checkov: "CKV_AWS_2", trivy: "AVD-AWS-0054" },
    check: (listener) => {
      const protocol = String(listener.attrs.protocol ?? "HTTP").toUpperCase();
      if (protocol !== "HTTP") return undefined;
      return redirectsToHttps(listener) ? undefined : "HTTP listener does not redirect to HTTPS";
    },
  },
  {
    id: "SKY-ALB-007",
    severity: "warning",
    description: "Target groups use HTTPS to reach their targets.",
    why: "With HTTP targets, TLS ends at the load balancer and requests cross the VPC in plaintext; some audits (PCI DSS, HIPAA) ask for encryption all the way to the task.",
    fix: 'Set `protocol = "HTTPS"` (and the health check\'s) and serve TLS in the container, or suppress with the reason the hop may stay plaintext.',
    resourceTypes: TARGET_GROUP,
    mappings: { checkov: "CKV_AWS_378" },
    check: ({ attrs }) => {
      if (attrs.target_type === "lambda") return undefined;
      return String(attrs.protocol ?? "").toUpperCase() === "HTTP"
        ? "protocol is HTTP: plaintext from the load balancer to the targets"
        : undefined;
    },
  },
];

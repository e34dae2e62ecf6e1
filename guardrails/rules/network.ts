import { blocks, isSet, isTrue } from "../model";
import type { Rule } from "./rule-kit";
import { worldOpenIngressProblems } from "./world-open-ingress";

const SG_RULE_TYPES = [
  "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
];

export const networkRules: Rule[] = [
  {
    id: "SKY-VPC-001",
    severity: "error",
    description: "Every VPC has a flow log.",
    why: "Flow logs are the only record of which addresses talked to which during an incident.",
    fix: "Add an `aws_flow_log` with `vpc_id` set to the VPC (Network construct does this by default).",
    resourceTypes: ["aws_vpc"],
    mappings: { checkov: "CKV2_AWS_11", trivy: "AVD-AWS-0178", cdkNag: "AwsSolutions-VPC7" },
    check: (vpc, { stack }) =>
      stack.referrers(vpc, "aws_flow_log").some((f) => stack.references(f.attrs.vpc_id, vpc))
        ? undefined
        : "no aws_flow_log has vpc_id pointing at this VPC",
  },
  {
    id: "SKY-VPC-002",
    severity: "error",
    description: "The default security group of every VPC is adopted and has no rules.",
    why: "Anything launched without an explicit security group gets the default one; closing it makes that mistake fail safe.",
    fix: "Add an `aws_default_security_group` for the VPC with no `ingress` and no `egress` blocks.",
    resourceTypes: ["aws_vpc", "aws_default_security_group"],
    mappings: { checkov: "CKV2_AWS_12" },
    check: (resource, { stack }) => {
      const hasRules = (attrs: Record<string, unknown>) =>
        blocks(attrs.ingress).length > 0 || blocks(attrs.egress).length > 0;
      if (resource.type === "aws_default_security_group") {
        return hasRules(resource.attrs)
          ? "the default security group has ingress or egress rules"
          : undefined;
      }
      const adopted = stack
        .referrers(resource, "aws_default_security_group")
        .filter((g) => stack.references(g.attrs.vpc_id, resource));
      return adopted.length > 0 ? undefined : "no aws_default_security_group closes this VPC's default group";
    },
  },
  {
    id: "SKY-VPC-003",
    severity: "error",
    description: "Subnets do not assign public IPs on launch.",
    why: "Auto-assigned public IPs make anything launched in the subnet reachable from the internet; the ALB and NAT gateways do not need them.",
    fix: "Leave `map_public_ip_on_launch` unset or false on every `aws_subnet`.",
    resourceTypes: ["aws_subnet"],
    mappings: { checkov: "CKV_AWS_130", trivy: "AVD-AWS-0164" },
    check: ({ attrs }) =>
      isTrue(attrs.map_public_ip_on_launch) ? "map_public_ip_on_launch is true" : undefined,
  },
  {
    id: "SKY-SG-001",
    severity: "error",
    description: "Security groups have a meaningful description.",
    why: "The description is what an engineer sees in the console during an incident; Terraform's default says nothing.",
    fix: "Set `description` on the `aws_security_group` to what it protects and who may reach it.",
    resourceTypes: ["aws_security_group"],
    mappings: { checkov: "CKV_AWS_23", trivy: "AVD-AWS-0099" },
    check: ({ attrs }) =>
      isSet(attrs.description) && attrs.description !== "Managed by Terraform"
        ? undefined
        : "description is unset or Terraform's default",
  },
  {
    id: "SKY-SG-002",
    severity: "error",
    description: "Every security group rule has a description.",
    why: "A rule without a description cannot be reviewed: nobody knows whether it is still needed.",
    fix: "Set `description` on each inline ingress/egress block and on each security group rule resource.",
    resourceTypes: ["aws_security_group", ...SG_RULE_TYPES],
    mappings: { checkov: "CKV_AWS_23", trivy: "AVD-AWS-0124" },
    check: ({ type, attrs }) => {
      if (type !== "aws_security_group")
        return isSet(attrs.description) ? undefined : "description is not set";
      return [
        ...blocks(attrs.ingress).map((b) => ["ingress", b] as const),
        ...blocks(attrs.egress).map((b) => ["egress", b] as const),
      ]
        .filter(([, b]) => !isSet(b.description))
        .map(
          ([direction, b]) =>
            `${direction} rule ${String(b.from_port)}-${String(b.to_port)} has no description`,
        );
    },
  },
  {
    id: "SKY-SG-003",
    severity: "error",
    description: "No ingress from the whole internet, except HTTPS (443) to an internet-facing ALB.",
    why: "Anything else open to 0.0.0.0/0 or ::/0 (SSH, database ports, the app port) is an attack surface. Port 80 is allowed only where the ALB's HTTP listener redirects to HTTPS.",
    fix: "Restrict the source to a security group or CIDR you own; for the public ALB allow only port 443 (and 80 with a redirect listener).",
    resourceTypes: ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
    mappings: { checkov: "CKV_AWS_260", trivy: "AVD-AWS-0107", cdkNag: "AwsSolutions-EC23" },
    check: (resource, { stack }) => worldOpenIngressProblems(resource, stack),
  },
];

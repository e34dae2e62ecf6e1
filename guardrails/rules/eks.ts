import { CONTROL_PLANE_LOG_TYPES } from "../../constructs/eks-cluster/control-plane-logs";
import { block, blocks, isExpression, isSet } from "../model";
import type { Rule } from "./rule-kit";

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** An exact chart version: `1.13.0`, `0.19.2-rc.1`; not a range (`^1.0`, `~1.2`, `>=1`, `1.x`, `*`). */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const eksRules: Rule[] = [
  {
    id: "SKY-EKS-001",
    severity: "error",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a customer KMS key.",
    why: "Without it, Secrets in etcd rest under the disk encryption AWS manages only; a customer key adds a separate layer that is audited in CloudTrail and can be revoked.",
    fix: 'Add `encryption_config { resources = ["secrets"], provider { key_arn = <customer KMS key ARN> } }`.',
    resourceTypes: ["aws_eks_cluster"],
    mappings: { checkov: "CKV_AWS_58", trivy: "AVD-AWS-0039" },
    check: ({ attrs }) =>
      blocks(attrs.encryption_config).some(
        (c) => strings(c.resources).includes("secrets") && isSet(block(c.provider).key_arn),
      )
        ? undefined
        : "no encryption_config encrypts secrets with a KMS key",
  },
  {
    id: "SKY-EKS-002",
    severity: "error",
    description: "EKS API endpoints are private, or public only to listed CIDRs.",
    why: "A public endpoint open to 0.0.0.0/0 exposes the Kubernetes API (and any credential leak or API bug) to the whole internet.",
    fix: "Set `vpc_config.endpoint_public_access = false`, or list the few CIDRs that need it in `public_access_cidrs` (never 0.0.0.0/0).",
    resourceTypes: ["aws_eks_cluster"],
    mappings: { checkov: "CKV_AWS_38", trivy: "AVD-AWS-0041", cdkNag: "AwsSolutions-EKS1" },
    check: ({ attrs }) => {
      const vpc = block(attrs.vpc_config);
      // AWS's defaults: a public endpoint, open to 0.0.0.0/0.
      if (vpc.endpoint_public_access === false || vpc.endpoint_public_access === "false") return undefined;
      if (isExpression(vpc.public_access_cidrs)) return undefined;
      const cidrs = strings(vpc.public_access_cidrs);
      if (cidrs.length === 0) return "the public endpoint is open to 0.0.0.0/0 (public_access_cidrs unset)";
      return cidrs.includes("0.0.0.0/0") ? "public_access_cidrs includes 0.0.0.0/0" : undefined;
    },
  },
  {
    id: "SKY-EKS-003",
    severity: "error",
    description: "EKS clusters send every control-plane log type to CloudWatch Logs.",
    why: "The audit and authenticator logs are the only record of who did what through the Kubernetes API; without them an incident cannot be reconstructed.",
    fix: `Set \`enabled_cluster_log_types\` to ${CONTROL_PLANE_LOG_TYPES.map((t) => `"${t}"`).join(", ")}.`,
    resourceTypes: ["aws_eks_cluster"],
    mappings: { checkov: "CKV_AWS_37", trivy: "AVD-AWS-0038", cdkNag: "AwsSolutions-EKS2" },
    check: ({ attrs }) => {
      const enabled = strings(attrs.enabled_cluster_log_types);
      const missing = CONTROL_PLANE_LOG_TYPES.filter((t) => !enabled.includes(t));
      return missing.length ? `control-plane log types not enabled: ${missing.join(", ")}` : undefined;
    },
  },
  {
    id: "SKY-HELM-001",
    severity: "error",
    description: "Helm releases pin an exact chart version from an HTTPS or OCI repository.",
    why: "Without a pinned version every apply may install whatever the repository serves that day, unreviewed; a plain-HTTP repository lets anyone on the path swap the chart.",
    fix: "Set `version` to an exact chart version (e.g. 1.13.0) and `repository` to an https:// or oci:// URL.",
    resourceTypes: ["helm_release"],
    mappings: {},
    check: ({ attrs }) => {
      const version = attrs.version;
      if (!isSet(version)) return "no chart version: the latest one would be installed";
      if (typeof version === "string" && !isExpression(version) && !EXACT_VERSION.test(version))
        return `version "${version}" is not an exact chart version`;
      const repository = attrs.repository;
      if (
        typeof repository === "string" &&
        !isExpression(repository) &&
        !/^(https|oci):\/\//.test(repository)
      )
        return `repository "${repository}" is not an https:// or oci:// URL`;
      return undefined;
    },
  },
];

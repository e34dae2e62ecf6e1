import { isExpression } from "../model";
import type { Rule } from "./rule-kit";
import { allowStatements } from "./iam-policy";

const POLICY_HOLDERS = [
  "aws_iam_policy",
  "aws_iam_role_policy",
  "aws_iam_role",
  "data.aws_iam_policy_document",
];

/** AWS managed policies that grant administrator-level power. */
const ADMIN_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

export const iamRules: Rule[] = [
  {
    id: "SKY-IAM-001",
    severity: "error",
    description: 'IAM policies never allow every action ("*").',
    why: "A statement with Action * is administrator access, whatever its resource list says about intent.",
    fix: "List the exact actions the role needs (grant… helpers on each construct do this).",
    resourceTypes: POLICY_HOLDERS,
    mappings: { checkov: "CKV_AWS_62", trivy: "AVD-AWS-0057", cdkNag: "AwsSolutions-IAM5" },
    check: (resource) =>
      allowStatements(resource)
        .filter((s) => s.actions.includes("*"))
        .map((s) => `${s.source} allows Action "*"`),
  },
  {
    id: "SKY-IAM-002",
    severity: "warning",
    description: 'IAM policies do not allow whole services ("s3:*").',
    why: "Service-wide wildcards include destructive and permission-changing actions the workload never needs.",
    fix: "Replace `<service>:*` with the specific actions, or suppress with the reason the whole service is needed.",
    resourceTypes: POLICY_HOLDERS,
    mappings: { checkov: "CKV_AWS_355", cdkNag: "AwsSolutions-IAM5" },
    check: (resource) =>
      allowStatements(resource).flatMap((s) =>
        s.actions.filter((a) => /^[a-z0-9-]+:\*$/i.test(a)).map((a) => `${s.source} allows "${a}"`),
      ),
  },
  {
    id: "SKY-IAM-003",
    severity: "error",
    description: "Roles do not get administrator-level AWS managed policies.",
    why: "AdministratorAccess, PowerUserAccess and IAMFullAccess let a compromised task take over the account.",
    fix: "Attach a least-privilege policy instead of the AWS managed admin policy.",
    resourceTypes: ["aws_iam_role_policy_attachment", "aws_iam_role"],
    mappings: { checkov: "CKV_AWS_274", cdkNag: "AwsSolutions-IAM4" },
    check: ({ type, attrs }) => {
      const arns =
        type === "aws_iam_role"
          ? Array.isArray(attrs.managed_policy_arns)
            ? attrs.managed_policy_arns
            : []
          : [attrs.policy_arn];
      return arns
        .map(String)
        .filter((arn) => !isExpression(arn) && ADMIN_POLICIES.test(arn))
        .map((arn) => `attaches ${arn}`);
    },
  },
  {
    id: "SKY-IAM-004",
    severity: "error",
    description: "Role trust policies never let everyone assume the role.",
    why: 'A trust policy with Principal "*" (or AWS "*") lets any AWS account assume the role.',
    fix: "Name the service (ecs-tasks.amazonaws.com) or the account/role that may assume it in `assume_role_policy`.",
    resourceTypes: ["aws_iam_role"],
    mappings: { checkov: "CKV_AWS_60" },
    check: ({ attrs }) =>
      trustsEveryone(attrs.assume_role_policy) ? 'assume_role_policy allows Principal "*"' : undefined,
  },
];

/** `"Principal": "*"` or `{"AWS": "*"}` (JSON) or `Principal = "*"` / `AWS = "*"` (jsonencode). */
function trustsEveryone(policy: unknown): boolean {
  if (typeof policy !== "string") return false;
  return /"?(Principal|AWS)"?\s*[:=]\s*(\[\s*)?"\*"/.test(policy);
}

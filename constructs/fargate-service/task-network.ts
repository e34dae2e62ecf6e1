/**
 * The rules and grants a Fargate service adds for what it talks to, shared by the API service and
 * the queue workers. They create resources in the caller's scope with the caller's ids, so the
 * Terraform addresses are the caller's own.
 */
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Construct } from "constructs";

/**
 * Opens `port` from the tasks' security group to a peer's: egress here, ingress there, both
 * described, so neither side is wider than the other.
 */
export function openPort(
  scope: Construct,
  id: string,
  props: {
    readonly securityGroupId: string;
    readonly peerSecurityGroupId: string;
    readonly port: number;
    /** What the peer is, e.g. `the RDS Proxy`. */
    readonly description: string;
    /** Who the tasks are, e.g. `the API tasks of skyline-production-use1-api`. */
    readonly from: string;
  },
): void {
  const { securityGroupId, peerSecurityGroupId, port } = props;
  new VpcSecurityGroupEgressRule(scope, `${id}-out`, {
    securityGroupId,
    description: `To ${props.description}`,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    referencedSecurityGroupId: peerSecurityGroupId,
  });
  new VpcSecurityGroupIngressRule(scope, `${id}-in`, {
    securityGroupId: peerSecurityGroupId,
    description: `From ${props.from}`,
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    referencedSecurityGroupId: securityGroupId,
  });
}

/** One Allow statement as an inline policy of the task role, named `id`. */
export function addTaskPolicy(
  scope: Construct,
  id: string,
  roleId: string,
  statement: { Action: string | string[]; Resource: string | string[] },
): void {
  new IamRolePolicy(scope, `task-policy-${id}`, {
    role: roleId,
    name: id,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] }),
  });
}

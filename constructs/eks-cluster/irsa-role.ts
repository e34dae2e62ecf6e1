import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn } from "../../engine";
import { Construct } from "constructs";

export interface IrsaRoleProps {
  /** Role name, e.g. `skyline-production-use1-api-pods`. */
  readonly name: string;
  /** ARN of the cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** Issuer URL of the cluster (`https://oidc.eks.<region>.amazonaws.com/id/…`). */
  readonly oidcIssuerUrl: string;
  /** The one Kubernetes service account allowed to assume the role. */
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly description?: string;
}

export interface PolicyStatement {
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
}

/**
 * An IAM role for one Kubernetes service account (IRSA): the trust policy admits only
 * `system:serviceaccount:<namespace>:<name>` tokens with the STS audience, from this cluster.
 */
export class IrsaRole extends Construct {
  readonly role: IamRole;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    // The condition keys are the issuer without its scheme.
    const issuer = Fn.replace(props.oidcIssuerUrl, "https://", "");
    this.role = new IamRole(this, "role", {
      name: props.name,
      description: props.description ?? `Pods of ${props.namespace}/${props.serviceAccountName} (IRSA)`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Federated: props.oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${issuer}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccountName}`,
                [`${issuer}:aud`]: "sts.amazonaws.com",
              },
            },
          },
        ],
      }),
    });
    this.arn = this.role.arn;
  }

  /** Adds one inline policy with the given statements (Effect Allow). */
  addToPolicy(id: string, ...statements: PolicyStatement[]): IamRolePolicy {
    return new IamRolePolicy(this, id, {
      role: this.role.id,
      name: id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
      }),
    });
  }
}

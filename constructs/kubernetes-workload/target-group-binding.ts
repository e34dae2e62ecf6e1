import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";

/** The AWS Load Balancer Controller's CRD version that binds a Service to an existing target group. */
export const TARGET_GROUP_BINDING_API_VERSION = "elbv2.k8s.aws/v1beta1";

export interface TargetGroupBindingProps {
  /** Name of the binding and of the Service it binds. */
  readonly name: string;
  readonly namespace: string;
  /** The Service's port (the controller registers the pods behind it on their target port). */
  readonly servicePort: number;
  /** ARN of an existing target group whose target type is `ip`. */
  readonly targetGroupArn: string;
}

/**
 * A `TargetGroupBinding`: the AWS Load Balancer Controller keeps the ready pods behind a Service
 * registered (by pod IP) in a target group that Terraform owns, so the ALB, its listeners and its
 * security group rules stay outside Kubernetes. `networking` is left out on purpose: the stacks
 * manage the security group rules, and the controller must not add its own.
 */
export class TargetGroupBinding extends Construct {
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: TargetGroupBindingProps) {
    super(scope, id);
    this.manifest = new Manifest(this, "binding", {
      manifest: {
        apiVersion: TARGET_GROUP_BINDING_API_VERSION,
        kind: "TargetGroupBinding",
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          serviceRef: { name: props.name, port: props.servicePort },
          targetGroupARN: props.targetGroupArn,
          // Pod IPs, never node ports: matches the ALB target group the regional stack creates.
          targetType: "ip",
        },
      },
    });
  }
}

import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Release } from "@cdktf/provider-helm/lib/release";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "./config/schema";
import {
  eksClusterName,
  EXTERNAL_SECRETS_NAMESPACE,
  KEDA,
  kedaOperatorRoleName,
  LOAD_BALANCER_CONTROLLER,
  loadBalancerControllerRoleName,
} from "./eks-names";
import { eksClusterAccess, regionalVpc } from "./eks-lookups";
import { SkylineStack } from "./skyline-stack";

/** `<app>-<env>-<region>-addons`: applied after the cluster stack, before the Kubernetes stack. */
export function eksAddonsStackName(config: EnvironmentConfig, region: string): string {
  return `${config.app}-${config.environment}-${region}-addons`;
}

/** Settings every release shares: roll back a failed install or upgrade, keep a short history. */
const RELEASE_DEFAULTS = {
  atomic: true,
  cleanupOnFail: true,
  wait: true,
  timeout: 600,
  maxHistory: 10,
} as const;

/**
 * The cluster add-ons the Kubernetes stack needs, installed with Helm (pinned chart versions from
 * the config): the AWS Load Balancer Controller, which keeps the pods registered in the regional
 * ALB's target group (TargetGroupBinding), on the IRSA role the cluster stack made for it; and,
 * when the API's secrets come from Secrets Manager, the External Secrets operator. A stack of their
 * own because the Kubernetes stack's objects need these charts' CRDs when it is planned. The Helm
 * provider reaches the cluster as the Kubernetes stack does: endpoint and CA looked up, a
 * short-lived token from `aws eks get-token`.
 */
export class EksAddonsStack extends SkylineStack {
  readonly helm: HelmProvider;
  readonly loadBalancerController: Release;
  readonly externalSecrets?: Release;
  /** KEDA, which scales the queue workers on the queue's depth (when the queue tier is on). */
  readonly keda?: Release;

  constructor(scope: Construct, config: EnvironmentConfig, region: string) {
    super(scope, eksAddonsStackName(config, region), { config, region });
    const eks = config.eks;
    const clusterName = eksClusterName(config, region);
    const versions = eks.addonChartVersions;

    this.helm = new HelmProvider(this, "helm", { kubernetes: eksClusterAccess(this, config, region) });
    const vpc = regionalVpc(this, config, region);

    this.loadBalancerController = new Release(this, "aws-load-balancer-controller", {
      ...RELEASE_DEFAULTS,
      name: "aws-load-balancer-controller",
      repository: "https://aws.github.io/eks-charts",
      chart: "aws-load-balancer-controller",
      version: versions.awsLoadBalancerController,
      namespace: LOAD_BALANCER_CONTROLLER.namespace,
      values: [
        // JSON is YAML: the values as one document, tokens resolved by Terraform.
        JSON.stringify({
          clusterName,
          // Pods cannot reach the node's instance metadata (hop limit 1): region and VPC are given.
          region,
          vpcId: vpc.id,
          serviceAccount: {
            create: true,
            name: LOAD_BALANCER_CONTROLLER.serviceAccountName,
            annotations: {
              "eks.amazonaws.com/role-arn": `arn:aws:iam::${config.accountIds[0]}:role/${loadBalancerControllerRoleName(config, region)}`,
            },
          },
        }),
      ],
    });

    if (eks.secretsSource === "external-secrets") {
      this.externalSecrets = new Release(this, "external-secrets", {
        ...RELEASE_DEFAULTS,
        name: "external-secrets",
        repository: "https://charts.external-secrets.io",
        chart: "external-secrets",
        version: versions.externalSecrets,
        namespace: EXTERNAL_SECRETS_NAMESPACE,
        createNamespace: true,
        // No AWS role: the API's SecretStore authenticates as the API's own service account.
        values: [JSON.stringify({ installCRDs: true })],
      });
    }

    if (config.queue.enabled) {
      // KEDA rather than an HPA on an external metric: its aws-sqs-queue scaler reads the queue's
      // depth itself (no CloudWatch adapter), counts in-flight messages, and scales to the
      // workers' backlog-per-pod target; it is the CNCF project EKS's own guidance uses for SQS.
      this.keda = new Release(this, "keda", {
        ...RELEASE_DEFAULTS,
        name: "keda",
        repository: "https://kedacore.github.io/charts",
        chart: "keda",
        version: versions.keda,
        namespace: KEDA.namespace,
        createNamespace: true,
        values: [
          JSON.stringify({
            // The operator reads the queue with its own IRSA role (the cluster stack's), which the
            // workers' TriggerAuthentication names as pod identity "aws".
            serviceAccount: { operator: { create: true, name: KEDA.serviceAccountName } },
            podIdentity: {
              aws: {
                irsa: {
                  enabled: true,
                  roleArn: `arn:aws:iam::${config.accountIds[0]}:role/${kedaOperatorRoleName(config, region)}`,
                },
              },
            },
          }),
        ],
      });
    }
  }
}

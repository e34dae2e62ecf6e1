import type { EnvironmentConfig } from "./config/schema";
import { regionalPrefix } from "./naming";

/**
 * Names the regional, cluster and Kubernetes stacks (and the ops manifest) agree on without a
 * cross-stack reference. A module of its own, without cdktf imports, so that the regional stack can
 * use them without loading the EKS stacks (the app loads those only for compute "eks").
 */

/** `<prefix>-eks`: the region's EKS cluster. */
export function eksClusterName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-eks`;
}

/** The API's Deployment, Service, service account and HorizontalPodAutoscaler: `<app>-api`. */
export function apiServiceAccountName(config: EnvironmentConfig): string {
  return `${config.app}-api`;
}

/** IRSA role of the API's pods. */
export function apiPodRoleName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-api-pods`;
}

/** IRSA role of the AWS Load Balancer Controller (registers the pods in the ALB's target group). */
export function loadBalancerControllerRoleName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-lb-controller`;
}

/** Namespace and service account the AWS Load Balancer Controller's Helm chart installs into. */
export const LOAD_BALANCER_CONTROLLER = {
  namespace: "kube-system",
  serviceAccountName: "aws-load-balancer-controller",
} as const;

/** Namespace the add-ons stack installs the External Secrets operator into. */
export const EXTERNAL_SECRETS_NAMESPACE = "external-secrets";

/** The regional stack's ALB security group and API target group (constructs/load-balancer names). */
export function albSecurityGroupName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-alb`;
}
export function apiTargetGroupName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-api`;
}

/** The exec plugin the kubernetes and Helm providers run for a short-lived token: nothing is kept in state. */
export function eksTokenExec(clusterName: string, region: string) {
  return {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
  };
}

/** The queue workers' Deployment, Service, service account and KEDA ScaledObject: `<app>-worker`. */
export function workerName(config: EnvironmentConfig): string {
  return `${config.app}-worker`;
}

/** IRSA role of the queue workers' pods (consume the region's queue, log in to the database). */
export function workerPodRoleName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-worker-pods`;
}

/** IRSA role of the KEDA operator (reads the queue's depth to scale the workers). */
export function kedaOperatorRoleName(config: EnvironmentConfig, region: string): string {
  return `${regionalPrefix(config, region)}-keda`;
}

/** Namespace and operator service account of the KEDA chart. */
export const KEDA = { namespace: "keda", serviceAccountName: "keda-operator" } as const;

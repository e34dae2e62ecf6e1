import { z } from "zod";

/**
 * The `eks` section of an environment: used only when `compute` is "eks". Every field has a default,
 * so `compute: "eks"` alone gives a working cluster; the workload's own defaults (replicas,
 * probes, autoscaling) live in constructs/kubernetes-workload and are overridden here only when set.
 */

const positiveInt = z.number().int().positive();

/** Reviewed chart versions of the add-ons stack (stacks/eks-addons-stack.ts). */
export const EKS_ADDON_CHART_VERSIONS = {
  /** eks-charts `aws-load-balancer-controller` (controller v2.13). */
  awsLoadBalancerController: "1.13.0",
  /** charts.external-secrets.io `external-secrets` (serves the external-secrets.io/v1 API the workload uses). */
  externalSecrets: "0.19.2",
  /** kedacore.github.io/charts `keda` (KEDA 2.17: the aws-sqs-queue scaler with pod identity `aws`). */
  keda: "2.17.2",
} as const;

const chartVersion = z
  .string()
  .regex(/^\d+\.\d+\.\d+$/, "chart versions are exact semantic versions like 1.13.0 (no ranges)");

export const eksConfigSchema = z
  .object({
    /** Kubernetes minor version of the control plane and nodes. @default "1.33" */
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d{2}$/, 'kubernetesVersion is a minor version like "1.33"')
      .default("1.33"),
    /** Where pods run: a managed node group, or Fargate (one profile for the workload's namespace). @default "nodegroup" */
    capacity: z.enum(["nodegroup", "fargate"]).default("nodegroup"),
    /** EC2 instance types of the managed node group. @default ["m6i.xlarge"] */
    nodeInstanceTypes: z.array(z.string().min(1)).min(1).default(["m6i.xlarge"]),
    /** Managed node group size. @default 3 / 3 / 30 */
    nodeMinSize: positiveInt.default(3),
    nodeDesiredSize: positiveInt.default(3),
    nodeMaxSize: positiveInt.default(30),
    /**
     * CIDRs that may reach the public API endpoint (e.g. the CI runners' egress). Empty keeps the
     * endpoint private: only the VPC (and networks joined to it) reach the cluster. @default []
     */
    publicAccessCidrs: z
      .array(
        z
          .string()
          .regex(
            /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
            "publicAccessCidrs entries are IPv4 CIDRs like 203.0.113.0/24",
          )
          .refine((c) => !c.endsWith("/0"), "publicAccessCidrs must not open the API to the internet (/0)"),
      )
      .default([]),
    /**
     * IAM roles given cluster-admin through EKS access entries (the deploy role, the on-call role).
     * Empty: the identity that creates the cluster is its admin. @default []
     */
    adminRoleArns: z
      .array(z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/, "adminRoleArns entries are IAM role ARNs"))
      .default([]),
    /** Namespace of the API workload. @default "skyline" */
    namespace: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "namespace must be a DNS label (lowercase, digits, '-')")
      .default("skyline"),
    /**
     * Where the API's secrets come from: the External Secrets operator (reads Secrets Manager,
     * must be installed in the cluster) or a Kubernetes Secret `<app>-api-secrets` managed outside
     * Terraform. @default "external-secrets"
     */
    secretsSource: z.enum(["external-secrets", "kubernetes-secret"]).default("external-secrets"),
    /** Pods of the API. @default the KubernetesWorkload defaults (10, HPA 10 to 100) */
    replicas: positiveInt.optional(),
    minReplicas: positiveInt.optional(),
    maxReplicas: positiveInt.optional(),
    /** Control-plane log retention in days. @default 365 in production, 90 otherwise */
    controlPlaneLogRetentionDays: positiveInt.optional(),
    /**
     * Helm chart versions of the add-ons stack: the AWS Load Balancer Controller (eks-charts) and the
     * External Secrets operator. Pinned, so a deploy never picks up a chart nobody reviewed.
     * @default EKS_ADDON_CHART_VERSIONS
     */
    addonChartVersions: z
      .object({
        awsLoadBalancerController: chartVersion.default(EKS_ADDON_CHART_VERSIONS.awsLoadBalancerController),
        externalSecrets: chartVersion.default(EKS_ADDON_CHART_VERSIONS.externalSecrets),
        keda: chartVersion.default(EKS_ADDON_CHART_VERSIONS.keda),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((eks, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (eks.nodeMinSize > eks.nodeDesiredSize || eks.nodeDesiredSize > eks.nodeMaxSize) {
      issue(
        "nodeDesiredSize",
        `node group sizes must satisfy nodeMinSize (${eks.nodeMinSize}) <= nodeDesiredSize (${eks.nodeDesiredSize}) <= nodeMaxSize (${eks.nodeMaxSize})`,
      );
    }
    if (eks.minReplicas !== undefined && eks.maxReplicas !== undefined && eks.minReplicas > eks.maxReplicas) {
      issue(
        "minReplicas",
        `minReplicas (${eks.minReplicas}) is greater than maxReplicas (${eks.maxReplicas})`,
      );
    }
  });

export type EksConfig = z.output<typeof eksConfigSchema>;

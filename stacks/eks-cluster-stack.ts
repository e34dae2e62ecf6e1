import { DataAwsDbInstance } from "@cdktf/provider-aws/lib/data-aws-db-instance";
import { DataAwsSecurityGroup } from "@cdktf/provider-aws/lib/data-aws-security-group";
import { DataAwsSubnets } from "@cdktf/provider-aws/lib/data-aws-subnets";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Construct } from "constructs";
import { CACHE_PORT } from "../constructs/cache/cache";
import { POSTGRES_PORT } from "../constructs/database/database";
import { EksCluster } from "../constructs/eks-cluster/eks-cluster";
import { IrsaRole } from "../constructs/eks-cluster/irsa-role";
import { API_CONTAINER_DEFAULTS } from "../constructs/fargate-service/api-container-defaults";
import { inRegionReadReplicas, resolveDataTier } from "./config/data-tier-schema";
import type { EnvironmentConfig } from "./config/schema";
import {
  albSecurityGroupName,
  apiPodRoleName,
  apiServiceAccountName,
  apiTargetGroupName,
  eksClusterName,
  EXTERNAL_SECRETS_NAMESPACE,
  KEDA,
  kedaOperatorRoleName,
  LOAD_BALANCER_CONTROLLER,
  loadBalancerControllerRoleName,
  workerName,
  workerPodRoleName,
} from "./eks-names";
import { environmentPrefix, regionalPrefix, submissionQueue } from "./naming";
import { regionalVpc } from "./eks-lookups";
import { SkylineStack } from "./skyline-stack";

// Re-exported: the names predate stacks/eks-names.ts and tests and scripts import them from here.
export { apiPodRoleName, apiServiceAccountName, eksClusterName } from "./eks-names";

/** `<app>-<env>-<region>-eks`: the cluster stack, applied after the regional stack of its region. */
export function eksClusterStackName(config: EnvironmentConfig, region: string): string {
  return `${config.app}-${config.environment}-${region}-eks`;
}

/**
 * The EKS cluster of one environment × region, in its own stack so that the Kubernetes stack's
 * provider is configured from a cluster that already exists (the kubernetes provider's docs advise
 * against creating a cluster and its workloads in one apply). It finds the regional stack's VPC
 * and private subnets by their tags, opens the database and cache to the cluster's security group,
 * lets the regional ALB reach the pods on the API port, and creates the IRSA roles of the API's
 * pods and of the AWS Load Balancer Controller (which registers the pods in the ALB's target group).
 */
export class EksClusterStack extends SkylineStack {
  readonly cluster: EksCluster;
  readonly podRole: IrsaRole;
  /** For the AWS Load Balancer Controller's service account (installed by the add-ons stack). */
  readonly loadBalancerControllerRole: IrsaRole;
  /** The queue workers' pods (queue tier on). */
  workerPodRole?: IrsaRole;
  /** The KEDA operator, which scales the workers (queue tier on). */
  kedaOperatorRole?: IrsaRole;

  constructor(scope: Construct, config: EnvironmentConfig, region: string) {
    super(scope, eksClusterStackName(config, region), { config, region });
    const production = config.tier === "production";
    const prefix = regionalPrefix(config, region);
    const eks = config.eks;

    // Subnets carry `skyline:tier` (constructs/network).
    const vpc = regionalVpc(this, config, region);
    const privateSubnets = new DataAwsSubnets(this, "private-subnets", {
      filter: [
        { name: "vpc-id", values: [vpc.id] },
        { name: "tag:skyline:tier", values: ["private"] },
      ],
    });

    this.cluster = new EksCluster(this, "cluster", {
      name: eksClusterName(config, region),
      region,
      kubernetesVersion: eks.kubernetesVersion,
      privateSubnetIds: privateSubnets.ids,
      capacity:
        eks.capacity === "fargate"
          ? {
              type: "fargate",
              // The workload and, with External Secrets, the operator (the add-ons stack installs it).
              namespaces: [
                eks.namespace,
                ...(eks.secretsSource === "external-secrets" ? [EXTERNAL_SECRETS_NAMESPACE] : []),
              ],
            }
          : {
              type: "nodegroup",
              instanceTypes: eks.nodeInstanceTypes,
              minSize: eks.nodeMinSize,
              desiredSize: eks.nodeDesiredSize,
              maxSize: eks.nodeMaxSize,
            },
      publicAccessCidrs: eks.publicAccessCidrs,
      adminRoleArns: eks.adminRoleArns,
      logRetentionDays: eks.controlPlaneLogRetentionDays ?? (production ? 365 : 90),
      deletionProtection: production,
    });

    // Pods (on nodes or Fargate) use the cluster security group: let it reach the data tier.
    const clusterSg = this.cluster.cluster.vpcConfig.clusterSecurityGroupId;
    const isPrimary = region === config.primaryRegion;
    const targets: [string, string, number][] = [
      ["db", `${prefix}-db`, POSTGRES_PORT],
      ["cache", `${prefix}-cache`, CACHE_PORT],
    ];
    // The RDS Proxy exists where the writer's managed secret does: the primary region.
    if (isPrimary) targets.push(["db-proxy", `${prefix}-db-proxy`, POSTGRES_PORT]);
    for (const [id, name, port] of targets) {
      const sg = new DataAwsSecurityGroup(this, `${id}-sg`, { name, vpcId: vpc.id });
      new VpcSecurityGroupIngressRule(this, `${id}-from-eks`, {
        securityGroupId: sg.id,
        description: `${name} from the pods of ${eksClusterName(config, region)}`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: clusterSg,
      });
    }

    // The ALB sends requests straight to the pod IPs (target type ip) on the API port. Its security
    // group belongs to the regional stack: found by name; both rules are separate resources here, so
    // neither stack replaces the other's rules.
    const albSg = new DataAwsSecurityGroup(this, "alb-sg", {
      name: albSecurityGroupName(config, region),
      vpcId: vpc.id,
    });
    const apiPort = config.service.containerPort;
    new VpcSecurityGroupIngressRule(this, "api-from-alb", {
      securityGroupId: clusterSg,
      description: `The API's pods from the ALB ${albSecurityGroupName(config, region)}`,
      ipProtocol: "tcp",
      fromPort: apiPort,
      toPort: apiPort,
      referencedSecurityGroupId: albSg.id,
    });
    new VpcSecurityGroupEgressRule(this, "alb-to-pods", {
      securityGroupId: albSg.id,
      description: `To the API's pods in ${eksClusterName(config, region)}`,
      ipProtocol: "tcp",
      fromPort: apiPort,
      toPort: apiPort,
      referencedSecurityGroupId: clusterSg,
    });

    this.podRole = new IrsaRole(this, "api-pod-role", {
      name: apiPodRoleName(config, region),
      oidcProviderArn: this.cluster.oidcProvider.arn,
      oidcIssuerUrl: this.cluster.oidcProvider.url,
      namespace: eks.namespace,
      serviceAccountName: apiServiceAccountName(config),
      description: `The API's pods in ${eksClusterName(config, region)}: database login and its secrets`,
    });
    const account = config.accountIds[0];
    const shared = environmentPrefix(config);
    const dbUser = resolveDataTier(config).database.masterUsername;
    this.podRole.addToPolicy("connect-database", {
      // IAM database authentication as the API's user, on any instance or proxy of this region.
      Action: "rds-db:connect",
      Resource: `arn:aws:rds-db:${region}:${account}:dbuser:*/${dbUser}`,
    });
    const replicas = inRegionReadReplicas(config, region);
    if (replicas > 0) {
      // The pods read the in-region replicas directly with their own login, as the ECS task does:
      // that login, on those replicas only (found by their deterministic identifiers).
      const replicaIds = Array.from(
        { length: replicas },
        (_, i) =>
          new DataAwsDbInstance(this, `db-replica-${i + 1}`, {
            dbInstanceIdentifier: `${prefix}-db-replica-${i + 1}`,
          }).resourceId,
      );
      this.podRole.addToPolicy("connect-replicas", {
        Action: "rds-db:connect",
        Resource: replicaIds.map(
          (id) => `arn:aws:rds-db:${region}:${account}:dbuser:${id}/${API_CONTAINER_DEFAULTS.readerDbUser}`,
        ),
      });
    }
    const secretArn = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}`;
    this.podRole.addToPolicy(
      "read-secrets",
      {
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        // Secrets Manager appends a random 6-character suffix to every secret ARN.
        Resource: [
          secretArn(`${shared}-jwt-??????`),
          secretArn(`${shared}-cache-auth-??????`),
          secretArn(`${shared}-db-connection-??????`),
          // The writer's RDS-managed master secret (primary region only).
          ...(isPrimary ? [secretArn("rds!db-*")] : []),
        ],
      },
      {
        Action: "kms:Decrypt",
        Resource: `arn:aws:kms:${region}:${account}:key/*`,
        Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
      },
    );

    this.loadBalancerControllerRole = new IrsaRole(this, "lb-controller-role", {
      name: loadBalancerControllerRoleName(config, region),
      oidcProviderArn: this.cluster.oidcProvider.arn,
      oidcIssuerUrl: this.cluster.oidcProvider.url,
      ...LOAD_BALANCER_CONTROLLER,
      description: `AWS Load Balancer Controller in ${eksClusterName(config, region)}: registers the API's pods in ${apiTargetGroupName(config, region)}`,
    });
    // Only what a TargetGroupBinding needs: Terraform owns the ALB, its listeners and the security
    // group rules, so the controller reads and registers targets in the API's target group only.
    // (An Ingress or a LoadBalancer Service would need the controller's full upstream policy.)
    this.loadBalancerControllerRole.addToPolicy(
      "target-group-binding",
      {
        // Describe calls support no resource-level permissions.
        Action: [
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeTags",
          "ec2:DescribeVpcs",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeInstances",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeAvailabilityZones",
        ],
        Resource: "*",
      },
      {
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${apiTargetGroupName(config, region)}/*`,
      },
    );

    if (config.queue.enabled) this.addQueueRoles(config, region);
  }

  /**
   * The queue tier on EKS: the API's pods may send to the region's queue; the workers' pods may
   * consume it and log in to the database; the KEDA operator may read its depth. The queue belongs
   * to the regional stack and is named by ARN (deterministic); its key is reached only through SQS.
   */
  private addQueueRoles(config: EnvironmentConfig, region: string): void {
    const account = config.accountIds[0];
    const queue = submissionQueue(config, region);
    const viaSqs = (actions: string[]) => ({
      Action: actions,
      Resource: `arn:aws:kms:${region}:${account}:key/*`,
      Condition: { StringEquals: { "kms:ViaService": `sqs.${region}.amazonaws.com` } },
    });
    this.podRole.addToPolicy(
      "send-submissions",
      { Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"], Resource: queue.arn },
      viaSqs(["kms:GenerateDataKey", "kms:Decrypt"]),
    );
    this.workerPodRole = new IrsaRole(this, "worker-pod-role", {
      name: workerPodRoleName(config, region),
      oidcProviderArn: this.cluster.oidcProvider.arn,
      oidcIssuerUrl: this.cluster.oidcProvider.url,
      namespace: config.eks.namespace,
      serviceAccountName: workerName(config),
      description: `The queue workers' pods in ${eksClusterName(config, region)}: consume ${queue.name}, database login`,
    });
    this.workerPodRole.addToPolicy(
      "consume-submissions",
      {
        Action: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        Resource: queue.arn,
      },
      viaSqs(["kms:Decrypt"]),
    );
    this.workerPodRole.addToPolicy("connect-database", {
      Action: "rds-db:connect",
      Resource: `arn:aws:rds-db:${region}:${account}:dbuser:*/${resolveDataTier(config).database.masterUsername}`,
    });
    this.kedaOperatorRole = new IrsaRole(this, "keda-operator-role", {
      name: kedaOperatorRoleName(config, region),
      oidcProviderArn: this.cluster.oidcProvider.arn,
      oidcIssuerUrl: this.cluster.oidcProvider.url,
      ...KEDA,
      description: `KEDA in ${eksClusterName(config, region)}: reads the depth of ${queue.name} to scale the workers`,
    });
    this.kedaOperatorRole.addToPolicy("read-queue-depth", {
      Action: "sqs:GetQueueAttributes",
      Resource: queue.arn,
    });
  }
}

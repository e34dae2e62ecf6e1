import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster as EksClusterResource } from "@cdktf/provider-aws/lib/eks-cluster";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Token } from "../../engine";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";
import { CONTROL_PLANE_LOG_TYPES } from "./control-plane-logs";
import { EksCapacity, NODE_GROUP_DEFAULTS, type ClusterCapacity } from "./eks-capacity";
import { IrsaRole } from "./irsa-role";

export interface EksClusterProps {
  /** Cluster name, e.g. `skyline-production-use1-eks`; prefixes its roles, keys and node group. */
  readonly name: string;
  /** Region of the cluster (scopes the log key's grant). */
  readonly region: string;
  /** Kubernetes minor version, e.g. "1.33". */
  readonly kubernetesVersion: string;
  /** Private subnets in at least two AZs: the control plane's network interfaces and the pods. */
  readonly privateSubnetIds: readonly string[];
  /** Where pods run. @default a managed node group (NODE_GROUP_DEFAULTS) */
  readonly capacity?: ClusterCapacity;
  /**
   * CIDRs allowed to reach the public API endpoint. Empty: the endpoint is private only (reached
   * from the VPC). `0.0.0.0/0` is refused. @default []
   */
  readonly publicAccessCidrs?: readonly string[];
  /** IAM roles given cluster-admin through EKS access entries. @default none */
  readonly adminRoleArns?: readonly string[];
  /**
   * The identity that creates the cluster becomes its admin (an access entry EKS manages).
   * @default true when `adminRoleArns` is empty, else false
   */
  readonly clusterCreatorAdmin?: boolean;
  /** Control-plane log retention in days. @default 365 */
  readonly logRetentionDays?: number;
  /** Refuse `DeleteCluster` until turned off. @default true */
  readonly deletionProtection?: boolean;
  /**
   * Container Insights: the `amazon-cloudwatch-observability` add-on, its CloudWatch agent on an
   * IRSA role of its own (`<name>-cw-agent`, CloudWatchAgentServerPolicy), so pod metrics (and the
   * pod alarms built on them) reach CloudWatch. The agent is a DaemonSet: Fargate pods need the ADOT
   * collector instead, so asking for it with Fargate capacity is an error.
   * @default true with a managed node group, false on Fargate
   */
  readonly containerInsights?: boolean;
}

/** The add-on that installs Container Insights, and the service account its agent runs as. */
export const CONTAINER_INSIGHTS = {
  addonName: "amazon-cloudwatch-observability",
  namespace: "amazon-cloudwatch",
  serviceAccountName: "cloudwatch-agent",
  policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
} as const;

/** Managed add-ons installed on every cluster. */
export const CLUSTER_ADDONS = ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"] as const;

const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/**
 * An EKS cluster that passes the guardrails by default: Kubernetes secrets envelope-encrypted with
 * a customer KMS key, a private API endpoint (public only for listed CIDRs), every control-plane
 * log type in a KMS-encrypted log group with retention, access entries (API authentication mode,
 * no aws-auth ConfigMap), an OIDC provider for IRSA and a managed node group or Fargate profile.
 */
export class EksCluster extends Construct {
  readonly cluster: EksClusterResource;
  readonly clusterName: string;
  readonly role: IamRole;
  readonly secretsKey: EncryptionKey;
  readonly logKey: EncryptionKey;
  readonly logGroup: CloudwatchLogGroup;
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly capacity: EksCapacity;
  readonly accessEntries: readonly EksAccessEntry[];
  readonly addons: readonly EksAddon[];
  /** The Container Insights agent's role, when the add-on is installed. */
  readonly containerInsightsRole?: IrsaRole;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    validate(props);
    const { name, region } = props;
    this.clusterName = name;
    const adminRoleArns = props.adminRoleArns ?? [];
    const publicAccessCidrs = [...(props.publicAccessCidrs ?? [])];

    this.secretsKey = new EncryptionKey(this, "secrets-key", {
      name: `${name}-secrets`,
      description: `Envelope encryption of Kubernetes secrets and node volumes in ${name}`,
    });
    this.logKey = new EncryptionKey(this, "log-key", {
      name: `${name}-logs`,
      description: `Control-plane logs of ${name}`,
      serviceUsers: [
        {
          principal: `logs.${region}.amazonaws.com`,
          condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:*:log-group:/aws/eks/${name}/*`,
            },
          },
        },
      ],
    });
    // Created before the cluster: otherwise EKS creates it with no retention and no key.
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/eks/${name}/cluster`,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: this.logKey.arn,
    });

    this.role = new IamRole(this, "cluster-role", {
      name: `${name}-cluster`,
      description: `EKS control plane of ${name}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "eks.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:TagSession"],
          },
        ],
      }),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "cluster-policy", {
      role: this.role.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    });

    this.cluster = new EksClusterResource(this, "cluster", {
      name,
      version: props.kubernetesVersion,
      roleArn: this.role.arn,
      vpcConfig: {
        subnetIds: [...props.privateSubnetIds],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccessCidrs.length > 0,
        publicAccessCidrs: publicAccessCidrs.length > 0 ? publicAccessCidrs : undefined,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.secretsKey.arn } },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
      accessConfig: {
        authenticationMode: "API",
        bootstrapClusterCreatorAdminPermissions: props.clusterCreatorAdmin ?? adminRoleArns.length === 0,
      },
      deletionProtection: props.deletionProtection ?? true,
      dependsOn: [this.logGroup, clusterPolicy],
    });

    this.oidcProvider = new IamOpenidConnectProvider(this, "oidc-provider", {
      url: this.cluster.identity.get(0).oidc.get(0).issuer,
      clientIdList: ["sts.amazonaws.com"],
    });

    this.accessEntries = adminRoleArns.map((principalArn) => {
      // Keyed by role name, not list position, so removing one admin changes only that admin.
      const key = Token.isUnresolved(principalArn) ? principalArn : principalArn.split("/").pop()!;
      const entry = new EksAccessEntry(this, `admin-${key}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
      });
      new EksAccessPolicyAssociation(this, `admin-${key}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: CLUSTER_ADMIN_POLICY,
        accessScope: { type: "cluster" },
      });
      return entry;
    });

    this.capacity = new EksCapacity(this, "capacity", {
      clusterName: name,
      clusterNameRef: this.cluster.name,
      privateSubnetIds: props.privateSubnetIds,
      capacity: props.capacity ?? { type: "nodegroup" },
      kmsKeyArn: this.secretsKey.arn,
    });
    const capacityResource = this.capacity.nodeGroup ?? this.capacity.fargateProfile!;

    this.addons = CLUSTER_ADDONS.map(
      (addon) =>
        new EksAddon(this, `addon-${addon}`, {
          clusterName: this.cluster.name,
          addonName: addon,
          resolveConflictsOnUpdate: "OVERWRITE",
          // CoreDNS needs somewhere to run before it reports healthy.
          dependsOn: [capacityResource],
        }),
    );

    if (props.containerInsights ?? props.capacity?.type !== "fargate") {
      const role = new IrsaRole(this, "cw-agent-role", {
        name: `${name}-cw-agent`,
        oidcProviderArn: this.oidcProvider.arn,
        oidcIssuerUrl: this.oidcProvider.url,
        namespace: CONTAINER_INSIGHTS.namespace,
        serviceAccountName: CONTAINER_INSIGHTS.serviceAccountName,
        description: `Container Insights' CloudWatch agent in ${name}`,
      });
      new IamRolePolicyAttachment(this, "cw-agent-policy", {
        role: role.role.name,
        policyArn: CONTAINER_INSIGHTS.policyArn,
      });
      this.containerInsightsRole = role;
      this.addons = [
        ...this.addons,
        new EksAddon(this, `addon-${CONTAINER_INSIGHTS.addonName}`, {
          clusterName: this.cluster.name,
          addonName: CONTAINER_INSIGHTS.addonName,
          serviceAccountRoleArn: role.arn,
          resolveConflictsOnUpdate: "OVERWRITE",
          dependsOn: [capacityResource],
        }),
      ];
    }
  }

  get endpoint(): string {
    return this.cluster.endpoint;
  }

  /** Base64 PEM of the cluster CA. */
  get certificateAuthorityData(): string {
    return this.cluster.certificateAuthority.get(0).data;
  }
}

function validate(props: EksClusterProps): void {
  const fail = (message: string): never => {
    throw new Error(`EksCluster ${props.name}: ${message}`);
  };
  if (!Token.isUnresolved(props.name) && !/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/.test(props.name)) {
    fail("name must be 1-100 letters, digits, '-' or '_', starting with a letter or digit");
  }
  if (!Token.isUnresolved(props.kubernetesVersion) && !/^1\.\d{2}$/.test(props.kubernetesVersion)) {
    fail(`kubernetesVersion "${props.kubernetesVersion}" must be a minor version like "1.33"`);
  }
  if (!Token.isUnresolved(props.privateSubnetIds) && props.privateSubnetIds.length < 2) {
    fail("privateSubnetIds needs subnets in at least two availability zones (EKS requires it)");
  }
  for (const cidr of props.publicAccessCidrs ?? []) {
    if (/\/0$/.test(cidr)) {
      fail(
        `publicAccessCidrs contains ${cidr}, which opens the API server to the internet; list the CI and VPN egress CIDRs`,
      );
    }
  }
  const retention = props.logRetentionDays;
  if (
    retention !== undefined &&
    !Token.isUnresolved(retention) &&
    !(Number.isInteger(retention) && retention > 0)
  ) {
    fail(`logRetentionDays must be a positive number of days; got ${retention}`);
  }
  const capacity = props.capacity;
  if (capacity?.type === "fargate" && props.containerInsights === true) {
    fail(
      "containerInsights needs a managed node group: its CloudWatch agent is a DaemonSet, which Fargate " +
        "cannot run; collect Fargate pod metrics with the ADOT collector, or leave containerInsights unset",
    );
  }
  if (capacity?.type === "fargate" && capacity.namespaces.length === 0) {
    fail("capacity (fargate) lists no namespaces; add the workload's namespace");
  }
  if (capacity?.type === "nodegroup") {
    const d = NODE_GROUP_DEFAULTS;
    const {
      minSize = d.minSize,
      desiredSize = Math.max(minSize, d.desiredSize),
      maxSize = d.maxSize,
    } = capacity;
    if (!(minSize >= 1 && minSize <= desiredSize && desiredSize <= maxSize)) {
      fail(
        `capacity sizes must satisfy 1 <= minSize (${minSize}) <= desiredSize (${desiredSize}) <= maxSize (${maxSize})`,
      );
    }
    if (capacity.instanceTypes && capacity.instanceTypes.length === 0) {
      fail("capacity.instanceTypes is empty; list at least one instance type or leave it unset");
    }
  }
}

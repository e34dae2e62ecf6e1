import { EksFargateProfile } from "@cdktf/provider-aws/lib/eks-fargate-profile";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Token } from "../../engine";
import { Construct } from "constructs";

/** Managed EC2 nodes in the private subnets. */
export interface NodeGroupCapacity {
  readonly type: "nodegroup";
  /** @default ["m6i.xlarge"] */
  readonly instanceTypes?: readonly string[];
  /** @default 3 / 3 / 30 */
  readonly minSize?: number;
  readonly desiredSize?: number;
  readonly maxSize?: number;
  /** Root volume size per node in GiB (encrypted with the cluster's key). @default 50 */
  readonly diskSizeGiB?: number;
}

/** Pods on Fargate: one profile for the listed namespaces (and CoreDNS in kube-system). */
export interface FargateCapacity {
  readonly type: "fargate";
  /** Namespaces whose pods run on Fargate. */
  readonly namespaces: readonly string[];
}

export type ClusterCapacity = NodeGroupCapacity | FargateCapacity;

export const NODE_GROUP_DEFAULTS = {
  instanceTypes: ["m6i.xlarge"],
  minSize: 3,
  desiredSize: 3,
  maxSize: 30,
  diskSizeGiB: 50,
} as const;

export interface EksCapacityProps {
  readonly clusterName: string;
  readonly privateSubnetIds: readonly string[];
  readonly capacity: ClusterCapacity;
  /** Encrypts the nodes' root volumes. */
  readonly kmsKeyArn: string;
  /** Makes the capacity wait for the cluster (the cluster resource's name). */
  readonly clusterNameRef: string;
}

const assume = (service: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });

const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/** Where the cluster's pods run: a managed node group (IMDSv2 only, encrypted disks) or a Fargate profile. */
export class EksCapacity extends Construct {
  readonly role: IamRole;
  readonly nodeGroup?: EksNodeGroup;
  readonly launchTemplate?: LaunchTemplate;
  readonly fargateProfile?: EksFargateProfile;

  constructor(scope: Construct, id: string, props: EksCapacityProps) {
    super(scope, id);
    const { clusterName, capacity } = props;
    const subnetIds = [...props.privateSubnetIds];

    if (capacity.type === "fargate") {
      this.role = new IamRole(this, "pod-execution-role", {
        name: `${clusterName}-fargate-pods`,
        description: "Pulls images and writes logs for Fargate pods",
        assumeRolePolicy: assume("eks-fargate-pods.amazonaws.com"),
      });
      const attachment = new IamRolePolicyAttachment(this, "pod-execution-policy", {
        role: this.role.name,
        policyArn: managed("AmazonEKSFargatePodExecutionRolePolicy"),
      });
      this.fargateProfile = new EksFargateProfile(this, "fargate-profile", {
        clusterName: props.clusterNameRef,
        fargateProfileName: `${clusterName}-workloads`,
        podExecutionRoleArn: this.role.arn,
        subnetIds,
        selector: [
          ...capacity.namespaces.map((namespace) => ({ namespace })),
          // No node runs anything here: CoreDNS and the kube-system controllers (the AWS Load
          // Balancer Controller) run on Fargate too; DaemonSets never do.
          { namespace: "kube-system" },
        ],
        dependsOn: [attachment],
      });
      return;
    }

    const d = NODE_GROUP_DEFAULTS;
    this.role = new IamRole(this, "node-role", {
      name: `${clusterName}-nodes`,
      description: "EKS worker nodes: join the cluster, pull images, run the VPC CNI",
      assumeRolePolicy: assume("ec2.amazonaws.com"),
    });
    const attachments = [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEC2ContainerRegistryReadOnly",
      "AmazonEKS_CNI_Policy",
    ].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `node-${policy}`, {
          role: this.role.name,
          policyArn: managed(policy),
        }),
    );
    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: `${clusterName}-nodes`,
      description: "IMDSv2 only, unreachable from pods; KMS-encrypted root volume",
      // Hop limit 1: pods cannot reach the node's instance role; they use IRSA.
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: capacity.diskSizeGiB ?? d.diskSizeGiB,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: props.kmsKeyArn,
            deleteOnTermination: "true",
          },
        },
      ],
      tagSpecifications: [{ resourceType: "instance", tags: { Name: `${clusterName}-node` } }],
    });
    const minSize = capacity.minSize ?? d.minSize;
    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterNameRef,
      nodeGroupName: `${clusterName}-default`,
      nodeRoleArn: this.role.arn,
      subnetIds,
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      instanceTypes: [...(capacity.instanceTypes ?? d.instanceTypes)],
      scalingConfig: {
        minSize,
        desiredSize: capacity.desiredSize ?? Math.max(minSize, d.desiredSize),
        maxSize: capacity.maxSize ?? d.maxSize,
      },
      updateConfig: { maxUnavailablePercentage: 33 },
      launchTemplate: {
        id: this.launchTemplate.id,
        version: Token.asString(this.launchTemplate.latestVersion),
      },
      // A cluster autoscaler (or Karpenter) owns the size once running.
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      // Nodes that start before their role can join the cluster never become Ready.
      dependsOn: attachments,
    });
  }
}

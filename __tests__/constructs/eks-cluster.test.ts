import {
  CLUSTER_ADDONS,
  CONTAINER_INSIGHTS,
  EksCluster,
  type EksClusterProps,
} from "../../constructs/eks-cluster/eks-cluster";
import { IrsaRole } from "../../constructs/eks-cluster/irsa-role";
import { only, resources, synthJson, testStack } from "../helpers/synth";

const SUBNETS = ["subnet-a", "subnet-b", "subnet-c"];

function synthCluster(props: Partial<EksClusterProps> = {}) {
  const { stack } = testStack("eu-west-1");
  const cluster = new EksCluster(stack, "cluster", {
    name: "app-prod-euw1-eks",
    region: "eu-west-1",
    kubernetesVersion: "1.33",
    privateSubnetIds: SUBNETS,
    ...props,
  });
  return { json: synthJson(stack), cluster, stack };
}

const policy = (json: any, type: string, attr: string) =>
  resources(json, type).map(([, r]) => JSON.parse(r[attr]));

describe("EksCluster defaults", () => {
  const { json } = synthCluster();
  const cluster = only(json, "aws_eks_cluster");

  it("envelope-encrypts Kubernetes secrets with its own rotating customer key", () => {
    expect(cluster.encryption_config.resources).toEqual(["secrets"]);
    expect(cluster.encryption_config.provider.key_arn).toMatch(/aws_kms_key\.cluster_secrets-key/);
    expect(resources(json, "aws_kms_key").every(([, k]) => k.enable_key_rotation === true)).toBe(true);
  });

  it("keeps the API endpoint private, in the given private subnets", () => {
    expect(cluster.vpc_config).toEqual({
      subnet_ids: SUBNETS,
      endpoint_private_access: true,
      endpoint_public_access: false,
    });
  });

  it("sends every control-plane log type to a KMS-encrypted log group with retention, created first", () => {
    expect(cluster.enabled_cluster_log_types).toEqual([
      "api",
      "audit",
      "authenticator",
      "controllerManager",
      "scheduler",
    ]);
    const logGroup = only(json, "aws_cloudwatch_log_group");
    expect(logGroup).toMatchObject({ name: "/aws/eks/app-prod-euw1-eks/cluster", retention_in_days: 365 });
    expect(logGroup.kms_key_id).toMatch(/aws_kms_key\.cluster_log-key/);
    expect(cluster.depends_on).toContainEqual(expect.stringMatching(/^aws_cloudwatch_log_group\./));
    const logKey = policy(json, "aws_kms_key", "policy").find((p) =>
      p.Statement.some((s: any) => s.Principal.Service === "logs.eu-west-1.amazonaws.com"),
    );
    expect(JSON.stringify(logKey)).toContain("log-group:/aws/eks/app-prod-euw1-eks/*");
  });

  it("uses access entries (API mode, no aws-auth ConfigMap), the creator as admin when no admin role is given", () => {
    expect(cluster.access_config).toEqual({
      authentication_mode: "API",
      bootstrap_cluster_creator_admin_permissions: true,
    });
    expect(resources(json, "aws_eks_access_entry")).toHaveLength(0);
  });

  it("has deletion protection and the requested version", () => {
    expect(cluster.deletion_protection).toBe(true);
    expect(cluster.version).toBe("1.33");
  });

  it("runs the control plane under a role EKS alone can assume, with the cluster policy attached first", () => {
    const role = resources(json, "aws_iam_role").find(([, r]) => r.name === "app-prod-euw1-eks-cluster")![1];
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({
      Service: "eks.amazonaws.com",
    });
    expect(cluster.depends_on).toContainEqual(
      expect.stringMatching(/^aws_iam_role_policy_attachment\.cluster_cluster-policy/),
    );
  });

  it("registers the cluster's OIDC issuer for IRSA with the STS audience", () => {
    const oidc = only(json, "aws_iam_openid_connect_provider");
    expect(oidc.client_id_list).toEqual(["sts.amazonaws.com"]);
    expect(oidc.url).toMatch(/aws_eks_cluster\..*\.identity\[0\]\.oidc\[0\]\.issuer/);
  });

  it("runs a managed node group in the private subnets with IMDSv2 only and encrypted disks", () => {
    const group = only(json, "aws_eks_node_group");
    expect(group).toMatchObject({
      node_group_name: "app-prod-euw1-eks-default",
      subnet_ids: SUBNETS,
      instance_types: ["m6i.xlarge"],
      ami_type: "AL2023_x86_64_STANDARD",
      scaling_config: { min_size: 3, desired_size: 3, max_size: 30 },
    });
    expect(group.lifecycle.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
    expect(group.depends_on).toHaveLength(3);
    const template = only(json, "aws_launch_template");
    expect(template.metadata_options).toMatchObject({
      http_tokens: "required",
      http_put_response_hop_limit: 1,
    });
    expect(template.block_device_mappings[0].ebs).toMatchObject({ encrypted: "true", volume_type: "gp3" });
    expect(template.block_device_mappings[0].ebs.kms_key_id).toMatch(/aws_kms_key\.cluster_secrets-key/);
    const policies = resources(json, "aws_iam_role_policy_attachment").map(([, a]) => a.policy_arn);
    expect(policies).toEqual(
      expect.arrayContaining([
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      ]),
    );
  });

  it("installs the managed add-ons and Container Insights after the capacity exists", () => {
    const addons = resources(json, "aws_eks_addon").map(([, a]) => a);
    expect(addons.map((a) => a.addon_name).sort()).toEqual(
      [...CLUSTER_ADDONS, CONTAINER_INSIGHTS.addonName].sort(),
    );
    expect(addons.every((a) => a.depends_on[0].startsWith("aws_eks_node_group."))).toBe(true);
  });

  it("runs Container Insights' agent on its own IRSA role with the CloudWatch agent policy only", () => {
    const addon = resources(json, "aws_eks_addon").find(
      ([, a]) => a.addon_name === "amazon-cloudwatch-observability",
    )![1];
    const role = resources(json, "aws_iam_role").find(([, r]) => r.name === "app-prod-euw1-eks-cw-agent")!;
    expect(addon.service_account_role_arn).toBe(`\${aws_iam_role.${role[0]}.arn}`);
    expect(role[1].assume_role_policy).toContain(
      '"system:serviceaccount:amazon-cloudwatch:cloudwatch-agent"',
    );
    const attachments = resources(json, "aws_iam_role_policy_attachment")
      .map(([, a]) => a)
      .filter((a) => a.role.includes(role[0]));
    expect(attachments.map((a) => a.policy_arn)).toEqual([
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]);
  });
});

describe("EksCluster options", () => {
  it("opens the public endpoint only to the listed CIDRs", () => {
    const { json } = synthCluster({ publicAccessCidrs: ["203.0.113.0/24"] });
    expect(only(json, "aws_eks_cluster").vpc_config).toMatchObject({
      endpoint_public_access: true,
      public_access_cidrs: ["203.0.113.0/24"],
    });
  });

  it("gives admin roles cluster-admin through access entries keyed by role name", () => {
    const { json } = synthCluster({
      adminRoleArns: ["arn:aws:iam::123456789012:role/deploy", "arn:aws:iam::123456789012:role/oncall"],
    });
    expect(only(json, "aws_eks_cluster").access_config.bootstrap_cluster_creator_admin_permissions).toBe(
      false,
    );
    const entries = resources(json, "aws_eks_access_entry");
    expect(entries.map(([id]) => id.split("_")[1])).toEqual(["admin-deploy", "admin-oncall"]);
    expect(entries.map(([, e]) => e.type)).toEqual(["STANDARD", "STANDARD"]);
    const associations = resources(json, "aws_eks_access_policy_association").map(([, a]) => a);
    expect(associations.map((a) => [a.policy_arn, a.access_scope])).toEqual([
      ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", { type: "cluster" }],
      ["arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", { type: "cluster" }],
    ]);
  });

  it("runs pods on a Fargate profile for the namespaces (and kube-system) instead of nodes", () => {
    const { json } = synthCluster({ capacity: { type: "fargate", namespaces: ["skyline"] } });
    expect(resources(json, "aws_eks_node_group")).toHaveLength(0);
    expect(resources(json, "aws_launch_template")).toHaveLength(0);
    const profile = only(json, "aws_eks_fargate_profile");
    expect(profile.subnet_ids).toEqual(SUBNETS);
    expect(profile.selector).toEqual([{ namespace: "skyline" }, { namespace: "kube-system" }]);
    const role = resources(json, "aws_iam_role").find(([, r]) => r.name.endsWith("-fargate-pods"))![1];
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal.Service).toBe(
      "eks-fargate-pods.amazonaws.com",
    );
    expect(
      resources(json, "aws_eks_addon").every(([, a]) =>
        a.depends_on[0].startsWith("aws_eks_fargate_profile."),
      ),
    ).toBe(true);
    // Container Insights' agent is a DaemonSet, which Fargate cannot run.
    expect(resources(json, "aws_eks_addon").map(([, a]) => a.addon_name)).not.toContain(
      CONTAINER_INSIGHTS.addonName,
    );
    expect(resources(json, "aws_iam_role").some(([, r]) => r.name.endsWith("-cw-agent"))).toBe(false);
  });

  it("leaves Container Insights out when asked to", () => {
    const { json, cluster } = synthCluster({ containerInsights: false });
    expect(
      resources(json, "aws_eks_addon")
        .map(([, a]) => a.addon_name)
        .sort(),
    ).toEqual([...CLUSTER_ADDONS].sort());
    expect(cluster.containerInsightsRole).toBeUndefined();
  });

  it("sizes the node group and log retention from props", () => {
    const { json } = synthCluster({
      capacity: {
        type: "nodegroup",
        instanceTypes: ["m7g.large"],
        minSize: 2,
        desiredSize: 4,
        maxSize: 8,
        diskSizeGiB: 80,
      },
      logRetentionDays: 90,
      deletionProtection: false,
    });
    expect(only(json, "aws_eks_node_group")).toMatchObject({
      instance_types: ["m7g.large"],
      scaling_config: { min_size: 2, desired_size: 4, max_size: 8 },
    });
    expect(only(json, "aws_launch_template").block_device_mappings[0].ebs.volume_size).toBe(80);
    expect(only(json, "aws_cloudwatch_log_group").retention_in_days).toBe(90);
    expect(only(json, "aws_eks_cluster").deletion_protection).toBe(false);
  });
});

describe("EksCluster validation", () => {
  it.each<[string, Partial<EksClusterProps>, RegExp]>([
    ["a bad name", { name: "-eks" }, /name must be 1-100 letters/],
    [
      "a patch version",
      { kubernetesVersion: "1.33.1" },
      /kubernetesVersion "1.33.1" must be a minor version/,
    ],
    ["a single subnet", { privateSubnetIds: ["subnet-a"] }, /at least two availability zones/],
    ["an open public endpoint", { publicAccessCidrs: ["0.0.0.0/0"] }, /opens the API server to the internet/],
    ["zero log retention", { logRetentionDays: 0 }, /logRetentionDays must be a positive number/],
    [
      "a Fargate profile with no namespace",
      { capacity: { type: "fargate", namespaces: [] } },
      /lists no namespaces/,
    ],
    [
      "node sizes out of order",
      { capacity: { type: "nodegroup", minSize: 5, desiredSize: 2, maxSize: 10 } },
      /minSize \(5\) <= desiredSize \(2\)/,
    ],
    ["no instance types", { capacity: { type: "nodegroup", instanceTypes: [] } }, /instanceTypes is empty/],
    [
      "Container Insights on Fargate",
      { capacity: { type: "fargate", namespaces: ["skyline"] }, containerInsights: true },
      /containerInsights needs a managed node group/,
    ],
  ])("refuses %s, naming the cluster", (_what, props, message) => {
    expect(() => synthCluster(props)).toThrow(message);
    expect(() => synthCluster(props)).toThrow(/^EksCluster /);
  });
});

describe("IrsaRole", () => {
  it("trusts only the named service account of the cluster's OIDC issuer, with the STS audience", () => {
    const { stack } = testStack();
    const role = new IrsaRole(stack, "pods", {
      name: "app-api-pods",
      oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
      oidcIssuerUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
      namespace: "skyline",
      serviceAccountName: "skyline-api",
    });
    role.addToPolicy("read", {
      Action: "secretsmanager:GetSecretValue",
      Resource: "arn:aws:secretsmanager:x",
    });
    const json = synthJson(stack);
    const trust = only(json, "aws_iam_role").assume_role_policy as string;
    expect(trust).toContain('"Action":"sts:AssumeRoleWithWebIdentity"');
    expect(trust).toContain('"Federated":"arn:aws:iam::123456789012:oidc-provider/');
    // The condition keys are the issuer without its scheme, computed by Terraform.
    const issuerKey = '${replace("https://oidc.eks.us-east-1.amazonaws.com/id/ABC", "https://", "")}';
    expect(trust).toContain(`"${issuerKey}:sub":"system:serviceaccount:skyline:skyline-api"`);
    expect(trust).toContain(`"${issuerKey}:aud":"sts.amazonaws.com"`);
    const inline = JSON.parse(only(json, "aws_iam_role_policy").policy);
    expect(inline.Statement).toEqual([
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:x" },
    ]);
  });
});

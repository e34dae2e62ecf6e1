import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployOrder, deployRegions, regionStacks } from "../../scripts/deploy-order";
import { buildApp } from "../../stacks/app";
import { ConfigError, parseEnvironment } from "../../stacks/config/schema";
import { apiPodRoleName } from "../../stacks/eks-cluster-stack";
import { config, variant } from "../helpers/config";
import { only, resources, synthJson, type StackJson } from "../helpers/synth";

/** The same product on EKS: its own environment name and state bucket, next to the ECS ones. */
const eksVariant = (base: "staging" | "production", change: (env: any) => void = () => {}) =>
  config(base, (env) => {
    env.environment = `${base}-eks`;
    env.stateBackend.bucket = `skyline-${base}-eks-tfstate`;
    env.compute = "eks";
    // Its own image repository: two environments sharing one would share the global stack's registry.
    env.image.repository = env.image.repository.replace(/skyline-api$/, "skyline-api-eks");
    change(env);
  });

const outdir = () => mkdtempSync(join(tmpdir(), "skyline-compute-"));

describe("compute choice in the config", () => {
  it("defaults to ECS with a complete EKS section", () => {
    const staging = config("staging");
    expect(staging.compute).toBe("ecs");
    expect(staging.eks).toEqual({
      kubernetesVersion: "1.33",
      capacity: "nodegroup",
      nodeInstanceTypes: ["m6i.xlarge"],
      nodeMinSize: 3,
      nodeDesiredSize: 3,
      nodeMaxSize: 30,
      publicAccessCidrs: [],
      adminRoleArns: [],
      namespace: "skyline",
      secretsSource: "external-secrets",
    });
  });

  it.each<[string, (env: any) => void, RegExp]>([
    ["an unknown compute", (env) => (env.compute = "lambda"), /^compute: /],
    [
      "an internet-open API endpoint",
      (env) => (env.eks = { publicAccessCidrs: ["0.0.0.0/0"] }),
      /eks.publicAccessCidrs.0: .*\/0/,
    ],
    [
      "node sizes out of order",
      (env) => (env.eks = { nodeMinSize: 5, nodeDesiredSize: 2 }),
      /eks.nodeDesiredSize: node group sizes must satisfy nodeMinSize \(5\)/,
    ],
    [
      "minReplicas above maxReplicas",
      (env) => (env.eks = { minReplicas: 20, maxReplicas: 10 }),
      /eks.minReplicas: /,
    ],
    [
      "an admin that is not a role ARN",
      (env) => (env.eks = { adminRoleArns: ["alice"] }),
      /eks.adminRoleArns.0: /,
    ],
    ["a patch version", (env) => (env.eks = { kubernetesVersion: "1.33.2" }), /eks.kubernetesVersion: /],
    ["an unknown eks field", (env) => (env.eks = { nodes: 3 }), /eks: Unrecognized key/],
  ])("refuses %s, naming the field", (_what, change, message) => {
    let error: unknown;
    try {
      parseEnvironment(variant("staging", change), "staging");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.some((p) => message.test(p))).toBe(true);
  });
});

describe("ECS and EKS environments side by side", () => {
  const configs = [config("staging"), config("production"), eksVariant("staging"), eksVariant("production")];
  const dir = outdir();
  const { app, environments } = buildApp(configs, { outdir: dir });
  const [ecsStaging, ecsProduction, eksStaging, eksProduction] = environments;
  const allStacks = environments.flatMap((e) => [
    e.state,
    ...e.regional,
    e.global,
    ...(e.eks ?? []),
    ...(e.kubernetes ?? []),
  ]);
  const synthed = new Map<string, StackJson>(allStacks.map((s) => [s.node.id, synthJson(s)]));

  it("adds no Kubernetes stacks to an ECS environment", () => {
    expect(ecsStaging.eks).toBeUndefined();
    expect(ecsProduction.kubernetes).toBeUndefined();
  });

  it("adds a cluster stack and a Kubernetes stack per region of an EKS environment, primary first", () => {
    expect(eksProduction.eks!.map((s) => s.node.id)).toEqual([
      "skyline-production-eks-us-east-1-eks",
      "skyline-production-eks-eu-west-1-eks",
      "skyline-production-eks-ap-south-1-eks",
    ]);
    expect(eksProduction.kubernetes!.map((s) => s.node.id)).toEqual([
      "skyline-production-eks-us-east-1-k8s",
      "skyline-production-eks-eu-west-1-k8s",
      "skyline-production-eks-ap-south-1-k8s",
    ]);
    expect(eksStaging.eks!.map((s) => s.node.id)).toEqual(["skyline-staging-eks-us-east-1-eks"]);
  });

  it("synthesizes every stack of both choices into one output without a duplicate stack", () => {
    const ids = allStacks.map((s) => s.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    app.synth();
    for (const id of ids) expect(existsSync(join(dir, "stacks", id, "cdk.tf.json"))).toBe(true);
  });

  it("gives every named AWS resource a unique name per account and region (IAM names per account)", () => {
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    const named = [
      ["aws_iam_role", "name", true],
      ["aws_kms_alias", "name", false],
      ["aws_cloudwatch_log_group", "name", false],
      ["aws_eks_cluster", "name", false],
      ["aws_eks_node_group", "node_group_name", false],
      ["aws_launch_template", "name", false],
    ] as const;
    for (const stack of allStacks) {
      const json = synthed.get(stack.node.id)!;
      const { accountIds } = (stack as any).config;
      const region = (stack as any).region;
      for (const [type, attr, global] of named) {
        for (const [address, r] of resources(json, type)) {
          if (typeof r[attr] !== "string" || r.provider) continue;
          const key = `${accountIds[0]}/${global ? "global" : region}/${type}/${r[attr]}`;
          if (seen.has(key)) duplicates.push(`${key} in ${seen.get(key)} and ${stack.node.id}/${address}`);
          seen.set(key, `${stack.node.id}/${address}`);
        }
      }
    }
    expect(duplicates).toEqual([]);
  });

  describe("the cluster stack", () => {
    const primary = synthed.get("skyline-production-eks-us-east-1-eks")!;
    const dr = synthed.get("skyline-production-eks-eu-west-1-eks")!;

    it("keeps its own state and names the cluster from the config", () => {
      expect((primary.terraform as any).backend.s3.key).toBe(
        "production-eks/us-east-1/skyline-production-eks-us-east-1-eks.tfstate",
      );
      expect(only(primary, "aws_eks_cluster").name).toBe("skyline-production-eks-use1-eks");
      expect(only(primary, "aws_cloudwatch_log_group").retention_in_days).toBe(365);
      expect(
        only(synthed.get("skyline-staging-eks-us-east-1-eks")!, "aws_cloudwatch_log_group").retention_in_days,
      ).toBe(90);
    });

    it("finds the regional stack's VPC and private subnets by tags, not by cross-stack references", () => {
      expect(primary.data!.aws_vpc.vpc).toEqual({ tags: { Name: "skyline-production-eks-use1" } });
      expect(primary.data!.aws_subnets["private-subnets"].filter).toContainEqual({
        name: "tag:skyline:tier",
        values: ["private"],
      });
      expect(only(primary, "aws_eks_cluster").vpc_config.subnet_ids).toBe(
        "${data.aws_subnets.private-subnets.ids}",
      );
      expect(JSON.stringify(primary)).not.toMatch(/terraform_remote_state/);
    });

    it("lets the cluster's pods reach the database, the proxy (primary only) and the cache", () => {
      const rules = (json: StackJson) =>
        resources(json, "aws_vpc_security_group_ingress_rule")
          .map(([, r]) => [r.from_port, r.description])
          .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
      expect(rules(primary)).toEqual([
        [6379, "skyline-production-eks-use1-cache from the pods of skyline-production-eks-use1-eks"],
        [5432, "skyline-production-eks-use1-db from the pods of skyline-production-eks-use1-eks"],
        [5432, "skyline-production-eks-use1-db-proxy from the pods of skyline-production-eks-use1-eks"],
      ]);
      expect(rules(dr)).toHaveLength(2);
      for (const [, r] of resources(primary, "aws_vpc_security_group_ingress_rule")) {
        expect(r.referenced_security_group_id).toMatch(
          /aws_eks_cluster\..*vpc_config\[0\]\.cluster_security_group_id/,
        );
      }
    });

    it("creates the API pods' IRSA role with database login and read access to the shared secrets", () => {
      const role = resources(primary, "aws_iam_role").find(([, r]) => r.name.endsWith("-api-pods"))![1];
      expect(role.name).toBe(apiPodRoleName(eksProduction.config, "us-east-1"));
      expect(role.assume_role_policy).toContain('"system:serviceaccount:skyline:skyline-api"');
      const policies = resources(primary, "aws_iam_role_policy").map(
        ([, p]) => JSON.parse(p.policy).Statement,
      );
      expect(policies).toContainEqual([
        {
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: "arn:aws:rds-db:us-east-1:222222222222:dbuser:*/skyline_admin",
        },
      ]);
      const read = policies.find((s) => s[0].Action.includes?.("secretsmanager:GetSecretValue"))!;
      expect(read[0].Resource).toContain(
        "arn:aws:secretsmanager:us-east-1:222222222222:secret:skyline-production-eks-jwt-??????",
      );
      expect(read[0].Resource).toContain("arn:aws:secretsmanager:us-east-1:222222222222:secret:rds!db-*");
      expect(read[1].Condition).toEqual({
        StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" },
      });
      const drRead = resources(dr, "aws_iam_role_policy")
        .map(([, p]) => JSON.parse(p.policy).Statement)
        .find((s) => s[0].Action.includes?.("secretsmanager:GetSecretValue"))!;
      expect(drRead[0].Resource.some((r: string) => r.includes("rds!db"))).toBe(false);
    });

    it("runs pods on Fargate when the config asks for it", () => {
      const fargate = buildApp([eksVariant("staging", (env) => (env.eks = { capacity: "fargate" }))], {
        outdir: outdir(),
      });
      const json = synthJson(fargate.environments[0].eks![0]);
      expect(resources(json, "aws_eks_node_group")).toHaveLength(0);
      expect(only(json, "aws_eks_fargate_profile").selector[0]).toEqual({ namespace: "skyline" });
    });
  });

  describe("the Kubernetes stack", () => {
    const primary = synthed.get("skyline-production-eks-us-east-1-k8s")!;
    const dr = synthed.get("skyline-production-eks-ap-south-1-k8s")!;
    const provider = (json: StackJson) => (json.provider as any).kubernetes[0];

    it("configures the provider from the existing cluster with an exec token, never a stored token", () => {
      expect(primary.data!.aws_eks_cluster.cluster).toEqual({ name: "skyline-production-eks-use1-eks" });
      expect(provider(primary)).toEqual({
        host: "${data.aws_eks_cluster.cluster.endpoint}",
        cluster_ca_certificate: "${base64decode(data.aws_eks_cluster.cluster.certificate_authority[0].data)}",
        exec: [
          {
            api_version: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: [
              "eks",
              "get-token",
              "--cluster-name",
              "skyline-production-eks-use1-eks",
              "--region",
              "us-east-1",
              "--output",
              "json",
            ],
          },
        ],
      });
      expect(JSON.stringify(primary)).not.toMatch(/"token"|aws_eks_cluster_auth/);
    });

    it("binds the workload's service account to the cluster stack's IRSA role by its deterministic ARN", () => {
      const sa = only(primary, "kubernetes_service_account_v1");
      expect(sa.metadata.name).toBe("skyline-api");
      expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(
        `arn:aws:iam::222222222222:role/${apiPodRoleName(eksProduction.config, "us-east-1")}`,
      );
    });

    it("runs the environment's image from the region's registry replica", () => {
      const container = only(dr, "kubernetes_deployment_v1").spec.template.spec.container[0];
      expect(container.image).toBe("222222222222.dkr.ecr.ap-south-1.amazonaws.com/skyline-api-eks:0.1.0");
    });

    it("gives the pods the same variables as the ECS task, the secret ones only by reference", () => {
      const ecs = synthed.get("skyline-production-us-east-1")!;
      const task = only(ecs, "aws_ecs_task_definition");
      const definition = JSON.parse(task.container_definitions)[0];
      const ecsNames = [
        ...definition.environment.map((e: any) => e.name),
        ...definition.secrets.map((s: any) => s.name),
      ].sort();
      const env = only(primary, "kubernetes_deployment_v1").spec.template.spec.container[0].env;
      expect(env.map((e: any) => e.name).sort()).toEqual(ecsNames);
      const secretNames = definition.secrets.map((s: any) => s.name).sort();
      expect(
        env
          .filter((e: any) => e.value_from)
          .map((e: any) => e.name)
          .sort(),
      ).toEqual(secretNames);
      expect(
        env.filter((e: any) => secretNames.includes(e.name)).every((e: any) => e.value === undefined),
      ).toBe(true);
    });

    it("reads the writer through the proxy in the primary and the replica itself in a DR region", () => {
      const host = (json: StackJson) =>
        only(json, "kubernetes_deployment_v1").spec.template.spec.container[0].env.find(
          (e: any) => e.name === "DB_HOST",
        ).value;
      expect(host(primary)).toBe("${data.aws_db_proxy.database-proxy.endpoint}");
      expect(host(dr)).toBe("${data.aws_db_instance.database.address}");
      expect(primary.data!.aws_db_proxy["database-proxy"]).toEqual({
        name: "skyline-production-eks-use1-db-proxy",
      });
    });

    it("syncs DB_USER from the writer's managed secret in the primary and the replicated connection secret elsewhere", () => {
      const dbUser = (json: StackJson) =>
        resources(json, "kubernetes_manifest")
          .map(([, m]) => m.manifest)
          .find((m) => m.kind === "ExternalSecret")
          .spec.data.find((d: any) => d.secretKey === "DB_USER").remoteRef;
      expect(dbUser(primary)).toEqual({
        key: "${data.aws_db_instance.database.master_user_secret[0].secret_arn}",
        property: "username",
      });
      expect(dbUser(dr)).toEqual({ key: "skyline-production-eks-db-connection", property: "username" });
    });

    it("reads an existing Kubernetes Secret instead when the config says so", () => {
      const built = buildApp(
        [eksVariant("staging", (env) => (env.eks = { secretsSource: "kubernetes-secret" }))],
        {
          outdir: outdir(),
        },
      );
      const json = synthJson(built.environments[0].kubernetes![0]);
      expect(resources(json, "kubernetes_manifest")).toHaveLength(0);
      const env = only(json, "kubernetes_deployment_v1").spec.template.spec.container[0].env;
      expect(env.find((e: any) => e.name === "JWT_SECRET").value_from.secret_key_ref).toEqual({
        name: "skyline-api-secrets",
        key: "JWT_SECRET",
      });
    });

    it("takes replica bounds from the config, starting at the minimum", () => {
      const built = buildApp(
        [eksVariant("staging", (env) => (env.eks = { minReplicas: 2, maxReplicas: 6 }))],
        {
          outdir: outdir(),
        },
      );
      const json = synthJson(built.environments[0].kubernetes![0]);
      expect(only(json, "kubernetes_deployment_v1").spec.replicas).toBe("2");
      const hpa = only(json, "kubernetes_horizontal_pod_autoscaler_v2").spec;
      expect([hpa.min_replicas, hpa.max_replicas]).toEqual([2, 6]);
    });
  });
});

describe("deploy order (scripts/deploy-order.ts)", () => {
  const production = config("production");
  const eks = eksVariant("production");

  it("applies the primary region first on a first deploy, then the global stack", () => {
    expect(deployOrder(production, "initial")).toEqual([
      "skyline-production-us-east-1",
      "skyline-production-eu-west-1",
      "skyline-production-ap-south-1",
      "skyline-production-global",
    ]);
  });

  it("updates DR regions first (they take no user traffic), the primary last, then the global stack", () => {
    expect(deployRegions(production, "update")).toEqual(["eu-west-1", "ap-south-1", "us-east-1"]);
    expect(deployOrder(production, "update").at(-1)).toBe("skyline-production-global");
  });

  it("applies an EKS region as regional stack, then cluster stack, then Kubernetes stack", () => {
    expect(regionStacks(eks, "eu-west-1")).toEqual([
      "skyline-production-eks-eu-west-1",
      "skyline-production-eks-eu-west-1-eks",
      "skyline-production-eks-eu-west-1-k8s",
    ]);
    expect(deployOrder(eks, "update")).toHaveLength(3 * 3 + 1);
  });
});

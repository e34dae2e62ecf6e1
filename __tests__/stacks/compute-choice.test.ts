import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployOrder, deployRegions, regionStacks } from "../../scripts/deploy-order";
import { buildApp } from "../../stacks/app";
import { ConfigError, parseEnvironment } from "../../stacks/config/schema";
import { parseManifest } from "../../manifest/schema";
import { apiPodRoleName } from "../../stacks/eks-cluster-stack";
import { stacksOf, synthesize } from "../../stacks/synthesize";
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
      addonChartVersions: { awsLoadBalancerController: "1.13.0", externalSecrets: "0.19.2", keda: "2.17.2" },
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
    ["an unknown eks field", (env) => (env.eks = { nodes: 3 }), /^eks\.nodes: unknown field "nodes"/],
    [
      "a chart version range",
      (env) => (env.eks = { addonChartVersions: { externalSecrets: "^0.19.0" } }),
      /eks.addonChartVersions.externalSecrets: chart versions are exact semantic versions/,
    ],
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
  const allStacks = environments.flatMap(stacksOf);
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
    expect(eksProduction.eksAddons!.map((s) => s.node.id)).toEqual([
      "skyline-production-eks-us-east-1-addons",
      "skyline-production-eks-eu-west-1-addons",
      "skyline-production-eks-ap-south-1-addons",
    ]);
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
        [8080, "The API's pods from the ALB skyline-production-eks-use1-alb"],
      ]);
      expect(rules(dr)).toHaveLength(3);
      const dataRules = resources(primary, "aws_vpc_security_group_ingress_rule").filter(
        ([, r]) => !r.description.includes("from the ALB"),
      );
      for (const [, r] of dataRules) {
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
      // The replicas' own login, on the replicas only (by resource id), in the primary only.
      expect(policies).toContainEqual([
        {
          Effect: "Allow",
          Action: "rds-db:connect",
          Resource: [
            "arn:aws:rds-db:us-east-1:222222222222:dbuser:${data.aws_db_instance.db-replica-1.resource_id}/skyline_reader",
          ],
        },
      ]);
      expect(primary.data!.aws_db_instance["db-replica-1"]).toEqual({
        db_instance_identifier: "skyline-production-eks-use1-db-replica-1",
      });
      expect(JSON.stringify(dr)).not.toContain("skyline_reader");
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

    it("lets the regional ALB reach the pods on the API port: ingress on the cluster SG, egress on the ALB SG", () => {
      expect(primary.data!.aws_security_group["alb-sg"]).toEqual({
        name: "skyline-production-eks-use1-alb",
        vpc_id: "${data.aws_vpc.vpc.id}",
      });
      const albSg = "${data.aws_security_group.alb-sg.id}";
      const clusterSg = /aws_eks_cluster\..*vpc_config\[0\]\.cluster_security_group_id/;
      const ingress = resources(primary, "aws_vpc_security_group_ingress_rule").find(
        ([, r]) => r.referenced_security_group_id === albSg,
      )![1];
      expect(ingress).toMatchObject({ ip_protocol: "tcp", from_port: 8080, to_port: 8080 });
      expect(ingress.security_group_id).toMatch(clusterSg);
      const egress = only(primary, "aws_vpc_security_group_egress_rule");
      expect(egress).toMatchObject({
        security_group_id: albSg,
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
      });
      expect(egress.referenced_security_group_id).toMatch(clusterSg);
    });

    it("opens the API port the config names", () => {
      const built = buildApp([eksVariant("staging", (env) => (env.service.containerPort = 9090))], {
        outdir: outdir(),
      });
      const json = synthJson(built.environments[0].eks![0]);
      expect(only(json, "aws_vpc_security_group_egress_rule").from_port).toBe(9090);
      expect(only(synthJson(built.environments[0].regional[0]), "aws_lb_target_group").port).toBe(9090);
    });

    it("creates the Load Balancer Controller's IRSA role, allowed to register targets in the API's target group only", () => {
      const role = resources(primary, "aws_iam_role").find(([, r]) => r.name.endsWith("-lb-controller"))![1];
      expect(role.name).toBe("skyline-production-eks-use1-lb-controller");
      expect(role.assume_role_policy).toContain(
        '"system:serviceaccount:kube-system:aws-load-balancer-controller"',
      );
      const statements = resources(primary, "aws_iam_role_policy")
        .map(([, p]) => JSON.parse(p.policy).Statement)
        .find((st) => JSON.stringify(st).includes("RegisterTargets"))!;
      const register = statements.find((st: any) =>
        st.Action.includes("elasticloadbalancing:RegisterTargets"),
      );
      expect(register).toEqual({
        Effect: "Allow",
        Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
        Resource:
          "arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/skyline-production-eks-use1-api/*",
      });
      const describe = statements.find((st: any) => st.Resource === "*");
      expect(describe.Action.every((a: string) => /^(elasticloadbalancing|ec2):Describe\w+$/.test(a))).toBe(
        true,
      );
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

  describe("the regional stack of an EKS environment", () => {
    const eksRegional = synthed.get("skyline-production-eks-us-east-1")!;
    const ecsRegional = synthed.get("skyline-production-us-east-1")!;

    it("creates no ECS service, but keeps the ALB with its ip target group on the API port", () => {
      for (const type of ["aws_ecs_cluster", "aws_ecs_service", "aws_ecs_task_definition"]) {
        expect(resources(eksRegional, type)).toHaveLength(0);
        // The ECS environment's API service, and its queue workers beside it on the same cluster.
        expect(resources(ecsRegional, type)).toHaveLength(type === "aws_ecs_cluster" ? 1 : 2);
      }
      expect(eksProduction.regional[0].service).toBeUndefined();
      expect(only(eksRegional, "aws_lb_target_group")).toMatchObject({
        name: "skyline-production-eks-use1-api",
        target_type: "ip",
        port: 8080,
      });
      expect(resources(eksRegional, "aws_lb")).toHaveLength(1);
    });

    it("keeps the data tier, backup and monitoring", () => {
      for (const type of ["aws_db_instance", "aws_elasticache_replication_group", "aws_backup_plan"]) {
        expect(resources(eksRegional, type).length).toBeGreaterThan(0);
      }
      expect(resources(eksRegional, "aws_cloudwatch_composite_alarm")).toHaveLength(1);
    });

    it("opens the data tier to no compute itself: only the proxy reaches the database (the cluster stack adds the pods)", () => {
      const fromOtherGroups = resources(eksRegional, "aws_vpc_security_group_ingress_rule").filter(
        ([, r]) => r.referenced_security_group_id,
      );
      expect(fromOtherGroups.map(([, r]) => r.description)).toEqual(["PostgreSQL from the RDS Proxy"]);
      expect(
        resources(eksRegional, "aws_vpc_security_group_egress_rule").map(([, r]) => r.description),
      ).toEqual(["To PostgreSQL skyline-production-eks-use1-db"]);
    });

    it("alarms on the pods' CPU and memory from Container Insights instead of the ECS service", () => {
      const names = resources(eksRegional, "aws_cloudwatch_metric_alarm").map(([, a]) => a.alarm_name);
      expect(names).toEqual(
        expect.arrayContaining([
          "skyline-production-eks-use1-eks-pod-cpu",
          "skyline-production-eks-use1-eks-pod-memory",
        ]),
      );
      expect(names.some((n) => n.includes("-ecs-"))).toBe(false);
      const cpu = resources(eksRegional, "aws_cloudwatch_metric_alarm").find(([, a]) =>
        a.alarm_name.endsWith("eks-pod-cpu"),
      )![1];
      expect(cpu.dimensions).toEqual({
        ClusterName: "skyline-production-eks-use1-eks",
        Namespace: "skyline",
        Service: "skyline-api",
      });
    });
  });

  describe("the add-ons stack", () => {
    const addons = synthed.get("skyline-production-eks-eu-west-1-addons")!;
    const release = (json: StackJson, name: string) =>
      resources(json, "helm_release").find(([, r]) => r.name === name)?.[1];

    it("reaches the cluster like the Kubernetes stack: looked-up endpoint and CA, an exec token", () => {
      const helm = (addons.provider as any).helm[0];
      expect(helm.kubernetes.host).toBe("${data.aws_eks_cluster.cluster.endpoint}");
      expect(helm.kubernetes.exec.args).toContain("skyline-production-eks-euw1-eks");
      expect(JSON.stringify(addons)).not.toMatch(/"token"/);
    });

    it("installs the AWS Load Balancer Controller, pinned, on the cluster stack's IRSA role", () => {
      const lbc = release(addons, "aws-load-balancer-controller")!;
      expect(lbc).toMatchObject({
        repository: "https://aws.github.io/eks-charts",
        chart: "aws-load-balancer-controller",
        version: "1.13.0",
        namespace: "kube-system",
        atomic: true,
        wait: true,
      });
      const values = JSON.parse(lbc.values[0]);
      expect(values).toMatchObject({
        clusterName: "skyline-production-eks-euw1-eks",
        region: "eu-west-1",
        vpcId: "${data.aws_vpc.vpc.id}",
        serviceAccount: { create: true, name: "aws-load-balancer-controller" },
      });
      // The role the cluster stack creates, trusted by exactly this service account.
      const roleArn = values.serviceAccount.annotations["eks.amazonaws.com/role-arn"];
      const cluster = synthed.get("skyline-production-eks-eu-west-1-eks")!;
      const role = resources(cluster, "aws_iam_role").find(([, r]) => r.name.endsWith("-lb-controller"))![1];
      expect(roleArn).toBe(`arn:aws:iam::222222222222:role/${role.name}`);
      expect(role.assume_role_policy).toContain(
        "system:serviceaccount:kube-system:aws-load-balancer-controller",
      );
      expect(addons.data!.aws_vpc.vpc).toEqual({ tags: { Name: "skyline-production-eks-euw1" } });
    });

    it("installs the External Secrets operator with its CRDs when secrets come from Secrets Manager", () => {
      expect(release(addons, "external-secrets")).toMatchObject({
        repository: "https://charts.external-secrets.io",
        chart: "external-secrets",
        version: "0.19.2",
        namespace: "external-secrets",
        create_namespace: true,
        values: [JSON.stringify({ installCRDs: true })],
      });
      const own = buildApp(
        [
          eksVariant("staging", (env) => {
            env.eks = {
              secretsSource: "kubernetes-secret",
              addonChartVersions: { awsLoadBalancerController: "1.14.0" },
            };
          }),
        ],
        { outdir: outdir() },
      ).environments[0].eksAddons![0];
      const json = synthJson(own);
      expect(release(json, "external-secrets")).toBeUndefined();
      expect(release(json, "aws-load-balancer-controller")?.version).toBe("1.14.0");
    });

    it("lets Fargate run the add-ons: all of kube-system and the operator's namespace", () => {
      const fargate = buildApp([eksVariant("staging", (env) => (env.eks = { capacity: "fargate" }))], {
        outdir: outdir(),
      }).environments[0];
      const profile = only(synthJson(fargate.eks![0]), "aws_eks_fargate_profile");
      expect(profile.selector).toEqual([
        { namespace: "skyline" },
        { namespace: "external-secrets" },
        { namespace: "kube-system" },
      ]);
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
      const sa = only(primary, "kubernetes_service_account_v1", "api_");
      expect(sa.metadata.name).toBe("skyline-api");
      expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(
        `arn:aws:iam::222222222222:role/${apiPodRoleName(eksProduction.config, "us-east-1")}`,
      );
    });

    it("runs the environment's image from the region's registry replica", () => {
      const container = only(dr, "kubernetes_deployment_v1", "api_").spec.template.spec.container[0];
      expect(container.image).toBe("222222222222.dkr.ecr.ap-south-1.amazonaws.com/skyline-api-eks:0.1.0");
    });

    it("gives the pods the same variables as the ECS task, the secret ones only by reference", () => {
      const ecs = synthed.get("skyline-production-us-east-1")!;
      const task = only(ecs, "aws_ecs_task_definition", "api_");
      const definition = JSON.parse(task.container_definitions)[0];
      const ecsNames = [
        ...definition.environment.map((e: any) => e.name),
        ...definition.secrets.map((s: any) => s.name),
      ].sort();
      const env = only(primary, "kubernetes_deployment_v1", "api_").spec.template.spec.container[0].env;
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
        only(json, "kubernetes_deployment_v1", "api_").spec.template.spec.container[0].env.find(
          (e: any) => e.name === "DB_HOST",
        ).value;
      expect(host(primary)).toBe("${data.aws_db_proxy.database-proxy.endpoint}");
      expect(host(dr)).toBe("${data.aws_db_instance.database.address}");
      expect(primary.data!.aws_db_proxy["database-proxy"]).toEqual({
        name: "skyline-production-eks-use1-db-proxy",
      });
    });

    it("reads the in-region replicas with their own login in the primary, the writer in a DR region", () => {
      const env = (json: StackJson) =>
        Object.fromEntries(
          only(json, "kubernetes_deployment_v1", "api_")
            .spec.template.spec.container[0].env.filter((e: any) => e.value !== undefined)
            .map((e: any) => [e.name, e.value]),
        );
      expect(env(primary).DB_READER_HOST).toBe("${data.aws_db_instance.database-replica-1.address}");
      expect(env(primary).DB_READER_USER).toBe("skyline_reader");
      expect(primary.data!.aws_db_instance["database-replica-1"]).toEqual({
        db_instance_identifier: "skyline-production-eks-use1-db-replica-1",
      });
      // A DR region has no in-region replica: reads go to its cross-region replica, as the writer's login.
      expect(env(dr).DB_READER_HOST).toBe(env(dr).DB_HOST);
      expect(env(dr).DB_READER_USER).toBeUndefined();
      // Two replicas: both are read, and the pods' role may log in to both.
      const two = buildApp(
        [eksVariant("production", (e) => (e.database = { ...e.database, readReplicas: 2 }))],
        { outdir: outdir() },
      ).environments[0];
      expect(env(synthJson(two.kubernetes![0])).DB_READER_HOST).toBe(
        "${data.aws_db_instance.database-replica-1.address},${data.aws_db_instance.database-replica-2.address}",
      );
      const replicaLogin = resources(synthJson(two.eks![0]), "aws_iam_role_policy")
        .map(([, p]) => JSON.parse(p.policy).Statement[0])
        .find((st) => JSON.stringify(st.Resource).includes("skyline_reader"));
      expect(replicaLogin.Resource).toEqual(
        [1, 2].map(
          (n) =>
            `arn:aws:rds-db:us-east-1:222222222222:dbuser:\${data.aws_db_instance.db-replica-${n}.resource_id}/skyline_reader`,
        ),
      );
      // Staging has no replicas: the reader is the writer's proxy.
      const staging = synthed.get("skyline-staging-eks-us-east-1-k8s")!;
      expect(env(staging).DB_READER_HOST).toBe(env(staging).DB_HOST);
      expect(env(staging).DB_READER_USER).toBeUndefined();
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
      const kinds = resources(json, "kubernetes_manifest").map(([, m]) => m.manifest.kind);
      // The API's binding to its target group; the rest are the queue workers' KEDA scaling.
      expect(kinds).toContain("TargetGroupBinding");
      expect(
        kinds.filter((k) => k !== "TargetGroupBinding" && !/^(ScaledObject|TriggerAuthentication)$/.test(k)),
      ).toEqual([]);
      const env = only(json, "kubernetes_deployment_v1", "api_").spec.template.spec.container[0].env;
      expect(env.find((e: any) => e.name === "JWT_SECRET").value_from.secret_key_ref).toEqual({
        name: "skyline-api-secrets",
        key: "JWT_SECRET",
      });
    });

    it("binds the API's Service to the regional target group, found by its deterministic name", () => {
      expect(primary.data!.aws_lb_target_group["api-target-group"]).toEqual({
        name: "skyline-production-eks-use1-api",
      });
      const binding = resources(primary, "kubernetes_manifest")
        .map(([, m]) => m.manifest)
        .find((m) => m.kind === "TargetGroupBinding");
      expect(binding.apiVersion).toBe("elbv2.k8s.aws/v1beta1");
      expect(binding.spec).toEqual({
        serviceRef: { name: "skyline-api", port: 80 },
        targetGroupARN: "${data.aws_lb_target_group.api-target-group.arn}",
        targetType: "ip",
      });
      expect(only(primary, "kubernetes_service_v1", "api_").spec.port[0].target_port).toBe("http");
    });

    it("takes replica bounds from the config, starting at the minimum", () => {
      const built = buildApp(
        [eksVariant("staging", (env) => (env.eks = { minReplicas: 2, maxReplicas: 6 }))],
        {
          outdir: outdir(),
        },
      );
      const json = synthJson(built.environments[0].kubernetes![0]);
      expect(only(json, "kubernetes_deployment_v1", "api_").spec.replicas).toBe("2");
      const hpa = only(json, "kubernetes_horizontal_pod_autoscaler_v2", "api_").spec;
      expect([hpa.min_replicas, hpa.max_replicas]).toEqual([2, 6]);
    });
  });
});

describe("synthesize(): guardrails, manifest and runbooks for both compute choices", () => {
  const dir = join(outdir(), "out");
  const result = synthesize([config("production"), eksVariant("production")], { outdir: dir });
  const report = (env: string) =>
    JSON.parse(readFileSync(join(dir, "skyline", env, "guardrails.json"), "utf8"));
  const manifest = (env: string) =>
    parseManifest(
      JSON.parse(readFileSync(join(dir, "skyline", env, "manifest.json"), "utf8")),
      `${env} manifest`,
    );

  it.each(["production", "production-eks"])(
    "%s has zero guardrail errors, and every warning is suppressed with a reason",
    (env) => {
      const r = report(env);
      expect(r.totals.errors).toBe(0);
      expect(r.totals.warnings).toBe(0);
      expect(r.suppressions.every((s: any) => s.reason.length >= 10)).toBe(true);
    },
  );

  it("checks every stack of the EKS environment, the cluster, add-ons and Kubernetes stacks included", () => {
    expect(result.summaries.join("\n")).toMatch(/Guardrails \(production-eks\): \d+ rules, 14 stacks/);
  });

  it("writes an EKS manifest that names the cluster, namespace, Deployment and HPA, and no ECS service", () => {
    const m = manifest("production-eks");
    for (const [region, entry] of Object.entries(m.regions)) {
      expect(entry.service).toBeUndefined();
      expect(entry.kubernetes).toEqual({
        cluster: `skyline-production-eks-${entry.regionCode}-eks`,
        namespace: "skyline",
        deployment: "skyline-api",
        horizontalPodAutoscaler: "skyline-api",
        minReplicas: 10,
        maxReplicas: 100,
      });
      expect(entry.loadBalancer.targetGroups).toEqual([`skyline-production-eks-${entry.regionCode}-api`]);
      expect(entry.alarms.names).toContain(`skyline-production-eks-${entry.regionCode}-eks-pod-cpu`);
      expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    }
    expect(m.configFields).toMatchObject({
      serviceMinTasks: "eks.minReplicas",
      serviceMaxTasks: "eks.maxReplicas",
    });
  });

  it("names in the EKS manifest what the EKS stacks actually create", () => {
    const m = manifest("production-eks");
    const cluster = JSON.parse(
      readFileSync(join(dir, "stacks", "skyline-production-eks-us-east-1-eks", "cdk.tf.json"), "utf8"),
    );
    const k8s = JSON.parse(
      readFileSync(join(dir, "stacks", "skyline-production-eks-us-east-1-k8s", "cdk.tf.json"), "utf8"),
    );
    const entry = m.regions["us-east-1"].kubernetes!;
    expect(only(cluster, "aws_eks_cluster").name).toBe(entry.cluster);
    expect(only(k8s, "kubernetes_deployment_v1", "api_").metadata.name).toBe(entry.deployment);
    expect(only(k8s, "kubernetes_namespace_v1").metadata.name).toBe(entry.namespace);
    const hpa = only(k8s, "kubernetes_horizontal_pod_autoscaler_v2", "api_");
    expect([hpa.metadata.name, hpa.spec.min_replicas, hpa.spec.max_replicas]).toEqual([
      entry.horizontalPodAutoscaler,
      entry.minReplicas,
      entry.maxReplicas,
    ]);
  });

  it("keeps the ECS manifest's service block", () => {
    expect(manifest("production").regions["us-east-1"].service?.service).toMatch(/^skyline-production-use1/);
    expect(manifest("production").regions["us-east-1"].kubernetes).toBeUndefined();
  });

  it("writes the EKS runbooks with kubectl, not ECS commands", () => {
    const rollback = readFileSync(
      join(dir, "skyline", "production-eks", "runbooks", "deploy-rollback.md"),
      "utf8",
    );
    expect(rollback).toContain(
      "kubectl --context skyline-production-eks-use1-eks -n skyline rollout undo deployment skyline-api",
    );
    expect(rollback).not.toMatch(/aws ecs /);
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

  it("applies an EKS region as regional stack, then cluster, add-ons and Kubernetes stacks", () => {
    expect(regionStacks(eks, "eu-west-1")).toEqual([
      "skyline-production-eks-eu-west-1",
      "skyline-production-eks-eu-west-1-eks",
      "skyline-production-eks-eu-west-1-addons",
      "skyline-production-eks-eu-west-1-k8s",
    ]);
    expect(deployOrder(eks, "update")).toHaveLength(3 * 4 + 1);
  });
});

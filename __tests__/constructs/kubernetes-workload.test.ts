import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Lazy, Testing, TerraformStack } from "../../engine";
import { API_CONTAINER_DEFAULTS } from "../../constructs/fargate-service/api-container-defaults";
import {
  KubernetesWorkload,
  memoryQuantity,
  type KubernetesWorkloadProps,
} from "../../constructs/kubernetes-workload/kubernetes-workload";
import { only, resources, synthJson } from "../helpers/synth";

const ROLE = "arn:aws:iam::123456789012:role/skyline-production-use1-api-pods";

function synthWorkload(props: Partial<KubernetesWorkloadProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "k8s");
  new KubernetesProvider(stack, "kubernetes", {});
  const workload = new KubernetesWorkload(stack, "api", {
    name: "skyline-api",
    namespace: "skyline",
    image: { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/skyline-api", tag: "1.2.3" },
    serviceAccountRoleArn: ROLE,
    environment: { DB_HOST: "db.internal", LOG_LEVEL: "info" },
    secrets: {
      source: "external-secret",
      awsRegion: "us-east-1",
      data: {
        DB_USER: { remoteKey: "skyline-production-db-connection", property: "username" },
        JWT_SECRET: { remoteKey: "skyline-production-jwt" },
      },
    },
    ...props,
  });
  return { json: synthJson(stack), workload };
}

const build = (props: Partial<KubernetesWorkloadProps>) => () => synthWorkload(props);

describe("KubernetesWorkload defaults (the reference architecture's shape)", () => {
  const { json } = synthWorkload();
  const deployment = only(json, "kubernetes_deployment_v1");
  const pod = deployment.spec.template.spec;
  const container = pod.container[0];

  it("creates the namespace with Pod Security Admission 'restricted'", () => {
    const ns = only(json, "kubernetes_namespace_v1");
    expect(ns.metadata.name).toBe("skyline");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("runs 10 replicas with a rolling update of maxSurge 3 / maxUnavailable 1, leaving the count to the HPA", () => {
    expect(deployment.spec.replicas).toBe("10");
    expect(deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rolling_update: { max_surge: "3", max_unavailable: "1" },
    });
    expect(deployment.lifecycle.ignore_changes).toEqual(["spec[0].replicas"]);
    expect(deployment.metadata.namespace).toMatch(/kubernetes_namespace_v1\..*\.metadata\[0\]\.name/);
  });

  it("requests 512Mi/500m and limits 1Gi/1000m", () => {
    expect(container.resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { cpu: "1000m", memory: "1Gi" },
    });
  });

  it("probes GET /health after 30 s every 10 s and GET /ready after 5 s every 5 s on the API port", () => {
    expect(container.liveness_probe).toEqual({
      http_get: { path: "/health", port: "8080" },
      initial_delay_seconds: 30,
      period_seconds: 10,
    });
    expect(container.readiness_probe).toEqual({
      http_get: { path: "/ready", port: "8080" },
      initial_delay_seconds: 5,
      period_seconds: 5,
    });
    expect(container.port).toEqual([{ name: "http", container_port: 8080, protocol: "TCP" }]);
  });

  it("uses the reference API's container contract (name, port, user, stop timeout)", () => {
    const [uid, gid] = API_CONTAINER_DEFAULTS.user.split(":");
    expect(container.name).toBe(API_CONTAINER_DEFAULTS.containerName);
    expect(pod.security_context).toMatchObject({
      run_as_user: uid,
      run_as_group: gid,
      run_as_non_root: true,
    });
    expect(pod.termination_grace_period_seconds).toBe(API_CONTAINER_DEFAULTS.stopTimeoutSeconds);
  });

  it("runs non-root with a read-only root filesystem, no privilege escalation and no capabilities", () => {
    expect(container.security_context).toEqual({
      run_as_non_root: true,
      run_as_user: "10001",
      run_as_group: "10001",
      read_only_root_filesystem: true,
      allow_privilege_escalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.security_context.seccomp_profile).toEqual({ type: "RuntimeDefault" });
    // The only writable path is a size-limited, memory-backed /tmp.
    expect(container.volume_mount).toEqual([{ name: "tmp", mount_path: "/tmp" }]);
    expect(pod.volume).toEqual([{ name: "tmp", empty_dir: { medium: "Memory", size_limit: "64Mi" } }]);
  });

  it("pins the image by tag, and by digest when given one", () => {
    expect(container.image).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/skyline-api:1.2.3");
    const digest = "sha256:" + "a".repeat(64);
    const { json: pinned } = synthWorkload({ image: { repository: "repo/api", tag: digest } });
    const image = only(pinned, "kubernetes_deployment_v1").spec.template.spec.container[0].image;
    expect(image).toBe(`repo/api@${digest}`);
  });

  it("spreads pods across zones (hard, max skew 1) and across nodes (best effort)", () => {
    expect(pod.topology_spread_constraint).toEqual([
      {
        topology_key: "topology.kubernetes.io/zone",
        max_skew: 1,
        when_unsatisfiable: "DoNotSchedule",
        label_selector: [{ match_labels: { "app.kubernetes.io/name": "skyline-api" } }],
      },
      {
        topology_key: "kubernetes.io/hostname",
        max_skew: 1,
        when_unsatisfiable: "ScheduleAnyway",
        label_selector: [{ match_labels: { "app.kubernetes.io/name": "skyline-api" } }],
      },
    ]);
  });

  it("binds a service account to the IAM role through the IRSA annotation, without an API token", () => {
    const sa = only(json, "kubernetes_service_account_v1");
    expect(sa.metadata.annotations).toEqual({ "eks.amazonaws.com/role-arn": ROLE });
    expect(sa.automount_service_account_token).toBe(false);
    expect(pod.service_account_name).toMatch(/kubernetes_service_account_v1\./);
    expect(pod.automount_service_account_token).toBe(false);
  });

  it("exposes the pods through a ClusterIP Service on port 80 to the named container port", () => {
    const service = only(json, "kubernetes_service_v1");
    expect(service.spec).toEqual({
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "skyline-api" },
      port: [{ name: "http", port: 80, target_port: "http", protocol: "TCP" }],
    });
  });

  it("autoscales the Deployment from 10 to 100 pods on CPU 70 % and memory 80 % (autoscaling/v2)", () => {
    const hpa = only(json, "kubernetes_horizontal_pod_autoscaler_v2");
    expect(hpa.spec.min_replicas).toBe(10);
    expect(hpa.spec.max_replicas).toBe(100);
    expect(hpa.spec.scale_target_ref).toMatchObject({ api_version: "apps/v1", kind: "Deployment" });
    expect(hpa.spec.scale_target_ref.name).toMatch(/kubernetes_deployment_v1\./);
    expect(hpa.spec.metric).toEqual([
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } },
      },
      {
        type: "Resource",
        resource: { name: "memory", target: { type: "Utilization", average_utilization: 80 } },
      },
    ]);
  });

  it("limits voluntary disruptions to one pod at a time", () => {
    const pdb = only(json, "kubernetes_pod_disruption_budget_v1");
    expect(pdb.spec).toEqual({
      max_unavailable: "1",
      selector: { match_labels: { "app.kubernetes.io/name": "skyline-api" } },
    });
  });

  it("passes plain variables as values and secret variables only as Secret references", () => {
    expect(container.env).toEqual([
      { name: "NODE_ENV", value: "production" },
      { name: "PORT", value: "8080" },
      { name: "DB_HOST", value: "db.internal" },
      { name: "LOG_LEVEL", value: "info" },
      { name: "DB_USER", value_from: { secret_key_ref: { name: "skyline-api-secrets", key: "DB_USER" } } },
      {
        name: "JWT_SECRET",
        value_from: { secret_key_ref: { name: "skyline-api-secrets", key: "JWT_SECRET" } },
      },
    ]);
  });
});

describe("KubernetesWorkload secrets", () => {
  it("syncs secrets with an ExternalSecret from a SecretStore that authenticates as the workload (IRSA)", () => {
    const { json } = synthWorkload();
    const manifests = resources(json, "kubernetes_manifest").map(([, m]) => m.manifest);
    const store = manifests.find((m) => m.kind === "SecretStore");
    const external = manifests.find((m) => m.kind === "ExternalSecret");
    expect(store.apiVersion).toBe("external-secrets.io/v1");
    expect(store.spec.provider.aws).toMatchObject({ service: "SecretsManager", region: "us-east-1" });
    expect(store.spec.provider.aws.auth.jwt.serviceAccountRef.name).toMatch(
      /kubernetes_service_account_v1\./,
    );
    expect(external.spec).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: "skyline-api-aws-secrets-manager" },
      target: { name: "skyline-api-secrets", creationPolicy: "Owner" },
      data: [
        {
          secretKey: "DB_USER",
          remoteRef: { key: "skyline-production-db-connection", property: "username" },
        },
        { secretKey: "JWT_SECRET", remoteRef: { key: "skyline-production-jwt" } },
      ],
    });
  });

  it("uses an existing (cluster) store when one is named, and creates no SecretStore", () => {
    const { json } = synthWorkload({
      secrets: {
        source: "external-secret",
        store: { kind: "ClusterSecretStore", name: "aws" },
        refreshInterval: "15m",
        data: { JWT_SECRET: { remoteKey: "jwt" } },
      },
    });
    const manifests = resources(json, "kubernetes_manifest").map(([, m]) => m.manifest);
    expect(manifests.map((m) => m.kind)).toEqual(["ExternalSecret"]);
    expect(manifests[0].spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: "aws" });
    expect(manifests[0].spec.refreshInterval).toBe("15m");
  });

  it("reads an existing Kubernetes Secret by key, with no ExternalSecret", () => {
    const { json } = synthWorkload({
      secrets: { source: "kubernetes-secret", secretName: "api-secrets", keys: { JWT_SECRET: "jwt" } },
    });
    expect(resources(json, "kubernetes_manifest")).toHaveLength(0);
    const env = only(json, "kubernetes_deployment_v1").spec.template.spec.container[0].env;
    expect(env).toContainEqual({
      name: "JWT_SECRET",
      value_from: { secret_key_ref: { name: "api-secrets", key: "jwt" } },
    });
    expect(JSON.stringify(json)).not.toMatch(/"type": ?"Opaque"|kubernetes_secret/);
  });

  it("works without secrets", () => {
    const { json } = synthWorkload({ secrets: undefined });
    expect(resources(json, "kubernetes_manifest")).toHaveLength(0);
  });
});

describe("KubernetesWorkload behind an existing ALB target group", () => {
  const TARGET_GROUP =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/skyline-production-use1-api/0123456789abcdef";

  it("binds the Service to the target group with a TargetGroupBinding on pod IPs and leaves security groups alone", () => {
    const { json, workload } = synthWorkload({ targetGroupArn: TARGET_GROUP, servicePort: 8081 });
    const binding = resources(json, "kubernetes_manifest")
      .map(([, m]) => m.manifest)
      .find((m) => m.kind === "TargetGroupBinding");
    expect(binding).toEqual({
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      metadata: {
        name: "skyline-api",
        namespace: expect.stringMatching(/kubernetes_service_v1\..*\.metadata\[0\]\.namespace/),
      },
      spec: {
        serviceRef: { name: "skyline-api", port: 8081 },
        targetGroupARN: TARGET_GROUP,
        targetType: "ip",
      },
    });
    // The stacks own the ALB's security group rules; `networking` would let the controller add its own.
    expect(binding.spec.networking).toBeUndefined();
    expect(workload.targetGroupBinding).toBeDefined();
  });

  it("binds nothing without a target group", () => {
    const { json, workload } = synthWorkload();
    const kinds = resources(json, "kubernetes_manifest").map(([, m]) => m.manifest.kind);
    expect(kinds).not.toContain("TargetGroupBinding");
    expect(workload.targetGroupBinding).toBeUndefined();
  });

  it("accepts an unresolved ARN (a data source's, known at apply) without checking its shape", () => {
    const lookup = Lazy.stringValue({ produce: () => "${data.aws_lb_target_group.api.arn}" });
    const { json } = synthWorkload({ targetGroupArn: lookup });
    const binding = resources(json, "kubernetes_manifest")
      .map(([, m]) => m.manifest)
      .find((m) => m.kind === "TargetGroupBinding");
    expect(binding.spec.targetGroupARN).toBe("${data.aws_lb_target_group.api.arn}");
  });
});

describe("KubernetesWorkload props override every number", () => {
  const { json } = synthWorkload({
    replicas: 4,
    maxSurge: 2,
    maxUnavailable: 0,
    cpuRequestMillicores: 250,
    memoryRequestMiB: 256,
    cpuLimitMillicores: 500,
    memoryLimitMiB: 768,
    livenessInitialDelaySeconds: 20,
    livenessPeriodSeconds: 15,
    readinessInitialDelaySeconds: 2,
    readinessPeriodSeconds: 3,
    minReplicas: 3,
    maxReplicas: 6,
    cpuTargetPercent: 60,
    memoryTargetPercent: 75,
    disruptionMaxUnavailable: 2,
    zoneMaxSkew: 2,
    servicePort: 8081,
    containerPort: 9090,
    tmpSizeMiB: 32,
  });
  const deployment = only(json, "kubernetes_deployment_v1");
  const pod = deployment.spec.template.spec;
  const container = pod.container[0];

  it("applies them to the Deployment", () => {
    expect(deployment.spec.replicas).toBe("4");
    expect(deployment.spec.strategy.rolling_update).toEqual({ max_surge: "2", max_unavailable: "0" });
    expect(container.resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "500m", memory: "768Mi" },
    });
    expect(container.liveness_probe).toEqual({
      http_get: { path: "/health", port: "9090" },
      initial_delay_seconds: 20,
      period_seconds: 15,
    });
    expect(container.readiness_probe).toMatchObject({ initial_delay_seconds: 2, period_seconds: 3 });
    expect(container.port[0].container_port).toBe(9090);
    expect(container.env).toContainEqual({ name: "PORT", value: "9090" });
    expect(pod.topology_spread_constraint[0].max_skew).toBe(2);
    expect(pod.volume[0].empty_dir.size_limit).toBe("32Mi");
  });

  it("applies them to the Service, the autoscaler and the disruption budget", () => {
    expect(only(json, "kubernetes_service_v1").spec.port[0].port).toBe(8081);
    const hpa = only(json, "kubernetes_horizontal_pod_autoscaler_v2").spec;
    expect([hpa.min_replicas, hpa.max_replicas]).toEqual([3, 6]);
    expect(hpa.metric.map((m: any) => m.resource.target.average_utilization)).toEqual([60, 75]);
    expect(only(json, "kubernetes_pod_disruption_budget_v1").spec.max_unavailable).toBe("2");
  });
});

describe("KubernetesWorkload validation", () => {
  it.each<[string, Partial<KubernetesWorkloadProps>, RegExp]>([
    ["a name that is not a DNS label", { name: "Skyline_API" }, /name "Skyline_API" must be a DNS label/],
    ["a namespace that is not a DNS label", { namespace: "-ns" }, /namespace "-ns" must be a DNS label/],
    ["the latest tag", { image: { repository: "r", tag: "latest" } }, /image.tag is `latest`/],
    [
      "a role that is not an IAM role ARN",
      { serviceAccountRoleArn: "my-role" },
      /serviceAccountRoleArn "my-role"/,
    ],
    ["zero replicas", { replicas: 0, minReplicas: 1 }, /replicas must be an integer from 1/],
    ["a fractional request", { cpuRequestMillicores: 0.5 }, /cpuRequestMillicores must be an integer/],
    ["a target above 100 %", { cpuTargetPercent: 120 }, /cpuTargetPercent must be an integer from 1 to 100/],
    [
      "a zero probe period",
      { readinessPeriodSeconds: 0 },
      /readinessPeriodSeconds must be an integer from 1/,
    ],
    ["a rollout that cannot progress", { maxSurge: 0, maxUnavailable: 0 }, /both 0/],
    [
      "a rollout that takes every pod down",
      { replicas: 2, minReplicas: 2, maxUnavailable: 2, disruptionMaxUnavailable: 1 },
      /maxUnavailable \(2\) must be less than replicas \(2\)/,
    ],
    [
      "a CPU request above the limit",
      { cpuRequestMillicores: 2000 },
      /cpuRequestMillicores \(2000\) is above/,
    ],
    ["a memory request above the limit", { memoryRequestMiB: 2048 }, /memoryRequestMiB \(2048\) is above/],
    [
      "minReplicas above maxReplicas",
      { minReplicas: 20, maxReplicas: 10, replicas: 10 },
      /minReplicas \(20\)/,
    ],
    ["replicas outside the HPA bounds", { replicas: 5 }, /replicas \(5\) must be between minReplicas \(10\)/],
    [
      "a disruption budget that can take every pod",
      { disruptionMaxUnavailable: 10 },
      /disruptionMaxUnavailable \(10\) must be less than minReplicas/,
    ],
    [
      "a secret in plain environment",
      { environment: { JWT_SECRET: "x" } },
      /environment.JWT_SECRET looks like a secret/,
    ],
    ["an invalid variable name", { environment: { "DB-HOST": "x" } }, /"DB-HOST" is not a valid name/],
    [
      "a variable both plain and secret",
      { environment: { DB_USER: "x" } },
      /DB_USER is both in environment and in secrets/,
    ],
    [
      "an empty secrets list",
      { secrets: { source: "kubernetes-secret", secretName: "s", keys: {} } },
      /secrets lists no variables/,
    ],
    [
      "an external secret with no store",
      { secrets: { source: "external-secret", data: { JWT_SECRET: { remoteKey: "j" } } } },
      /needs `awsRegion`.*or `store`/,
    ],
    [
      "an invalid Secret name",
      { secrets: { source: "kubernetes-secret", secretName: "Bad_Name", keys: { JWT_SECRET: "j" } } },
      /secrets.secretName "Bad_Name"/,
    ],
    [
      "a target group given by name instead of ARN",
      { targetGroupArn: "skyline-production-use1-api" },
      /targetGroupArn "skyline-production-use1-api" is not a target group ARN/,
    ],
    [
      "a load balancer ARN instead of its target group's",
      { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123abcd" },
      /targetGroupArn ".*loadbalancer\/app.*" is not a target group ARN/,
    ],
  ])("refuses %s", (_what, props, message) => {
    expect(build(props)).toThrow(message);
  });

  it("names the construct in every message", () => {
    expect(build({ cpuTargetPercent: 0 })).toThrow(/^KubernetesWorkload skyline-api: /);
  });
});

describe("memoryQuantity", () => {
  it("prints whole GiB as Gi and anything else as Mi", () => {
    expect([memoryQuantity(1024), memoryQuantity(2048), memoryQuantity(512), memoryQuantity(1536)]).toEqual([
      "1Gi",
      "2Gi",
      "512Mi",
      "1536Mi",
    ]);
  });
});

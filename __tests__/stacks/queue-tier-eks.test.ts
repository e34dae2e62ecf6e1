import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { resolveQueue } from "../../stacks/config/queue-schema";
import { synthesize } from "../../stacks/synthesize";
import { config } from "../helpers/config";
import { resources, synthJson, type StackJson } from "../helpers/synth";

const eks = config("production", (e) => {
  e.compute = "eks";
  e.queue = { enabled: true };
});
const env = buildApp([eks], { outdir: mkdtempSync(join(tmpdir(), "skyline-queue-eks-")) }).environments[0];
const regional = synthJson(env.regional[0]);
const cluster = synthJson(env.eks![0]);
const addons = synthJson(env.eksAddons![0]);
const kubernetes = synthJson(env.kubernetes![0]);
const settings = resolveQueue(eks);

const manifests = (json: StackJson, kind: string) =>
  resources(json, "kubernetes_manifest")
    .map(([, m]) => m.manifest)
    .filter((m) => m.kind === kind);
const rolePolicies = (json: StackJson, roleId: RegExp) =>
  Object.fromEntries(
    resources(json, "aws_iam_role_policy")
      .filter(([, p]) => roleId.test(p.role))
      .map(([, p]) => [p.name, JSON.parse(p.policy).Statement]),
  );

describe("the queue tier on EKS", () => {
  it("keeps the queue in the regional stack and runs no ECS worker there", () => {
    expect(
      resources(regional, "aws_sqs_queue")
        .map(([, q]) => q.name)
        .sort(),
    ).toEqual(["skyline-production-use1-submissions", "skyline-production-use1-submissions-dlq"]);
    expect(resources(regional, "aws_ecs_service")).toEqual([]);
  });

  it("installs KEDA, pinned, with its operator on its own IRSA role", () => {
    const [[, keda]] = resources(addons, "helm_release").filter(([, r]) => r.chart === "keda");
    expect(keda).toMatchObject({
      repository: "https://kedacore.github.io/charts",
      version: "2.17.2",
      namespace: "keda",
      atomic: true,
    });
    const values = JSON.parse(keda.values[0]);
    expect(values.podIdentity.aws.irsa).toEqual({
      enabled: true,
      roleArn: "arn:aws:iam::222222222222:role/skyline-production-use1-keda",
    });
  });

  it("lets KEDA read the queue's depth, the workers consume it and the API send to it, each only that", () => {
    const queueArn = "arn:aws:sqs:us-east-1:222222222222:skyline-production-use1-submissions";
    expect(rolePolicies(cluster, /keda-operator-role/)).toEqual({
      "read-queue-depth": [{ Effect: "Allow", Action: "sqs:GetQueueAttributes", Resource: queueArn }],
    });
    const worker = rolePolicies(cluster, /worker-pod-role/);
    expect(Object.keys(worker).sort()).toEqual(["connect-database", "consume-submissions"]);
    expect(worker["consume-submissions"][0]).toMatchObject({ Resource: queueArn });
    expect(worker["consume-submissions"][0].Action).not.toContain("sqs:SendMessage");
    expect(worker["consume-submissions"][1].Condition).toEqual({
      StringEquals: { "kms:ViaService": "sqs.us-east-1.amazonaws.com" },
    });
    const api = rolePolicies(cluster, /api-pod-role/);
    expect(api["send-submissions"][0].Action).toEqual([
      "sqs:SendMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
    ]);
  });

  it("runs the workers as a Deployment on the worker command with a PodDisruptionBudget", () => {
    const [[, deployment]] = resources(kubernetes, "kubernetes_deployment_v1").filter(
      ([, d]) => d.metadata.name === "skyline-worker",
    );
    const container = deployment.spec.template.spec.container[0];
    expect(container.command).toEqual(["node", "dist/worker.js"]);
    expect(container.security_context.read_only_root_filesystem).toBe(true);
    expect(deployment.spec.replicas).toBe(String(settings.worker.minTasks));
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.value_from]));
    expect(env.QUEUE_URL).toBe(
      "https://sqs.us-east-1.amazonaws.com/222222222222/skyline-production-use1-submissions",
    );
    expect(env.DB_USER.secret_key_ref).toEqual({ name: "skyline-api-secrets", key: "DB_USER" });
    const budgets = resources(kubernetes, "kubernetes_pod_disruption_budget_v1").map(
      ([, b]) => b.metadata.name,
    );
    expect(budgets).toContain("skyline-worker");
    const account = resources(kubernetes, "kubernetes_service_account_v1").find(
      ([, a]) => a.metadata.name === "skyline-worker",
    )![1];
    expect(account.metadata.annotations["eks.amazonaws.com/role-arn"]).toBe(
      "arn:aws:iam::222222222222:role/skyline-production-use1-worker-pods",
    );
  });

  it("scales the workers with KEDA's SQS scaler on backlog per pod, as the KEDA operator", () => {
    const [scaled] = manifests(kubernetes, "ScaledObject");
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { name: expect.stringContaining("kubernetes_deployment_v1.worker_deployment") },
      minReplicaCount: settings.worker.minTasks,
      maxReplicaCount: settings.worker.maxTasks,
    });
    expect(scaled.spec.triggers).toEqual([
      {
        type: "aws-sqs-queue",
        authenticationRef: { name: "skyline-worker-queue" },
        metadata: {
          queueURL: "https://sqs.us-east-1.amazonaws.com/222222222222/skyline-production-use1-submissions",
          awsRegion: "us-east-1",
          queueLength: String(settings.backlogPerTaskTarget),
          scaleOnInFlight: "true",
        },
      },
    ]);
    const [auth] = manifests(kubernetes, "TriggerAuthentication");
    expect(auth.spec).toEqual({ podIdentity: { provider: "aws" } });
  });

  it("alarms on the worker pods Container Insights counts", () => {
    const [[, none]] = resources(regional, "aws_cloudwatch_metric_alarm").filter(([, a]) =>
      a.alarm_name.endsWith("worker-none-running"),
    );
    const running = none.metric_query.find((q: any) => q.id === "running").metric;
    expect(running).toMatchObject({
      namespace: "ContainerInsights",
      metric_name: "service_number_of_running_pods",
      dimensions: {
        ClusterName: "skyline-production-use1-eks",
        Namespace: "skyline",
        Service: "skyline-worker",
      },
    });
  });

  it("synthesizes with no guardrail errors or unjustified warnings, and the manifest names the Deployment KEDA scales", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "skyline-queue-eks-")), "out");
    const [manifestPath] = synthesize([eks], { outdir }).manifests;
    expect(JSON.parse(readFileSync(manifestPath, "utf8")).regions["us-east-1"].queue.workers).toEqual({
      kind: "eks",
      cluster: "skyline-production-use1-eks",
      namespace: "skyline",
      deployment: "skyline-worker",
      scaledObject: "skyline-worker",
      minReplicas: settings.worker.minTasks,
      maxReplicas: settings.worker.maxTasks,
    });
    const report = JSON.parse(readFileSync(join(outdir, "skyline", "production", "guardrails.json"), "utf8"));
    expect({ errors: report.totals.errors, warnings: report.totals.warnings }).toEqual({
      errors: 0,
      warnings: 0,
    });
  });
});

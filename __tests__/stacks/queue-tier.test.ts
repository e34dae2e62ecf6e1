import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { resolveQueue } from "../../stacks/config/queue-schema";
import { ConfigError } from "../../stacks/config/schema";
import { parseManifest } from "../../manifest/schema";
import { synthesize } from "../../stacks/synthesize";
import { config } from "../helpers/config";
import { resources, synthJson, type StackJson } from "../helpers/synth";

const withQueue = (base: "staging" | "production", change: (q: any) => void = () => undefined) =>
  config(base, (e) => {
    e.queue = { enabled: true };
    change(e.queue);
  });

const production = withQueue("production");
const { environments } = buildApp([production], { outdir: mkdtempSync(join(tmpdir(), "skyline-queue-")) });
const [primary, dr] = environments[0].regional.map((s) => synthJson(s));

const named = (json: StackJson, type: string, name: string) =>
  resources(json, type).find(([, r]) => r.name === name || r.family === name)?.[1];
const container = (json: StackJson, family: string) =>
  JSON.parse(named(json, "aws_ecs_task_definition", family)!.container_definitions)[0];

describe("the queue tier in the regional stacks (compute ecs)", () => {
  it("gives every region its own queue and dead-letter queue", () => {
    expect(named(primary, "aws_sqs_queue", "skyline-production-use1-submissions")).toBeDefined();
    expect(named(primary, "aws_sqs_queue", "skyline-production-use1-submissions-dlq")).toBeDefined();
    expect(named(dr, "aws_sqs_queue", "skyline-production-euw1-submissions")).toBeDefined();
  });

  it("encrypts the queue with the region's own queue key", () => {
    const queue = named(primary, "aws_sqs_queue", "skyline-production-use1-submissions")!;
    expect(queue.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.queue-key_[A-Za-z0-9_]+\.arn\}$/);
    expect(queue.visibility_timeout_seconds).toBe(6 * 30);
  });

  it("runs the workers as a second service of the API's cluster, without a load balancer, on the worker command", () => {
    const worker = named(primary, "aws_ecs_service", "skyline-production-use1-worker")!;
    expect(worker.cluster).toMatch(/aws_ecs_cluster\.api_cluster_[A-Za-z0-9]+\.arn/);
    expect(worker.load_balancer).toBeUndefined();
    expect(worker.network_configuration.assign_public_ip).toBe(false);
    expect(worker.desired_count).toBe(2);
    const c = container(primary, "skyline-production-use1-worker");
    expect(c.command).toEqual(["node", "dist/worker.js"]);
    expect(c.user).toBe("10001:10001");
    expect(c.readonlyRootFilesystem).toBe(true);
    expect(c.healthCheck.command.slice(0, 2)).toEqual(["CMD", "node"]);
    const env = Object.fromEntries(c.environment.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      QUEUE_DRIVER: "sqs",
      WORKER_BATCH_SIZE: "10",
      WORKER_VISIBILITY_TIMEOUT_SECONDS: "180",
    });
    expect(env.QUEUE_URL).toMatch(/submissions_queue_[A-Za-z0-9]+\.url/);
    // Writes go through the proxy, as the API's do.
    expect(env.DB_HOST).toBe(
      container(primary, "skyline-production-use1-api").environment.find((e: any) => e.name === "DB_HOST")
        .value,
    );
    expect(c.secrets.map((s: any) => s.name).sort()).toEqual(["DB_USER", "REDIS_AUTH_TOKEN"]);
  });

  it("gives the workers their own roles: consume the queue, connect to the database, nothing else of the API's", () => {
    const roles = resources(primary, "aws_iam_role").map(([, r]) => r.name);
    expect(roles).toEqual(
      expect.arrayContaining([
        "skyline-production-use1-worker-task",
        "skyline-production-use1-worker-execution",
      ]),
    );
    const policies = resources(primary, "aws_iam_role_policy").map(([, p]) => p);
    const onWorker = policies.filter((p) => /worker-task-role/.test(p.role)).map((p) => p.name);
    expect(onWorker.sort()).toEqual(
      [
        "connect-skyline-production-use1-db",
        "consume-skyline-production-use1-submissions",
        "decrypt-data-secrets",
        "read-data-secrets",
      ].sort(),
    );
    const onApi = policies.filter((p) => /api_task-role/.test(p.role)).map((p) => p.name);
    expect(onApi).toContain("send-skyline-production-use1-submissions");
    expect(onApi).not.toContain("consume-skyline-production-use1-submissions");
  });

  it("scales the workers on backlog per task: visible messages / running tasks, against throughput × latency", () => {
    const policy = named(primary, "aws_appautoscaling_policy", "skyline-production-use1-worker-backlog")!;
    const tracking = policy.target_tracking_scaling_policy_configuration;
    expect(tracking.target_value).toBe(resolveQueue(production).backlogPerTaskTarget);
    expect(tracking.target_value).toBe(250 * 10);
    const metrics = tracking.customized_metric_specification.metrics;
    expect(metrics.find((m: any) => m.return_data).expression).toBe("visible / running");
    const visible = metrics.find((m: any) => m.id === "visible").metric_stat.metric;
    expect(visible).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
    });
    expect(visible.dimensions).toEqual([{ name: "QueueName", value: "skyline-production-use1-submissions" }]);
    const running = metrics.find((m: any) => m.id === "running").metric_stat.metric;
    expect(running).toMatchObject({ namespace: "ECS/ContainerInsights", metric_name: "RunningTaskCount" });
    const target = resources(primary, "aws_appautoscaling_target").find(([, t]) =>
      /-worker$/.test(t.resource_id),
    )?.[1];
    expect(target).toMatchObject({
      resource_id: "service/skyline-production-use1-cluster/skyline-production-use1-worker",
      min_capacity: 2,
      max_capacity: 20,
    });
  });

  it("lets the worker reach the database and cache from its own security group only", () => {
    const ingress = resources(primary, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    const fromWorker = ingress.filter((r) => /worker_sg_/.test(r.referenced_security_group_id));
    expect(fromWorker.map((r) => r.from_port).sort()).toEqual([5432, 5432, 6379]);
    const workerSgIngress = ingress.filter((r) => /worker_sg_/.test(r.security_group_id));
    expect(workerSgIngress).toEqual([]);
  });

  it("is on by default, off when the config turns it off, and staging gets one to four workers", () => {
    const build = (c: ReturnType<typeof config>) =>
      synthJson(
        buildApp([c], { outdir: mkdtempSync(join(tmpdir(), "skyline-queue-")) }).environments[0].regional[0],
      );
    expect(resources(build(config("staging")), "aws_sqs_queue")).toHaveLength(2);
    const off = build(config("staging", (e) => (e.queue = { enabled: false })));
    expect(resources(off, "aws_sqs_queue")).toEqual([]);
    expect(resources(off, "aws_ecs_service").map(([address]) => address)).toEqual([
      expect.stringMatching(/^api_/),
    ]);
    expect(resolveQueue(withQueue("staging")).worker).toMatchObject({ minTasks: 1, maxTasks: 4 });
  });
});

describe("queue config validation names the field", () => {
  it.each([
    ["worker cpu", (q: any) => (q.worker = { cpu: 300 }), /^queue\.worker\.cpu: Fargate accepts cpu/],
    ["worker memory", (q: any) => (q.worker = { cpu: 256, memoryMiB: 8192 }), /^queue\.worker\.memoryMiB: /],
    [
      "min above max",
      (q: any) => (q.worker = { minTasks: 5, maxTasks: 3 }),
      /^queue\.worker\.minTasks: minTasks \(5\) is greater than maxTasks \(3\)/,
    ],
    [
      "visibility past 12 h",
      (q: any) => (q.worker = { processingBudgetSeconds: 7200 + 1 }),
      /^queue\.worker\.processingBudgetSeconds: /,
    ],
    [
      "dead letters kept shorter",
      (q: any) => Object.assign(q, { retentionDays: 10, deadLetterRetentionDays: 5 }),
      /^queue\.deadLetterRetentionDays: /,
    ],
    [
      "a typo",
      (q: any) => (q.maxRecieveCount = 3),
      /^queue\.maxRecieveCount: unknown field "maxRecieveCount"; did you mean "maxReceiveCount"\?/,
    ],
    ["batch above SQS's 10", (q: any) => (q.worker = { batchSize: 11 }), /^queue\.worker\.batchSize: /],
  ])("%s", (_name, change, message) => {
    let error: unknown;
    try {
      withQueue("staging", change);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.some((p) => message.test(p))).toBe(true);
  });

  it("needs two workers in production", () => {
    expect(() => withQueue("production", (q) => (q.worker = { minTasks: 1 }))).toThrow(
      /production needs at least 2 workers/,
    );
  });
});

describe("queue alarms and dashboard", () => {
  const alarms = Object.fromEntries(
    resources(primary, "aws_cloudwatch_metric_alarm").map(([, a]) => [
      a.alarm_name.replace("skyline-production-use1-", ""),
      a,
    ]),
  );
  const settings = resolveQueue(production);

  it("pages when the oldest message is older than the latency allows", () => {
    const a = alarms["queue-oldest-message-age"];
    expect(a).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "skyline-production-use1-submissions" },
      statistic: "Maximum",
      threshold: settings.alarms.oldestMessageAgeSeconds,
      treat_missing_data: "notBreaching",
    });
    expect(settings.alarms.oldestMessageAgeSeconds).toBe(60);
  });

  it("pages on backlog per worker above the scaling target for the configured minutes", () => {
    const a = alarms["queue-backlog-per-worker"];
    expect(a.threshold).toBe(settings.backlogPerTaskTarget);
    expect(a.evaluation_periods).toBe(5);
    expect(a.datapoints_to_alarm).toBe(5);
    expect(a.metric_query.find((q: any) => q.return_data).expression).toBe("visible / running");
  });

  it("pages on any dead letter", () => {
    expect(alarms["queue-dead-letters"]).toMatchObject({
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "skyline-production-use1-submissions-dlq" },
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
    });
  });

  it("pages on the workers' error rate from the counts they publish", () => {
    const a = alarms["worker-error-rate"];
    const metrics = a.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric);
    expect(metrics.map((m: any) => [m.namespace, m.metric_name]).sort()).toEqual([
      ["Skyline/Worker", "MessagesFailed"],
      ["Skyline/Worker", "MessagesProcessed"],
    ]);
    expect(a.threshold).toBe(5);
  });

  it("pages when messages wait and no worker runs", () => {
    const a = alarms["worker-none-running"];
    expect(a.metric_query.find((q: any) => q.return_data).expression).toMatch(
      /FILL\(visible, 0\) > 0 AND FILL\(running, 0\) < 1/,
    );
    const running = a.metric_query.find((q: any) => q.id === "running").metric;
    expect(running.dimensions).toEqual({
      ClusterName: "skyline-production-use1-cluster",
      ServiceName: "skyline-production-use1-worker",
    });
  });

  it("keeps queue alarms out of the region-unhealthy composite (they do not decide a failover)", () => {
    const [[, composite]] = resources(primary, "aws_cloudwatch_composite_alarm");
    expect(composite.alarm_rule).not.toMatch(/queue|worker/);
  });

  it("adds a Queue row to the dashboard", () => {
    const [[, dashboard]] = resources(primary, "aws_cloudwatch_dashboard");
    expect(dashboard.dashboard_body).toContain("## Queue");
  });
});

describe("guardrails on the queue tier", () => {
  it("synthesizes both environments with the queue on with no guardrail errors or unjustified warnings", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "skyline-queue-")), "out");
    synthesize([withQueue("staging"), production], { outdir });
    for (const env of ["staging", "production"]) {
      const report = JSON.parse(readFileSync(join(outdir, "skyline", env, "guardrails.json"), "utf8"));
      expect({ env, errors: report.totals.errors, warnings: report.totals.warnings }).toEqual({
        env,
        errors: 0,
        warnings: 0,
      });
    }
  });
});

describe("the queue in the ops manifest", () => {
  it("names the queue, its dead letters and the workers as synth created them", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "skyline-queue-")), "out");
    const [path] = synthesize([production], { outdir }).manifests;
    const manifest = parseManifest(JSON.parse(readFileSync(path, "utf8")), path);
    const queue = manifest.regions["us-east-1"].queue!;
    expect(queue).toEqual({
      name: "skyline-production-use1-submissions",
      url: "https://sqs.us-east-1.amazonaws.com/222222222222/skyline-production-use1-submissions",
      deadLetterQueue: {
        name: "skyline-production-use1-submissions-dlq",
        url: "https://sqs.us-east-1.amazonaws.com/222222222222/skyline-production-use1-submissions-dlq",
        arn: "arn:aws:sqs:us-east-1:222222222222:skyline-production-use1-submissions-dlq",
      },
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 180,
      backlogPerWorkerTarget: 2500,
      workers: {
        kind: "ecs",
        cluster: "skyline-production-use1-cluster",
        service: "skyline-production-use1-worker",
        taskFamily: "skyline-production-use1-worker",
        autoscaling: {
          resourceId: "service/skyline-production-use1-cluster/skyline-production-use1-worker",
          scalableDimension: "ecs:service:DesiredCount",
          minCapacity: 2,
          maxCapacity: 20,
        },
      },
    });
    // Every name in it exists in the synthesized stack.
    const names = resources(primary, "aws_sqs_queue").map(([, q]) => q.name);
    expect(names).toEqual(expect.arrayContaining([queue.name, queue.deadLetterQueue.name]));
    expect(named(primary, "aws_ecs_service", (queue.workers as any).service)).toBeDefined();
    expect(manifest.regions["eu-west-1"].queue!.name).toBe("skyline-production-euw1-submissions");
  });
});

/**
 * `skyline status` with the queue tier (issue 16): each region's queue depth, in flight, the oldest
 * message's age, dead letters, a running redrive and the running workers, from manifests synth
 * builds with queue.enabled (ECS workers and EKS/KEDA workers), and without a queue.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand } from "@aws-sdk/client-sqs";
import { QUEUE_METRICS } from "../../../cli/core/queue";
import { queueAlarms } from "../../../constructs/monitoring/queue-alarms";
import { WORKER_METRICS } from "../../../constructs/worker-service/worker-defaults";
import { cw, ec, ecs, healthyRegion, mutatingCommands, rds, resetMocks, sqs } from "../aws-mocks";
import { awsError, PRODUCTION, run } from "../helpers";
import { documentOf } from "../output-document";
import { queueManifest } from "../queue-manifests";

const ecsQueue = queueManifest("ecs");
const eksQueue = queueManifest("eks");

/** GetQueueAttributes answers by queue URL: `<name>` → [visible, in flight]. */
function depths(byName: Record<string, [number, number]>): void {
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl: string }) => {
    const name = QueueUrl.split("/").pop() as string;
    const [visible, inFlight] = byName[name] ?? [0, 0];
    const queueName = name.replace(/-dlq$/, "");
    const arn = (n: string) => `arn:aws:sqs:${QueueUrl.split(".")[1]}:222222222222:${n}`;
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(inFlight),
        ApproximateNumberOfMessagesDelayed: "0",
        QueueArn: arn(name),
        ...(name.endsWith("-dlq")
          ? {}
          : {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: arn(`${queueName}-dlq`),
                maxReceiveCount: 5,
              }),
            }),
      },
    };
  });
}

/** GetMetricData: the queue's figures by query id; everything else (replica lag) 5 s. */
function metrics(values: Partial<Record<"age" | "processed" | "failed" | "pods", number[]>>): void {
  cw.on(GetMetricDataCommand).callsFake(({ MetricDataQueries }: { MetricDataQueries: { Id: string }[] }) => ({
    MetricDataResults: MetricDataQueries.map(({ Id }) => ({
      Id,
      Values: Id === "lag" ? [5] : (values[Id as keyof typeof values] ?? []),
    })),
  }));
}

beforeEach(() => {
  resetMocks();
  healthyRegion();
  rds.on(DescribeDBInstancesCommand).callsFake((input) => ({
    DBInstances: [{ DBInstanceIdentifier: input.DBInstanceIdentifier, DBInstanceStatus: "available" }],
  }));
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: "available" }] });
  ecs.on(DescribeServicesCommand).callsFake(({ services }: { services: string[] }) => ({
    services: [
      services[0].endsWith("-worker")
        ? { status: "ACTIVE", runningCount: 3, desiredCount: 4, pendingCount: 1, deployments: [{}] }
        : { status: "ACTIVE", runningCount: 2, desiredCount: 2, pendingCount: 0, deployments: [{}] },
    ],
  }));
  sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
  depths({
    "skyline-production-use1-submissions": [1200, 40],
    "skyline-production-use1-submissions-dlq": [7, 0],
  });
  metrics({ age: [95, 80], processed: [100, 150], failed: [2, 1], pods: [3] });
});

describe("status with the queue tier on ECS", () => {
  it("shows depth, in flight, the oldest message, dead letters and the running workers per region", async () => {
    const { code, out, err } = await run(["--manifest", ecsQueue.path, "status"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain(
      "  queue     skyline-production-use1-submissions 1200 visible, 40 in flight, oldest 95 s; dead letters 7\n" +
        "  workers   ECS skyline-production-use1-worker ACTIVE 3/4 running, 1 pending; 250 processed, 3 failed in 5 min\n",
    );
    expect(out).toContain(
      "  queue     skyline-production-euw1-submissions 0 visible, 0 in flight, oldest 95 s; dead letters 0",
    );
    // The queue and its dead-letter queue are read by URL; the workers' ECS service by name.
    const urls = sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl);
    expect(urls).toContain(
      "https://sqs.us-east-1.amazonaws.com/222222222222/skyline-production-use1-submissions-dlq",
    );
    const services = ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.[0]);
    expect(services).toContain("skyline-production-use1-worker");
    expect(sqs.commandCalls(ListMessageMoveTasksCommand)[0].args[0].input).toEqual({
      SourceArn: "arn:aws:sqs:us-east-1:222222222222:skyline-production-use1-submissions-dlq",
      MaxResults: 10,
    });
    expect(mutatingCommands()).toEqual([]);
  });

  it("reads the age and the worker counts from the metrics the alarms use", async () => {
    await run(["--manifest", ecsQueue.path, "--region", "us-east-1", "status"]);
    const queueCall = cw
      .commandCalls(GetMetricDataCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.MetricDataQueries?.some((q) => q.Id === "age"));
    const stats = Object.fromEntries(
      (queueCall?.MetricDataQueries ?? []).map((q) => [q.Id, q.MetricStat?.Metric]),
    );
    expect(stats.age).toEqual({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [{ Name: "QueueName", Value: "skyline-production-use1-submissions" }],
    });
    expect(stats.failed).toEqual({
      Namespace: "Skyline/Worker",
      MetricName: "MessagesFailed",
      Dimensions: [{ Name: "QueueName", Value: "skyline-production-use1-submissions" }],
    });
    // The CLI may not import constructs/: its copy of the names must match what the alarms read.
    expect([QUEUE_METRICS.workerNamespace, QUEUE_METRICS.processed, QUEUE_METRICS.failed]).toEqual([
      WORKER_METRICS.namespace,
      WORKER_METRICS.processed,
      WORKER_METRICS.failed,
    ]);
    expect(QUEUE_METRICS.workerQueueDimension).toBe(WORKER_METRICS.queueDimension);
    const alarms = queueAlarms({
      queueName: "q",
      deadLetterQueueName: "q-dlq",
      workers: { kind: "eks", clusterName: "c", namespace: "n", serviceName: "s" },
      backlogPerTaskTarget: 1,
      oldestMessageAgeSeconds: 60,
      backlogMinutes: 5,
      workerErrorRatePercent: 5,
    });
    const source = (key: string) => alarms.find((a) => a.key === key)?.source as any;
    expect(source("queue-oldest-message-age").metricName).toBe(QUEUE_METRICS.oldestMessageAge);
    expect(source("queue-backlog-per-worker").metrics.running).toMatchObject({
      namespace: QUEUE_METRICS.podsNamespace,
      metricName: QUEUE_METRICS.runningPods,
    });
  });

  it("prints the queue in the JSON document, valid against the schema", async () => {
    const { code, out } = await run([
      "--manifest",
      ecsQueue.path,
      "--region",
      "us-east-1",
      "-o",
      "json",
      "status",
    ]);
    expect(code).toBe(0);
    const [region] = documentOf(out).regions;
    expect(region.queue).toEqual({
      ok: true,
      value: {
        name: "skyline-production-use1-submissions",
        deadLetterQueue: "skyline-production-use1-submissions-dlq",
        visible: 1200,
        inFlight: 40,
        delayed: 0,
        deadLetters: 7,
        deadLettersInFlight: 0,
        moveTask: null,
        workers: {
          kind: "ecs",
          cluster: "skyline-production-use1-cluster",
          service: "skyline-production-use1-worker",
          status: "ACTIVE",
          running: 3,
          desired: 4,
          pending: 1,
        },
      },
    });
    expect(region.queueMetrics).toEqual({
      ok: true,
      value: { oldestMessageAgeSeconds: 95, processed: 250, failed: 3 },
    });
  });

  it("shows a redrive that is still moving messages", async () => {
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: "RUNNING",
          StartedTimestamp: Date.parse("2025-01-15T02:55:00Z"),
          ApproximateNumberOfMessagesMoved: 120,
          ApproximateNumberOfMessagesToMove: 400,
          TaskHandle: "h",
        },
      ],
    });
    const { out } = await run(["--manifest", ecsQueue.path, "--region", "us-east-1", "status"]);
    expect(out).toContain("dead letters 7; redrive RUNNING since 2025-01-15T02:55:00.000Z, 120 of 400 moved");
  });

  it("an idle queue has no age datapoint; a queue AWS does not know and unreadable metrics are errors (exit 1)", async () => {
    metrics({});
    const idle = await run(["--manifest", ecsQueue.path, "--region", "us-east-1", "status"]);
    expect(idle.code).toBe(0);
    expect(idle.out).toContain("oldest no datapoint");
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(awsError("QueueDoesNotExist", "The specified queue does not exist."));
    cw.on(GetMetricDataCommand).callsFake(
      ({ MetricDataQueries }: { MetricDataQueries: { Id: string }[] }) => {
        if (MetricDataQueries.some((q) => q.Id === "age")) throw awsError("AccessDenied", "not allowed", 403);
        return { MetricDataResults: [{ Id: "lag", Values: [5] }] };
      },
    );
    const { code, out, err } = await run(["--manifest", ecsQueue.path, "--region", "us-east-1", "status"]);
    expect(code).toBe(1);
    expect(out).toContain(
      "  queue     ERROR queue skyline-production-use1-submissions (us-east-1) was not found: check --env/--region",
    );
    expect(out).toContain(
      "\n  metrics   ERROR Access denied for queue metrics of skyline-production-use1-submissions (us-east-1)",
    );
    expect(out).not.toContain("  workers   ");
    expect(err).toContain("Could not read us-east-1 queue, us-east-1 queueMetrics");
  });
});

describe("status with the queue tier on EKS", () => {
  it("names the KEDA-scaled Deployment, counts its pods from Container Insights and gives the kubectl line", async () => {
    const { code, out } = await run(["--manifest", eksQueue.path, "--region", "us-east-1", "status"]);
    expect(code).toBe(0);
    expect(out).toContain(
      "  workers   EKS skyline/skyline-worker in skyline-production-use1-eks: 3 running pods (Container Insights), " +
        "KEDA skyline-worker 2-20; 250 processed, 3 failed in 5 min; " +
        "kubectl --context skyline-production-use1-eks -n skyline get scaledobject,deployment skyline-worker",
    );
    const pods = cw
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
      .find((q) => q.Id === "pods");
    expect(pods?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: "ClusterName", Value: "skyline-production-use1-eks" },
      { Name: "Namespace", Value: "skyline" },
      { Name: "Service", Value: "skyline-worker" },
    ]);
    // No ECS service is read for the workers on EKS.
    const services = ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.[0]);
    expect(services.filter((s) => s?.endsWith("-worker"))).toEqual([]);
    const json = await run(["--manifest", eksQueue.path, "--region", "us-east-1", "-o", "json", "status"]);
    const [region] = documentOf(json.out).regions;
    expect(region.queue.value.workers).toMatchObject({ kind: "eks", scaledObject: "skyline-worker" });
    expect(region.queueMetrics.value.runningPods).toBe(3);
  });
});

describe("status without a queue", () => {
  it("reads no SQS and prints no queue line", async () => {
    cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const { code, out } = await run(["--manifest", PRODUCTION, "status"]);
    expect(code).toBe(0);
    expect(out).not.toContain("queue");
    expect(sqs.calls()).toEqual([]);
    const json = await run(["--manifest", PRODUCTION, "-o", "json", "status"]);
    for (const region of documentOf(json.out).regions) expect(region).not.toHaveProperty("queue");
  });
});

import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EncryptionKey } from "../../constructs/encryption-key/encryption-key";
import { QueueWorkerWorkload } from "../../constructs/kubernetes-workload/queue-worker-workload";
import { Network } from "../../constructs/network/network";
import { Queue } from "../../constructs/queue/queue";
import { WorkerService, type WorkerServiceProps } from "../../constructs/worker-service/worker-service";
import { testStack } from "../helpers/synth";

function worker(props: Partial<WorkerServiceProps>) {
  const { stack } = testStack();
  const network = new Network(stack, "network", {
    name: "app-prod-use1",
    region: "us-east-1",
    cidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b"],
  });
  const encryptionKey = new EncryptionKey(stack, "key", { name: "q", description: "q" });
  const queue = new Queue(stack, "queue", { name: "app-prod-use1-submissions", encryptionKey });
  const cluster = new EcsCluster(stack, "cluster", { name: "app-prod-use1-cluster" });
  return new WorkerService(stack, "worker", {
    name: "app-prod-use1",
    region: "us-east-1",
    network,
    cluster: { arn: cluster.arn, name: "app-prod-use1-cluster" },
    queue,
    image: { repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-api", tag: "1.2.3" },
    cpu: 512,
    memoryMiB: 1024,
    minTasks: 1,
    maxTasks: 4,
    backlogPerTaskTarget: 100,
    ...props,
  });
}

describe("WorkerService validation", () => {
  it.each([
    [{ minTasks: 5, maxTasks: 2 }, /minTasks \(5\) is greater than maxTasks \(2\)/],
    [{ backlogPerTaskTarget: 0 }, /backlogPerTaskTarget must be greater than 0/],
    [{ environment: { DB_PASSWORD: "x" } }, /environment\.DB_PASSWORD looks like a secret/],
    [{ image: { repository: "r", tag: "latest" } }, /image\.tag "latest" is mutable/],
  ])("refuses %j naming the prop", (props, message) => {
    expect(() => worker(props as Partial<WorkerServiceProps>)).toThrow(message);
  });
});

describe("QueueWorkerWorkload validation", () => {
  const base = {
    name: "app-worker",
    namespace: "app",
    image: { repository: "r", tag: "1" },
    serviceAccountRoleArn: "arn:aws:iam::123456789012:role/w",
    queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    awsRegion: "us-east-1",
    backlogPerPodTarget: 10,
    minReplicas: 1,
    maxReplicas: 3,
  };
  it.each([
    [{ minReplicas: 4 }, /minReplicas \(4\) is greater than maxReplicas \(3\)/],
    [{ backlogPerPodTarget: 0 }, /backlogPerPodTarget must be at least 1/],
    [{ environment: { API_KEY: "x" } }, /environment\.API_KEY looks like a secret/],
  ])("refuses %j naming the prop", (props, message) => {
    const { stack } = testStack();
    expect(() => new QueueWorkerWorkload(stack, "w", { ...base, ...props })).toThrow(message);
  });
});

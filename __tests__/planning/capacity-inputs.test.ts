import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { capacityInputs } from "../../planning/capacity/inputs";
import { DEFAULT_PROFILE_PATH } from "../../planning/profile";
import { chooseProfile, defaultStacksDir, loadResources, resolveTargets } from "../../planning/sources";
import {
  kubernetesCpu,
  kubernetesMemoryMiB,
  PlanningInputError,
  readEnvironmentStacks,
  resourcesOf,
} from "../../planning/terraform";
import { tmpDir } from "../cli/helpers";
import { synthesizeInto, withQueue } from "./synth";

// One synth for the file: production on ECS and staging on EKS, both with the queue tier.
const synth = synthesizeInto([
  withQueue("production", "ecs", "production"),
  withQueue("staging", "eks", "staging"),
]);
const production = synth.manifest("production");
const staging = synth.manifest("staging");
const productionResources = loadResources(production, synth.stacksDir);

describe("capacity inputs from the synthesized JSON", () => {
  it("ECS: task size, counts and scaling targets, workers, database, proxy and cache of each region", () => {
    const inputs = capacityInputs(production, productionResources);
    expect(inputs.regions.map((r) => r.region)).toEqual(["us-east-1", "eu-west-1", "ap-south-1"]);
    const [primary, dr] = inputs.regions;
    expect(primary.api).toEqual({
      kind: "ecs",
      fargate: true,
      vcpuPerUnit: 1,
      memoryMiBPerUnit: 2048,
      minUnits: 3,
      maxUnits: 30,
      cpuTargetPercent: 70,
      requestsPerTargetPerMinute: 1000,
      maxField: "service.maxTasks",
      unitName: "tasks",
    });
    expect(primary.worker).toMatchObject({
      vcpuPerUnit: 0.5,
      minUnits: 2,
      maxUnits: 20,
      maxField: "queue.worker.maxTasks",
    });
    expect(primary.database.writer).toEqual({
      id: "skyline-production-use1-db",
      role: "writer",
      instanceClass: "db.r7g.large",
      vcpu: 2,
      memoryGiB: 16,
      allocatedGiB: 100,
      iops: 3000,
    });
    expect(primary.database.readers.map((r) => r.id)).toEqual(["skyline-production-use1-db-replica-1"]);
    expect(primary.database.proxyMaxConnectionsPercent).toBe(90);
    expect(primary.cache).toEqual({
      nodeType: "cache.r7g.large",
      memoryGiBPerNode: 13.07,
      shards: 1,
      replicasPerShard: 2,
      clusterMode: false,
    });
    // A DR region: the replica that becomes the writer (its storage is its source's), no proxy, and
    // the Global Datastore secondary's node type (not in its JSON) from the manifest.
    expect(dr.role).toBe("secondary");
    expect(dr.database.writer).toMatchObject({
      role: "cross-region-replica",
      instanceClass: "db.r7g.large",
      allocatedGiB: 100,
    });
    expect(dr.database.proxyMaxConnectionsPercent).toBeUndefined();
    expect(dr.cache.nodeType).toBe("cache.r7g.large");
    expect(dr.api.maxUnits).toBe(30);
    expect(inputs.edge).toEqual({ cloudFront: true, cdnRateLimitPer5Min: 2000 });
    expect(inputs.configFile).toBe("stacks/config/environments/production.ts");
  });

  it("EKS: pod requests, the HPA's bounds and CPU target, KEDA workers and the node group", () => {
    const inputs = capacityInputs(staging, loadResources(staging, synth.stacksDir));
    const [primary] = inputs.regions;
    expect(primary.api).toEqual({
      kind: "eks",
      fargate: false,
      vcpuPerUnit: 0.5,
      memoryMiBPerUnit: 512,
      minUnits: 10,
      maxUnits: 100,
      cpuTargetPercent: 70,
      maxField: "eks.maxReplicas",
      unitName: "pods",
    });
    expect(primary.worker).toMatchObject({ kind: "eks", vcpuPerUnit: 0.25, minUnits: 1, maxUnits: 4 });
    expect(primary.nodes).toEqual({
      instanceType: "m6i.xlarge",
      vcpuPerNode: 4,
      memoryGiBPerNode: 16,
      maxPodsPerNode: 58,
      minNodes: 3,
      maxNodes: 30,
      maxField: "eks.nodeMaxSize",
    });
    expect(primary.database.writer.instanceClass).toBe("db.t4g.medium");
  });

  it("refuses an instance class whose size it does not know, naming the config field", () => {
    const changed = productionResources.map((r) =>
      r.type === "aws_db_instance" && r.attrs.identifier === "skyline-production-use1-db"
        ? { ...r, attrs: { ...r.attrs, instance_class: "db.z9q.large" } }
        : r,
    );
    expect(() => capacityInputs(production, changed)).toThrow(
      'database.instanceClass "db.z9q.large": its vCPU and memory are unknown to planning/aws-facts.ts; add its family there.',
    );
  });

  it("refuses a manifest naming a resource the stacks lack", () => {
    const without = productionResources.filter(
      (r) => !(r.type === "aws_ecs_task_definition" && r.attrs.family === "skyline-production-use1-api"),
    );
    expect(() => capacityInputs(production, without)).toThrow(
      "Expected one aws_ecs_task_definition for task family skyline-production-use1-api in us-east-1, found 0: the manifest and the stacks disagree; re-run `npm run synth`.",
    );
  });
});

describe("reading the synthesized stacks", () => {
  it("finds the environment's stacks by their markers and each resource's region by its provider", () => {
    const stacks = readEnvironmentStacks(synth.stacksDir, "skyline", "production");
    expect(stacks.map((s) => s.name)).toEqual([
      "skyline-production-ap-south-1",
      "skyline-production-eu-west-1",
      "skyline-production-global",
      "skyline-production-state",
      "skyline-production-us-east-1",
    ]);
    const resources = resourcesOf(stacks);
    // The state stack's replica bucket is in the first DR region (provider alias "replica").
    const buckets = resources.filter(
      (r) => r.stack === "skyline-production-state" && r.type === "aws_s3_bucket",
    );
    expect(new Set(buckets.map((b) => b.region))).toEqual(new Set(["us-east-1", "eu-west-1"]));
    expect(defaultStacksDir(synth.manifestPath("production"))).toBe(synth.stacksDir);
  });

  it("says what to run when the stacks are missing, belong to no such environment, or are not JSON", () => {
    const dir = tmpDir("skyline-stacks-");
    expect(() => readEnvironmentStacks(join(dir, "none"), "skyline", "production")).toThrow(
      `No synthesized stacks at ${join(dir, "none")}: run \`npm run synth\` (or pass --stacks <dir>).`,
    );
    expect(() => readEnvironmentStacks(synth.stacksDir, "skyline", "qa")).toThrow(
      `No stacks of skyline qa under ${synth.stacksDir}: run \`npm run synth\` for it (or pass --stacks <dir>).`,
    );
    mkdirSync(join(dir, "broken"));
    writeFileSync(
      join(dir, "broken", ".skyline-stack.json"),
      JSON.stringify({ app: "skyline", environment: "qa" }),
    );
    writeFileSync(join(dir, "broken", "cdk.tf.json"), "{");
    expect(() => readEnvironmentStacks(dir, "skyline", "qa")).toThrow(PlanningInputError);
    expect(() => readEnvironmentStacks(dir, "skyline", "qa")).toThrow(/cdk\.tf\.json cannot be read as JSON/);
  });

  it("refuses stacks from a different synth than the manifest's", () => {
    const copy = tmpDir("skyline-stacks-");
    cpSync(synth.stacksDir, copy, { recursive: true });
    rmSync(join(copy, "skyline-production-eu-west-1"), { recursive: true });
    expect(() => loadResources(production, copy)).toThrow(
      /^The manifest names skyline-production-eu-west-1, not found under .*: the manifest and the stacks come from different synths/,
    );
  });

  it("reads Kubernetes quantities", () => {
    expect([kubernetesCpu("500m"), kubernetesCpu("2"), kubernetesCpu(0.25), kubernetesCpu("x")]).toEqual([
      0.5,
      2,
      0.25,
      undefined,
    ]);
    expect([kubernetesMemoryMiB("512Mi"), kubernetesMemoryMiB("1Gi"), kubernetesMemoryMiB("1024Ki")]).toEqual(
      [512, 1024, 1],
    );
  });
});

describe("targets and profile", () => {
  it("takes the manifest's targets, each flag overriding one, and says where each came from", () => {
    const { targets, targetsFrom } = resolveTargets(production, { rps: 1000, submissionsPerMinute: 600 });
    expect(targets).toEqual({
      concurrentUsers: 100_000,
      requestsPerSecond: 1000,
      submissionsPerMinute: 600,
      headroomPercent: 30,
    });
    expect(targetsFrom).toEqual({
      concurrentUsers: "stacks/config/environments/production.ts targets (via the manifest)",
      requestsPerSecond: "--rps",
      submissionsPerMinute: "--submissions-per-minute",
      headroomPercent: "stacks/config/environments/production.ts targets (via the manifest)",
    });
  });

  it("a manifest from before the targets section needs a re-synth or every flag", () => {
    const old = { ...production, targets: { ...production.targets, load: undefined } };
    expect(() => resolveTargets(old, { users: 5 })).toThrow(
      "The manifest has no load targets (it predates the config's `targets` section): re-run `npm run synth`, or pass --rps, --submissions-per-minute, --headroom.",
    );
    expect(
      resolveTargets(old, { users: 5, rps: 10, submissionsPerMinute: 60, headroom: 0 }).targets
        .requestsPerSecond,
    ).toBe(10);
  });

  it("refuses more submissions than requests", () => {
    expect(() => resolveTargets(production, { rps: 10 })).toThrow(
      "50000 submissions per minute is more than 10 requests/s (stacks/config/environments/production.ts targets (via the manifest), --rps): each submission is an API request; raise --rps or lower --submissions-per-minute.",
    );
  });

  it("profile: --bench-profile, else the benchmark's latest, else the committed default", () => {
    const root = tmpDir("skyline-root-");
    expect(chooseProfile(root)).toMatchObject({
      path: DEFAULT_PROFILE_PATH,
      chosenBy: "the committed default",
    });
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    cpSync(DEFAULT_PROFILE_PATH, join(root, "bench", "results", "profile.json"));
    expect(chooseProfile(root)).toMatchObject({
      path: join(root, "bench", "results", "profile.json"),
      chosenBy: "the benchmark's latest run",
    });
    cpSync(DEFAULT_PROFILE_PATH, join(root, "mine.json"));
    expect(chooseProfile(root, "mine.json")).toMatchObject({
      path: join(root, "mine.json"),
      chosenBy: "--bench-profile",
    });
  });
});

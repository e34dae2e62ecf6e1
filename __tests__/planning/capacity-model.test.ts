import { ASSUMPTIONS } from "../../planning/capacity/assumptions";
import { planCapacity, type CapacityReport, type TierResult } from "../../planning/capacity/model";
import { renderCapacity } from "../../planning/capacity/render";
import { apiTier, environment, FROM, region, roundProfile, TARGETS } from "./fixtures";

function tierOf(report: CapacityReport, name: string, regionName = "us-east-1"): TierResult {
  const found = report.regions.find((r) => r.region === regionName)?.tiers.find((t) => t.tier === name);
  if (!found) throw new Error(`no tier ${name} in ${regionName}`);
  return found;
}

describe("capacity model: arithmetic on a round fixture", () => {
  // 10,000 requests/s = 9,900 cached reads + 100 submissions/s; peak +50 %.
  const report = planCapacity(environment(), TARGETS, FROM, roundProfile());

  it("API tasks: reads ÷ read rate + writes ÷ write rate, per usable vCPU at the CPU target", () => {
    // 9,900 / 1,000 + 100 / 100 = 10.9 vCPU; ÷ (1 vCPU × 70 %) = 15.6 → 16; peak 16.35 / 0.7 = 23.4 → 24.
    expect(tierOf(report, "api tasks")).toMatchObject({
      neededAtTarget: 16,
      neededAtPeak: 24,
      allowed: 40,
      headroomPercent: 157,
      ok: true,
      field: "service.maxTasks",
    });
  });

  it("database writer: group-committed transactions and, with no replica, the cache misses", () => {
    // (100 × 0.5 / 500 + 9,900 × 5 % / 2,000) / 70 % = 0.496; peak 0.745.
    expect(tierOf(report, "database writer CPU")).toMatchObject({
      neededAtTarget: 0.5,
      neededAtPeak: 0.74,
      allowed: 4,
    });
    expect(tierOf(report, "database writer IOPS")).toMatchObject({
      neededAtTarget: 100,
      neededAtPeak: 150,
      allowed: 3000,
    });
  });

  it("connections: every task's full pool against max_connections × the proxy's share", () => {
    // 16 and 24 tasks × 10; db.r7g.xlarge (32 GiB): 3,604 max_connections × 90 % = 3,243.
    expect(tierOf(report, "database connections (proxy)")).toMatchObject({
      neededAtTarget: 160,
      neededAtPeak: 240,
      allowed: 3243,
      field: "database.proxy.maxConnectionsPercent",
    });
  });

  it("cache: memory by users, commands by requests", () => {
    expect(tierOf(report, "cache memory")).toMatchObject({ allowed: 9.8, ok: true });
    // 9,900 × 1 + 100 × 2 = 10,100; peak 15,150.
    expect(tierOf(report, "cache commands")).toMatchObject({
      neededAtTarget: 10100,
      neededAtPeak: 15150,
      allowed: 100000,
    });
  });

  it("passes when every tier carries the peak, and says so", () => {
    expect(report.verdict).toEqual({
      ok: true,
      fields: [],
      summary: "carries the peak (target + 50 %) in every region",
    });
    expect(report.peak).toEqual({
      concurrentUsers: 1500,
      requestsPerSecond: 15000,
      submissionsPerMinute: 9000,
    });
  });
});

describe("capacity model: a config that cannot reach the goal", () => {
  it("names the field to change and the value that would do", () => {
    const report = planCapacity(
      environment([region({ api: apiTier({ maxUnits: 10 }) })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    const api = tierOf(report, "api tasks");
    expect(api).toMatchObject({ ok: false, allowed: 10, fix: "raise service.maxTasks to at least 24" });
    expect(report.verdict.ok).toBe(false);
    expect(report.verdict.fields).toEqual(["service.maxTasks"]);
    expect(report.verdict.summary).toBe(
      "cannot carry the peak (target + 50 %): change service.maxTasks in stacks/config/environments/prod.ts (us-east-1 api tasks: needs 24 tasks, allows 10)",
    );
  });

  it("fails a config that reaches the target but not the peak (the headroom is part of the goal)", () => {
    const report = planCapacity(
      environment([region({ api: apiTier({ maxUnits: 20 }) })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    expect(tierOf(report, "api tasks")).toMatchObject({ neededAtTarget: 16, neededAtPeak: 24, ok: false });
    expect(report.verdict.ok).toBe(false);
  });

  it("checks each DR region as if it carried the whole load after a failover", () => {
    const dr = region({ region: "eu-west-1", role: "secondary", api: apiTier({ maxUnits: 12 }) });
    const report = planCapacity(environment([region(), dr]), TARGETS, FROM, roundProfile());
    expect(tierOf(report, "api tasks").ok).toBe(true);
    expect(tierOf(report, "api tasks", "eu-west-1")).toMatchObject({ ok: false, allowed: 12 });
    expect(report.verdict.summary).toContain("eu-west-1 api tasks: needs 24 tasks, allows 12");
  });

  it("the proxy's share when raising it is enough, else the instance class", () => {
    const busy = roundProfile((p) => (p.figures.connectionsPerTask.value = 100));
    const proxied = planCapacity(
      environment([region({ database: { ...region().database, proxyMaxConnectionsPercent: 50 } })]),
      TARGETS,
      FROM,
      busy,
    );
    expect(tierOf(proxied, "database connections (proxy)")).toMatchObject({
      neededAtPeak: 2400,
      allowed: 1802,
      field: "database.proxy.maxConnectionsPercent",
      fix: "raise database.proxy.maxConnectionsPercent to 67",
    });
    const direct = planCapacity(
      environment([region({ database: { writer: region().database.writer, readers: [] } })]),
      TARGETS,
      FROM,
      roundProfile((p) => (p.figures.connectionsPerTask.value = 200)),
    );
    expect(tierOf(direct, "database connections")).toMatchObject({
      neededAtPeak: 4800,
      allowed: 3601,
      field: "database.instanceClass",
      fix: "pick a database.instanceClass with at least 43 GiB of memory (max_connections grows with memory), or lower DB_POOL_MAX",
    });
  });

  it("writer IOPS below 400 GiB: the storage field that buys 12,000 IOPS", () => {
    const writer = { ...region().database.writer, iops: 100 };
    const report = planCapacity(
      environment([region({ database: { writer, readers: [] } })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    expect(tierOf(report, "database writer IOPS")).toMatchObject({
      ok: false,
      field: "database.allocatedStorageGiB",
      fix: "raise database.allocatedStorageGiB to 400 (gp3 then gives 12,000 IOPS)",
    });
  });

  it("cache commands beyond one primary: cluster mode and shards", () => {
    const chatty = roundProfile((p) => (p.figures.redisCommandsPerRead.value = 20));
    const report = planCapacity(environment(), TARGETS, FROM, chatty);
    expect(tierOf(report, "cache commands")).toMatchObject({
      neededAtPeak: 297300,
      ok: false,
      field: "cache.shards",
      fix: "turn on cache.clusterMode and raise cache.shards to 3",
    });
  });

  it("cache memory by users: the node type", () => {
    const report = planCapacity(
      environment(),
      { ...TARGETS, concurrentUsers: 10_000_000, requestsPerSecond: 10_000 },
      FROM,
      roundProfile(),
    );
    expect(tierOf(report, "cache memory")).toMatchObject({
      neededAtTarget: 19.07,
      neededAtPeak: 28.61,
      ok: false,
      field: "cache.nodeType",
      fix: "pick a cache.nodeType with at least 39 GiB",
    });
  });

  it("the CloudFront web ACL's per-client limit against each user's requests", () => {
    const report = planCapacity(environment([region()], 2000), TARGETS, FROM, roundProfile());
    // 10,000 requests/s ÷ 1,000 users × 300 s = 3,000 per 5 minutes; peak 4,500.
    expect(report.edge[0]).toMatchObject({
      neededAtTarget: 3000,
      neededAtPeak: 4500,
      allowed: 2000,
      ok: false,
      fix: "raise edge.wafRateLimitPer5Min to at least 4,500",
    });
    expect(report.verdict.fields).toEqual(["edge.wafRateLimitPer5Min"]);
  });
});

describe("capacity model: tiers and limits", () => {
  it("counts one vCPU per task however many it has (one Node.js process), and says why", () => {
    const report = planCapacity(
      environment([region({ api: apiTier({ vcpuPerUnit: 2 }) })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    expect(tierOf(report, "api tasks").neededAtTarget).toBe(16);
    expect(report.notices.some((n) => n.includes("have 2 vCPU but run one Node.js process"))).toBe(true);
  });

  it("queue workers at the write rate of their vCPU share", () => {
    const worker = apiTier({ vcpuPerUnit: 0.5, maxUnits: 2, minUnits: 1, maxField: "queue.worker.maxTasks" });
    const report = planCapacity(environment([region({ worker })]), TARGETS, FROM, roundProfile());
    // 100 submissions/s ÷ (0.5 × 100) = 2; peak 3.
    expect(tierOf(report, "queue workers")).toMatchObject({
      neededAtTarget: 2,
      neededAtPeak: 3,
      ok: false,
      fix: "raise queue.worker.maxTasks to at least 3",
    });
    // Worker pools count against the writer's connections too: (16 + 2) × 10.
    expect(tierOf(report, "database connections (proxy)").neededAtTarget).toBe(180);
  });

  it("EKS: pods by CPU request, nodes by the pods' requests over allocatable vCPU", () => {
    const pods = apiTier({
      kind: "eks",
      fargate: false,
      vcpuPerUnit: 0.5,
      maxUnits: 100,
      unitName: "pods",
      maxField: "eks.maxReplicas",
    });
    const worker = apiTier({
      kind: "eks",
      fargate: false,
      vcpuPerUnit: 0.25,
      maxUnits: 10,
      unitName: "pods",
      maxField: "queue.worker.maxTasks",
    });
    const nodes = {
      instanceType: "m6i.xlarge",
      vcpuPerNode: 4,
      memoryGiBPerNode: 16,
      maxPodsPerNode: 58,
      minNodes: 2,
      maxNodes: 6,
      maxField: "eks.nodeMaxSize" as const,
    };
    const report = planCapacity(
      environment([region({ api: pods, worker, nodes })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    // 10.9 vCPU ÷ (0.5 × 70 %) = 31.1 → 32 pods; peak 46.7 → 47. Workers 100 ÷ 25 = 4; peak 6.
    expect(tierOf(report, "api pods")).toMatchObject({ neededAtTarget: 32, neededAtPeak: 47 });
    // (32 × 0.5 + 4 × 0.25) ÷ 3.5 = 4.9 → 5; peak (47 × 0.5 + 6 × 0.25) ÷ 3.5 = 7.1 → 8 > 6.
    expect(tierOf(report, "EKS nodes")).toMatchObject({
      neededAtTarget: 5,
      neededAtPeak: 8,
      allowed: 6,
      ok: false,
      fix: "raise eks.nodeMaxSize to at least 8",
    });
    // EKS pods on nodes need no Fargate vCPU quota.
    expect(report.quotas.some((q) => q.code === "L-3032A538")).toBe(false);
  });

  it("read replicas take the cache misses off the writer", () => {
    const reader = {
      ...region().database.writer,
      id: "r1",
      role: "reader" as const,
      instanceClass: "db.r7g.large",
      vcpu: 2,
      memoryGiB: 16,
    };
    const report = planCapacity(
      environment([region({ database: { ...region().database, readers: [reader] } })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    // 495 misses/s ÷ 2,000 ÷ 70 % = 0.35; the writer keeps 50 tx/s ÷ 500 ÷ 70 % = 0.14.
    expect(tierOf(report, "database readers CPU")).toMatchObject({ neededAtTarget: 0.35, allowed: 2 });
    expect(tierOf(report, "database writer CPU").neededAtTarget).toBe(0.14);
    expect(tierOf(report, "replica connections (each)")).toMatchObject({
      neededAtTarget: 160,
      allowed: 1799,
    });
  });

  it("replicas short of CPU: more replicas, or (past the config's 5) a larger class", () => {
    const reader = {
      ...region().database.writer,
      id: "r1",
      role: "reader" as const,
      instanceClass: "db.r7g.large",
      vcpu: 2,
      memoryGiB: 16,
    };
    const env = environment([region({ database: { ...region().database, readers: [reader] } })]);
    const hit = (value: number) => ({
      ...ASSUMPTIONS,
      readCacheHitPercent: { ...ASSUMPTIONS.readCacheHitPercent, value },
    });
    // 50 % hits: 7,425 misses/s at the peak ÷ 2,000 ÷ 70 % = 5.3 vCPU: 3 replicas of 2 vCPU.
    expect(
      tierOf(planCapacity(env, TARGETS, FROM, roundProfile(), hit(50)), "database readers CPU"),
    ).toMatchObject({
      neededAtPeak: 5.3,
      fix: "raise database.readReplicas to 3",
    });
    // No hits: 10.61 vCPU, 6 replicas of 2 vCPU, more than the config allows.
    expect(
      tierOf(planCapacity(env, TARGETS, FROM, roundProfile(), hit(0)), "database readers CPU"),
    ).toMatchObject({
      neededAtPeak: 10.61,
      fix: "raise database.readReplicas to 5 and pick a database.instanceClass with at least 3 vCPU (now db.r7g.large)",
    });
  });

  it("the request-count scaling policy decides the task count when it asks for more than CPU", () => {
    const report = planCapacity(
      environment([region({ api: apiTier({ requestsPerTargetPerMinute: 1000 }) })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    // 10,000 requests/s × 60 ÷ 1,000 = 600 tasks wanted; clamped to maxTasks 40.
    expect(report.regions[0].scalesTo.api).toBe(40);
    expect(report.notices.find((n) => n.includes("request-count scaling policy"))).toContain("about 37,500");
    const cpuOnly = planCapacity(environment(), TARGETS, FROM, roundProfile());
    expect(cpuOnly.regions[0].scalesTo.api).toBe(16);
  });

  it("quotas: Fargate vCPU and CloudFront requests against AWS's defaults", () => {
    const fast = roundProfile((p) => {
      p.figures.cachedReadsPerSecondPerVcpu.value = 100_000;
      p.figures.redisCommandsPerRead.value = 0;
    });
    const allHits = {
      ...ASSUMPTIONS,
      readCacheHitPercent: { ...ASSUMPTIONS.readCacheHitPercent, value: 100 },
    };
    const targets = { ...TARGETS, requestsPerSecond: 200_000 };
    const report = planCapacity(environment([region()], 100_000), targets, FROM, fast, allHits);
    const fargate = report.quotas.find((q) => q.code === "L-3032A538")!;
    expect(fargate.aboveDefault).toBe(true);
    const cloudFront = report.quotas.find((q) => q.quota.startsWith("CloudFront requests"))!;
    expect(cloudFront).toMatchObject({ neededAtPeak: 300_000, defaultValue: 250_000, aboveDefault: true });
    // A quota above its default is not a config problem: the verdict stays on the config.
    expect(report.verdict.ok).toBe(true);
  });

  it("uses the assumptions it is given, and reports each with why", () => {
    const perfect = {
      ...ASSUMPTIONS,
      readCacheHitPercent: { ...ASSUMPTIONS.readCacheHitPercent, value: 100 },
    };
    const report = planCapacity(environment(), TARGETS, FROM, roundProfile(), perfect);
    expect(tierOf(report, "database writer CPU").neededAtTarget).toBe(0.14);
    expect(report.assumptions.find((a) => a.name === "readCacheHitPercent")).toMatchObject({ value: 100 });
    expect(report.assumptions.every((a) => a.why.length > 20)).toBe(true);
  });
});

describe("capacity report text", () => {
  it("prints a table per region, the fix of a short tier, quotas, assumptions and the verdict", () => {
    const report = planCapacity(
      environment([region({ api: apiTier({ maxUnits: 10 }) })]),
      TARGETS,
      FROM,
      roundProfile(),
    );
    const text = renderCapacity(report, "fixture profile").join("\n");
    expect(text).toMatch(
      /^ {2}api tasks +16 +24 +10 +tasks +-36 % +SHORT +service\.maxTasks: 10 tasks of 1 vCPU$/m,
    );
    expect(text).toContain(
      "  ✗ api tasks: raise service.maxTasks to at least 24 (need: 9,900 cached reads/s ÷ 1,000 per vCPU",
    );
    expect(text).toContain("Fargate On-Demand vCPU resource count (per region) (L-3032A538)");
    expect(text).toContain("readCacheHitPercent = 95 %");
    expect(text.split("\n").at(-1)).toBe(`verdict: prod ${report.verdict.summary}`);
  });
});

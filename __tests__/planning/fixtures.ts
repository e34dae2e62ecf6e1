/**
 * Small hand-made inputs for the capacity and cost models: round numbers, so a test can state the
 * arithmetic it expects.
 */
import type { ComputeTier, EnvironmentInputs, RegionInputs } from "../../planning/capacity/inputs";
import type { LoadTargets } from "../../planning/capacity/model";
import type { Profile } from "../../planning/profile";

/** A profile with round figures: 1,000 cached reads and 100 submissions per vCPU-second. */
export function roundProfile(change: (p: any) => void = () => {}): Profile {
  const figure = (value: number, unit: string) => ({
    value,
    unit,
    source: "measured" as const,
    how: "fixture",
  });
  const profile: any = {
    schemaVersion: 1,
    measuredAt: "2026-12-04T12:00:00.000Z",
    machine: {
      cpus: 2,
      cpuModel: "Test CPU",
      memoryGiB: 8,
      platform: "linux x64",
      node: "24.0.0",
      loadAverage: { before: 0.1, after: 0.2 },
    },
    harness: { command: "fixture", connections: 10, secondsPerPhase: 1, backend: "fixture" },
    figures: {
      cachedReadsPerSecondPerVcpu: figure(1000, "requests/s"),
      writesPerSecondPerVcpu: figure(100, "submissions/s"),
      pgTransactionsPerRead: figure(0, "transactions/request"),
      pgTransactionsPerWrite: figure(0.5, "transactions/submission"),
      redisCommandsPerRead: figure(1, "commands/request"),
      redisCommandsPerWrite: figure(2, "commands/submission"),
      connectionsPerTask: { ...figure(10, "connections"), source: "service default" },
    },
  };
  change(profile);
  return profile as Profile;
}

export const apiTier = (over: Partial<ComputeTier> = {}): ComputeTier => ({
  kind: "ecs",
  fargate: true,
  vcpuPerUnit: 1,
  memoryMiBPerUnit: 2048,
  minUnits: 2,
  maxUnits: 40,
  cpuTargetPercent: 70,
  maxField: "service.maxTasks",
  unitName: "tasks",
  ...over,
});

export function region(over: Partial<RegionInputs> = {}): RegionInputs {
  return {
    region: "us-east-1",
    role: "primary",
    api: apiTier(),
    database: {
      writer: {
        id: "app-prod-use1-db",
        role: "writer",
        instanceClass: "db.r7g.xlarge",
        vcpu: 4,
        memoryGiB: 32,
        allocatedGiB: 100,
        iops: 3000,
      },
      readers: [],
      proxyMaxConnectionsPercent: 90,
    },
    cache: {
      nodeType: "cache.r7g.large",
      memoryGiBPerNode: 13.07,
      shards: 1,
      replicasPerShard: 1,
      clusterMode: false,
    },
    ...over,
  };
}

export function environment(
  regions: RegionInputs[] = [region()],
  cdnRateLimitPer5Min?: number,
): EnvironmentInputs {
  return {
    app: "app",
    environment: "prod",
    tier: "production",
    configFile: "stacks/config/environments/prod.ts",
    primaryRegion: regions[0].region,
    regions,
    edge: {
      cloudFront: cdnRateLimitPer5Min !== undefined,
      ...(cdnRateLimitPer5Min ? { cdnRateLimitPer5Min } : {}),
    },
  };
}

/** 10,000 requests/s of which 6,000 submissions/min (100/s), 1,000 users, peak +50 %. */
export const TARGETS: LoadTargets = {
  concurrentUsers: 1000,
  requestsPerSecond: 10_000,
  submissionsPerMinute: 6000,
  headroomPercent: 50,
};

export const FROM = {
  concurrentUsers: "test",
  requestsPerSecond: "test",
  submissionsPerMinute: "test",
  headroomPercent: "test",
};

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { saveProfile } from "../../bench/api-load/profile";
import { planCapacity } from "../../planning/capacity/model";
import {
  DEFAULT_PROFILE_PATH,
  describeProfile,
  parseProfile,
  ProfileError,
  ProfileNotMeasured,
  profileFromBenchmark,
  readProfile,
  SERVICE_DEFAULT_POOL_MAX,
  writeProfile,
  type BenchmarkRun,
} from "../../planning/profile";
import { loadConfig } from "../../services/api/src/config";
import { tmpDir } from "../cli/helpers";
import { environment, FROM, TARGETS } from "./fixtures";

/** What autocannon and the round-trip counters report for a run. */
function benchmarkRun(change: (r: any) => void = () => {}): BenchmarkRun {
  const run: any = {
    cachedRead: {
      requests: { average: 2000.4, total: 10_000, min: 1800, max: 2200, stddev: 120.6 },
      duration: 5.02,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
    },
    write: {
      requests: { average: 400, total: 2000, min: 350, max: 450, stddev: 30 },
      duration: 5,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
    },
    cachedReadCounters: {
      before: { redisCommands: 1000, pgTransactions: 50 },
      after: { redisCommands: 1100, pgTransactions: 50 },
    },
    writeCounters: {
      before: { redisCommands: 2000, pgTransactions: 100 },
      after: { redisCommands: 4000, pgTransactions: 200 },
    },
    connections: 100,
    secondsPerPhase: 5,
    backend: "PostgreSQL 127.0.0.1:5432 + Redis 127.0.0.1:6379",
    loadAverage: { before: 0.5, after: 0.7 },
    machine: { cpus: 4, cpuModel: "Test CPU", memoryGiB: 16 },
    platform: "linux x64",
    node: "24.1.0",
    measuredAt: new Date("2026-12-04T10:00:00Z"),
  };
  change(run);
  return run as BenchmarkRun;
}

describe("profile from the benchmark", () => {
  it("turns a run into per-unit figures with where each came from", () => {
    const profile = profileFromBenchmark(benchmarkRun());
    const f = profile.figures;
    expect(f.cachedReadsPerSecondPerVcpu).toMatchObject({
      value: 2000,
      source: "measured",
      spread: { min: 1800, max: 2200, stddev: 121, samples: 5 },
    });
    expect(f.writesPerSecondPerVcpu.value).toBe(400);
    // 100 transactions for 2,000 submissions: group commit.
    expect(f.pgTransactionsPerWrite.value).toBe(0.05);
    expect(f.redisCommandsPerRead.value).toBe(0.01);
    expect(f.redisCommandsPerWrite.value).toBe(1);
    expect(f.connectionsPerTask).toMatchObject({
      value: SERVICE_DEFAULT_POOL_MAX,
      source: "service default",
    });
    expect(profile.measuredAt).toBe("2026-12-04T10:00:00.000Z");
    expect(profile.machine).toMatchObject({
      cpus: 4,
      cpuModel: "Test CPU",
      loadAverage: { before: 0.5, after: 0.7 },
    });
  });

  it("round trip: the benchmark's writer, the file, the reader, the model", () => {
    const dir = tmpDir("skyline-profile-");
    const path = writeProfile(join(dir, "results", "profile.json"), profileFromBenchmark(benchmarkRun()));
    const loaded = readProfile(path);
    expect(loaded.profile).toEqual(profileFromBenchmark(benchmarkRun()));
    const report = planCapacity(environment(), TARGETS, FROM, loaded.profile);
    const api = report.regions[0].tiers.find((t) => t.tier === "api tasks")!;
    // 9,900 / 2,000 + 100 / 400 = 5.2 vCPU ÷ 70 % = 7.4 → 8 tasks (the round fixture's 1,000/100 gives 16).
    expect(api.neededAtTarget).toBe(8);
    expect(describeProfile(loaded, dir)).toBe(
      "results/profile.json: measured 2026-12-04 on 4 × Test CPU, 16 GiB, linux x64, Node 24.1.0, load average 0.5 before / 0.7 after (PostgreSQL 127.0.0.1:5432 + Redis 127.0.0.1:6379)",
    );
  });

  it("bench/api-load/profile.ts writes where BENCH_PROFILE says, and the model reads it", () => {
    const path = join(tmpDir("skyline-profile-"), "profile.json");
    const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
    process.env.BENCH_PROFILE = path;
    try {
      const run = benchmarkRun();
      const written = saveProfile({
        cachedRead: run.cachedRead,
        write: run.write,
        counters: {
          beforeRead: run.cachedReadCounters!.before,
          afterRead: run.cachedReadCounters!.after,
          beforeWrite: run.writeCounters!.before,
          afterWrite: run.writeCounters!.after,
        },
        connections: 100,
        secondsPerPhase: 5,
        backend: "PostgreSQL + Redis",
        loadAverageBefore: 1.234,
      });
      expect(written).toBe(path);
      expect(log).toHaveBeenCalledWith(`profile: wrote ${path} (read by skyline capacity --bench-profile)`);
      const { profile } = readProfile(path);
      expect(profile.figures.writesPerSecondPerVcpu.value).toBe(400);
      expect(profile.machine.loadAverage.before).toBe(1.23);
      expect(profile.machine.cpus).toBeGreaterThan(0);
    } finally {
      delete process.env.BENCH_PROFILE;
      log.mockRestore();
    }
  });

  it("refuses the embedded backend (no round trips to count), and the benchmark says why", () => {
    const run = benchmarkRun((r) => delete r.writeCounters);
    expect(() => profileFromBenchmark(run)).toThrow(ProfileNotMeasured);
    expect(() => profileFromBenchmark(run)).toThrow(
      /embedded backend .* run with PostgreSQL and Redis reachable/,
    );
    const error = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const path = join(tmpDir("skyline-profile-"), "profile.json");
    process.env.BENCH_PROFILE = path;
    try {
      const written = saveProfile({
        cachedRead: run.cachedRead,
        write: run.write,
        counters: {},
        connections: 100,
        secondsPerPhase: 5,
        backend: "embedded",
        loadAverageBefore: 0,
      });
      expect(written).toBeUndefined();
      expect(error.mock.calls[0][0]).toMatch(/^profile not written: the embedded backend/);
      expect(() => readFileSync(path)).toThrow();
    } finally {
      delete process.env.BENCH_PROFILE;
      error.mockRestore();
    }
  });

  it("refuses a run with failed requests or a phase that served nothing", () => {
    expect(() => profileFromBenchmark(benchmarkRun((r) => (r.write.non2xx = 3)))).toThrow(
      "profile not written: the write phase had 3 failed requests",
    );
    expect(() => profileFromBenchmark(benchmarkRun((r) => (r.cachedRead.requests.total = 0)))).toThrow(
      "profile not written: the cached read phase served no requests",
    );
  });

  it("records the pool size the service ran with when the benchmark sets one", () => {
    const profile = profileFromBenchmark(benchmarkRun((r) => (r.poolMax = 4)));
    expect(profile.figures.connectionsPerTask).toMatchObject({ value: 4, source: "measured" });
  });

  it("SERVICE_DEFAULT_POOL_MAX is the service's own DB_POOL_MAX default", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@127.0.0.1:5432/db" });
    expect(config.database.kind === "postgres" && config.database.poolMax).toBe(SERVICE_DEFAULT_POOL_MAX);
  });
});

describe("profile reader", () => {
  const good = () => JSON.parse(JSON.stringify(profileFromBenchmark(benchmarkRun())));

  it("names every bad field", () => {
    const bad = good();
    bad.schemaVersion = 2;
    bad.measuredAt = "yesterday";
    bad.figures.writesPerSecondPerVcpu.value = 0;
    delete bad.figures.connectionsPerTask;
    bad.figures.cachedReadsPerSecondPerVcpu.spread.min = 9999;
    let error: ProfileError | undefined;
    try {
      parseProfile(bad, "p.json");
    } catch (e) {
      error = e as ProfileError;
    }
    expect(error).toBeInstanceOf(ProfileError);
    expect(error!.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^schemaVersion: /),
        "measuredAt: must be an ISO-8601 UTC time such as 2026-12-04T16:40:00.000Z",
        "figures.writesPerSecondPerVcpu.value: must be greater than 0",
        expect.stringMatching(/^figures\.connectionsPerTask: /),
        "figures.cachedReadsPerSecondPerVcpu.spread.min: min must not exceed max",
      ]),
    );
    expect(error!.message).toMatch(/^Invalid profile p\.json:\n {2}- /);
  });

  it("refuses an unknown figure (a typo would otherwise be ignored)", () => {
    const bad = good();
    bad.figures.cachedReadsPerSecond = bad.figures.cachedReadsPerSecondPerVcpu;
    expect(() => parseProfile(bad, "p.json")).toThrow(/figures: Unrecognized key/);
  });

  it("a missing file or one that is not JSON is a ProfileError naming the file", () => {
    const dir = tmpDir("skyline-profile-");
    expect(() => readProfile(join(dir, "none.json"))).toThrow(
      `Invalid profile ${join(dir, "none.json")}:\n  - cannot be read (ENOENT)`,
    );
    writeFileSync(join(dir, "bad.json"), "{ nope");
    expect(() => readProfile(join(dir, "bad.json"))).toThrow(/ - is not JSON \(/);
  });

  it("the committed default profile is valid and measured, with its machine and date", () => {
    const { profile } = readProfile(DEFAULT_PROFILE_PATH);
    expect(profile.figures.cachedReadsPerSecondPerVcpu.source).toBe("measured");
    expect(profile.figures.cachedReadsPerSecondPerVcpu.spread).toBeDefined();
    expect(profile.harness.backend).toMatch(/^PostgreSQL .* \+ Redis /);
    expect(profile.machine.cpus).toBeGreaterThan(0);
  });
});

import {
  processCpuMs,
  ceilingRps,
  describeSplit,
  parseStat,
  sampleCpu,
  splitPerRequest,
} from "../../bench/api-load/cpu-split";

describe("bench CPU split", () => {
  test("reads utime + stime (ticks of 10 ms) after the command name, even one holding spaces and parentheses", () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const line = "4242 (postgres: bench (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
    expect(parseStat(line)).toEqual({ comm: "postgres: bench (x)", ms: 3000 });
  });

  test("per request, between two samples", () => {
    const before = { service: 1000, loadGenerator: 500, postgres: 200, redis: 10 };
    const after = { service: 2500, loadGenerator: 1500, postgres: 1200, redis: 30 };
    expect(splitPerRequest(before, after, 10_000)).toEqual({
      serviceUs: 150,
      loadGeneratorUs: 100,
      postgresUs: 100,
      redisUs: 2,
    });
    expect(describeSplit(splitPerRequest(before, after, 10_000))).toBe(
      "service 150 µs, load generator 100 µs, PostgreSQL 100 µs, Redis 2 µs = 352 µs of CPU per request",
    );
  });

  test("the ceiling leaves the service out: the others' CPU per request against every core", () => {
    const split = { serviceUs: 150, loadGeneratorUs: 100, postgresUs: 98, redisUs: 2 };
    expect(ceilingRps(split, 2)).toBe(10_000);
    expect(ceilingRps({ ...split, loadGeneratorUs: 0, postgresUs: 0, redisUs: 0 }, 2)).toBe(Infinity);
  });

  test("samples this machine's processes (Linux)", () => {
    const sample = sampleCpu(process.pid);
    expect(sample).toBeDefined();
    expect(sample!.service).toBeGreaterThan(0); // this process has run
    expect(sample!.loadGenerator).toBeGreaterThan(0);
    expect(sample!.postgres).toBeGreaterThanOrEqual(0);
    expect(sampleCpu(undefined)).toBeUndefined();
    expect(sampleCpu(2 ** 22 + 1)).toBeUndefined(); // no such process
  });
});

describe("processCpuMs", () => {
  it("reads this process's own CPU time from /proc, which grows as it works", () => {
    const before = processCpuMs(process.pid);
    const until = process.cpuUsage().user + 60_000; // 60 ms of user CPU
    while (process.cpuUsage().user < until) Math.sqrt(Math.random());
    expect(before).toBeGreaterThanOrEqual(0);
    expect(processCpuMs(process.pid)).toBeGreaterThan(before);
  });
});

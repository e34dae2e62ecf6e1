import { readdirSync, readFileSync } from "node:fs";

/**
 * Where a phase's CPU went on this machine, per request: the service, the load generator (this
 * process: autocannon runs in it), PostgreSQL and Redis. The benchmark shares its cores with all of
 * them, so a ratio against bare Fastify is bounded by what the others cost per request, whatever the
 * service does; `ceilingRps` says where that bound lies.
 */
export interface CpuSplit {
  readonly serviceUs: number;
  readonly loadGeneratorUs: number;
  readonly postgresUs: number;
  readonly redisUs: number;
}

/** CPU used so far (ms), by the service, this process, and every postgres / redis-server process. */
export interface CpuSample {
  readonly service: number;
  readonly loadGenerator: number;
  readonly postgres: number;
  readonly redis: number;
}

/** utime + stime of one /proc/<pid>/stat line, in ms (USER_HZ is 100 on Linux), and its command name. */
export function parseStat(text: string): { comm: string; ms: number } {
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  return { comm, ms: (Number(fields[11]) + Number(fields[12])) * 10 };
}

/** CPU time one process has used so far, in ms (Linux; throws where /proc is not there). */
export function processCpuMs(pid: number): number {
  return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8")).ms;
}

/** CPU used so far by every process whose command name is in `names`, summed by name (Linux only). */
function cpuByName(names: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>(names.map((n) => [n, 0]));
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { comm, ms } = parseStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (totals.has(comm)) totals.set(comm, totals.get(comm)! + ms);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return totals;
}

/** A sample of the four, or undefined where /proc is not there (not Linux). */
export function sampleCpu(servicePid: number | undefined): CpuSample | undefined {
  if (servicePid === undefined) return undefined;
  try {
    const service = processCpuMs(servicePid);
    const byName = cpuByName(["postgres", "redis-server"]);
    const own = process.cpuUsage();
    return {
      service,
      loadGenerator: (own.user + own.system) / 1000,
      postgres: byName.get("postgres")!,
      redis: byName.get("redis-server")!,
    };
  } catch {
    return undefined;
  }
}

/** Per request, between two samples around a phase that served `requests` requests. */
export function splitPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuSplit {
  const per = (a: number, b: number) => (requests > 0 ? ((b - a) * 1000) / requests : 0);
  return {
    serviceUs: per(before.service, after.service),
    loadGeneratorUs: per(before.loadGenerator, after.loadGenerator),
    postgresUs: per(before.postgres, after.postgres),
    redisUs: per(before.redis, after.redis),
  };
}

/**
 * The most requests/s this machine's `cores` could serve if the service itself cost no CPU at all: the
 * load generator, PostgreSQL and Redis still spend theirs on every request.
 */
export function ceilingRps(split: CpuSplit, cores: number): number {
  const others = split.loadGeneratorUs + split.postgresUs + split.redisUs;
  return others > 0 ? (cores * 1_000_000) / others : Infinity;
}

export function describeSplit(split: CpuSplit): string {
  const us = (n: number) => `${n.toFixed(0)} µs`;
  const total = split.serviceUs + split.loadGeneratorUs + split.postgresUs + split.redisUs;
  return `service ${us(split.serviceUs)}, load generator ${us(split.loadGeneratorUs)}, PostgreSQL ${us(split.postgresUs)}, Redis ${us(split.redisUs)} = ${us(total)} of CPU per request`;
}

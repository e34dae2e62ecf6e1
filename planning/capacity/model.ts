/**
 * The capacity model: for each region (the primary now, each DR region after a failover: in an
 * active-passive environment any of them may carry the whole load) and each tier, what the target
 * and the peak (target × (1 + headroom)) need against what the config allows, the limiting factor,
 * the config field to change, and the AWS quotas the plan needs raised. Pure arithmetic over the
 * inputs (inputs.ts), the measured profile and the stated assumptions.
 */
import {
  CACHE_RESERVED_MEMORY_PERCENT,
  GP3_STRIPED_FROM_GIB,
  postgresMaxConnections,
  POSTGRES_RESERVED_CONNECTIONS,
  QUOTAS,
  type QuotaFact,
} from "../aws-facts";
import type { Profile } from "../profile";
import { ASSUMPTIONS, type Assumption } from "./assumptions";
import type { ComputeTier, EnvironmentInputs, RegionInputs } from "./inputs";

export interface LoadTargets {
  readonly concurrentUsers: number;
  readonly requestsPerSecond: number;
  readonly submissionsPerMinute: number;
  readonly headroomPercent: number;
}

export interface TierResult {
  /** e.g. `api tasks`, `database writer CPU`. */
  readonly tier: string;
  readonly unit: string;
  readonly neededAtTarget: number;
  readonly neededAtPeak: number;
  readonly allowed: number;
  /** How far above the target's need the config goes, in percent; null when the target needs none. */
  readonly headroomPercent: number | null;
  /** The peak fits. */
  readonly ok: boolean;
  /** What bounds `allowed`, in words, e.g. `service.maxTasks: 30 tasks of 1 vCPU`. */
  readonly limitedBy: string;
  /** The config field that moves `allowed`. */
  readonly field: string;
  /** When the peak does not fit: what to set. */
  readonly fix?: string;
  /** How the need was computed, with the figures used. */
  readonly basis: string;
}

export interface QuotaResult {
  readonly region?: string;
  readonly quota: string;
  readonly code?: string;
  readonly unit: string;
  readonly neededAtPeak: number;
  readonly defaultValue: number;
  /** The peak needs more than AWS's default: check the account's value, request an increase. */
  readonly aboveDefault: boolean;
  readonly source: string;
}

export interface RegionResult {
  readonly region: string;
  readonly role: "primary" | "secondary";
  readonly tiers: readonly TierResult[];
  /** What autoscaling runs when this region serves the target (between min and max). */
  readonly scalesTo: { readonly api: number; readonly worker?: number; readonly nodes?: number };
}

export interface CapacityReport {
  readonly app: string;
  readonly environment: string;
  readonly tier: "production" | "non-production";
  readonly configFile: string;
  readonly targets: LoadTargets;
  /** Where each target came from, e.g. `config targets (manifest)` or `--rps`. */
  readonly targetsFrom: Readonly<Record<keyof LoadTargets, string>>;
  readonly peak: Omit<LoadTargets, "headroomPercent">;
  readonly regions: readonly RegionResult[];
  /** Environment-wide tiers (the CloudFront web ACL). */
  readonly edge: readonly TierResult[];
  readonly quotas: readonly QuotaResult[];
  readonly assumptions: readonly ({ readonly name: string } & Assumption)[];
  readonly notices: readonly string[];
  readonly verdict: {
    readonly ok: boolean;
    /** Config fields to change, each once. */
    readonly fields: readonly string[];
    readonly summary: string;
  };
}

type Assumptions = Readonly<Record<keyof typeof ASSUMPTIONS, Assumption>>;

/** The config allows 5 in-region read replicas (stacks/config/data-tier-schema.ts). */
const MAX_READ_REPLICAS = 5;

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const round2 = (x: number) => Math.round(x * 100) / 100;

interface Demand {
  readonly target: number;
  readonly peak: number;
}

interface TierSpec {
  readonly tier: string;
  readonly unit: string;
  /** Whole units (tasks, connections): needs are rounded up. */
  readonly whole: boolean;
  readonly need: Demand;
  readonly allowed: number;
  readonly limitedBy: string;
  readonly field: string;
  readonly fix: (peak: number) => string;
  readonly basis: string;
}

function tier(spec: TierSpec): TierResult {
  const shape = (x: number) => (spec.whole ? Math.ceil(x - 1e-9) : round2(x));
  const neededAtTarget = shape(spec.need.target);
  const neededAtPeak = shape(spec.need.peak);
  const ok = neededAtPeak <= spec.allowed;
  return {
    tier: spec.tier,
    unit: spec.unit,
    neededAtTarget,
    neededAtPeak,
    allowed: spec.allowed,
    headroomPercent: spec.need.target > 0 ? Math.round((spec.allowed / spec.need.target - 1) * 100) : null,
    ok,
    limitedBy: spec.limitedBy,
    field: spec.field,
    ...(ok ? {} : { fix: spec.fix(neededAtPeak) }),
    basis: spec.basis,
  };
}

const scale = (d: Demand, f: (x: number) => number): Demand => ({ target: f(d.target), peak: f(d.peak) });

/** The load one region carries: the whole target (active-passive). */
interface Load {
  readonly users: Demand;
  readonly reads: Demand;
  readonly writes: Demand;
  readonly requests: Demand;
}

function loadOf(targets: LoadTargets): Load {
  const p = 1 + targets.headroomPercent / 100;
  const writes = targets.submissionsPerMinute / 60;
  const reads = Math.max(0, targets.requestsPerSecond - writes);
  return {
    users: { target: targets.concurrentUsers, peak: targets.concurrentUsers * p },
    reads: { target: reads, peak: reads * p },
    writes: { target: writes, peak: writes * p },
    requests: { target: targets.requestsPerSecond, peak: targets.requestsPerSecond * p },
  };
}

/** vCPU one unit can use: its share, at most one Node.js process. */
function usableVcpu(unit: ComputeTier, a: Assumptions): number {
  return Math.min(unit.vcpuPerUnit, a.processesPerUnit.value);
}

function regionResult(
  region: RegionInputs,
  load: Load,
  profile: Profile,
  a: Assumptions,
  notices: Set<string>,
): RegionResult {
  const f = profile.figures;
  const readRate = f.cachedReadsPerSecondPerVcpu.value;
  const writeRate = f.writesPerSecondPerVcpu.value;
  const tiers: TierResult[] = [];
  const { api, worker, nodes, database, cache } = region;

  // API: every request is served by a task (or pod); reads at the cached rate, writes at the write rate.
  const apiVcpu = {
    target: load.reads.target / readRate + load.writes.target / writeRate,
    peak: load.reads.peak / readRate + load.writes.peak / writeRate,
  };
  const apiCpuTarget = (api.cpuTargetPercent ?? a.defaultCpuTargetPercent.value) / 100;
  const apiUsable = usableVcpu(api, a);
  const apiUnits = scale(apiVcpu, (v) => v / (apiUsable * apiCpuTarget));
  if (api.vcpuPerUnit > a.processesPerUnit.value) {
    notices.add(
      `API ${api.unitName} have ${api.vcpuPerUnit} vCPU but run one Node.js process, which uses one: the model counts ${apiUsable}; smaller ${api.unitName} (or more processes per ${api.unitName.slice(0, -1)}) buy the same throughput for less`,
    );
  }
  tiers.push(
    tier({
      tier: `api ${api.unitName}`,
      unit: api.unitName,
      whole: true,
      need: apiUnits,
      allowed: api.maxUnits,
      limitedBy: `${api.maxField}: ${api.maxUnits} ${api.unitName} of ${api.vcpuPerUnit} vCPU`,
      field: api.maxField,
      fix: (peak) => `raise ${api.maxField} to at least ${n(peak)}`,
      basis:
        `${n(load.reads.target)} cached reads/s ÷ ${n(readRate)} per vCPU + ${n(load.writes.target)} submissions/s ÷ ${n(writeRate)} per vCPU, ` +
        `${apiUsable} usable vCPU per ${api.unitName.slice(0, -1)} at ${Math.round(apiCpuTarget * 100)} % CPU`,
    }),
  );
  const apiNeedTarget = Math.ceil(apiUnits.target - 1e-9);
  let apiScalesTo = apiNeedTarget;
  if (api.requestsPerTargetPerMinute) {
    const byRequests = Math.ceil((load.requests.target * 60) / api.requestsPerTargetPerMinute);
    if (byRequests > apiNeedTarget) {
      apiScalesTo = byRequests;
      const suggested = Math.ceil((load.requests.target * 60) / Math.max(1, apiNeedTarget) / 100) * 100;
      notices.add(
        `the API's request-count scaling policy (${n(api.requestsPerTargetPerMinute)} requests per task per minute) asks for ${n(byRequests)} tasks at the target, ` +
          `more than CPU needs (${n(apiNeedTarget)}): it decides the task count and reaches ${api.maxField} first; ` +
          `raise FargateService's requestsPerTarget (constructs/fargate-service) to about ${n(suggested)}`,
      );
    }
  }
  const clamp = (x: number, t: ComputeTier) => Math.min(t.maxUnits, Math.max(t.minUnits, x));

  let workerUnits: Demand | undefined;
  if (worker) {
    const perUnit = usableVcpu(worker, a) * writeRate;
    workerUnits = scale(load.writes, (w) => w / perUnit);
    tiers.push(
      tier({
        tier: `queue workers`,
        unit: worker.unitName,
        whole: true,
        need: workerUnits,
        allowed: worker.maxUnits,
        limitedBy: `${worker.maxField}: ${worker.maxUnits} ${worker.unitName} of ${worker.vcpuPerUnit} vCPU`,
        field: worker.maxField,
        fix: (peak) => `raise ${worker.maxField} to at least ${n(peak)}`,
        basis: `${n(load.writes.target)} submissions/s ÷ (${round2(usableVcpu(worker, a))} vCPU × ${n(writeRate)} per vCPU); workers scale on backlog and run flat out`,
      }),
    );
    notices.add(
      "with the queue tier on, the API's submission is modelled at its measured synchronous cost (score and insert), an upper bound for an enqueue; workers are modelled at the same rate per vCPU",
    );
  }

  let nodesScaleTo: number | undefined;
  if (nodes) {
    const allocatable = nodes.vcpuPerNode - a.nodeReservedVcpu.value;
    const podSlots = Math.max(1, nodes.maxPodsPerNode - a.nodeDaemonSetPods.value);
    const podsVcpu = (apiN: number, workerN: number) =>
      Math.ceil(apiN - 1e-9) * api.vcpuPerUnit + Math.ceil(workerN - 1e-9) * (worker?.vcpuPerUnit ?? 0);
    const podCount = (apiN: number, workerN: number) => Math.ceil(apiN - 1e-9) + Math.ceil(workerN - 1e-9);
    const nodesFor = (apiN: number, workerN: number) =>
      Math.max(podsVcpu(apiN, workerN) / allocatable, podCount(apiN, workerN) / podSlots);
    const need = {
      target: nodesFor(apiUnits.target, workerUnits?.target ?? 0),
      peak: nodesFor(apiUnits.peak, workerUnits?.peak ?? 0),
    };
    tiers.push(
      tier({
        tier: "EKS nodes",
        unit: "nodes",
        whole: true,
        need,
        allowed: nodes.maxNodes,
        limitedBy: `${nodes.maxField}: ${nodes.maxNodes} × ${nodes.instanceType} (${nodes.vcpuPerNode} vCPU, ${nodes.maxPodsPerNode} pods)`,
        field: nodes.maxField,
        fix: (peak) => `raise ${nodes.maxField} to at least ${n(peak)}`,
        basis: `pods' CPU requests ÷ ${allocatable} allocatable vCPU per node (${a.nodeReservedVcpu.value} reserved), or pods ÷ ${podSlots} pod slots`,
      }),
    );
    const apiPods = clamp(apiScalesTo, api);
    const workerPods = worker ? clamp(Math.ceil((workerUnits?.target ?? 0) - 1e-9), worker) : 0;
    nodesScaleTo = Math.min(
      nodes.maxNodes,
      Math.max(nodes.minNodes, Math.ceil(nodesFor(apiPods, workerPods) - 1e-9)),
    );
  }

  // Database writer: group-committed submissions, plus the read misses when no replica takes them.
  const hit = a.readCacheHitPercent.value / 100;
  const misses = scale(load.reads, (r) => r * (1 - hit));
  const writeTx = {
    target:
      load.writes.target * f.pgTransactionsPerWrite.value + load.reads.target * f.pgTransactionsPerRead.value,
    peak: load.writes.peak * f.pgTransactionsPerWrite.value + load.reads.peak * f.pgTransactionsPerRead.value,
  };
  const dbTarget = a.databaseCpuTargetPercent.value / 100;
  const { writer, readers } = database;
  const writerReads = readers.length === 0;
  const writerVcpu = {
    target:
      (writeTx.target / a.writeTransactionsPerVcpuSecond.value +
        (writerReads ? misses.target / a.readTransactionsPerVcpuSecond.value : 0)) /
      dbTarget,
    peak:
      (writeTx.peak / a.writeTransactionsPerVcpuSecond.value +
        (writerReads ? misses.peak / a.readTransactionsPerVcpuSecond.value : 0)) /
      dbTarget,
  };
  const writerName =
    writer.role === "cross-region-replica" ? "database writer (promoted replica)" : "database writer";
  tiers.push(
    tier({
      tier: `${writerName} CPU`,
      unit: "vCPU",
      whole: false,
      need: writerVcpu,
      allowed: writer.vcpu,
      limitedBy: `database.instanceClass: ${writer.instanceClass} (${writer.vcpu} vCPU)`,
      field: "database.instanceClass",
      fix: (peak) =>
        `pick a database.instanceClass with at least ${Math.ceil(peak)} vCPU (now ${writer.instanceClass})`,
      basis:
        `${n(load.writes.target)} submissions/s × ${f.pgTransactionsPerWrite.value} transactions each ÷ ${n(a.writeTransactionsPerVcpuSecond.value)} per vCPU` +
        (writerReads
          ? ` + ${n(misses.target)} cache misses/s ÷ ${n(a.readTransactionsPerVcpuSecond.value)} per vCPU (no replica)`
          : "") +
        `, at ${Math.round(dbTarget * 100)} % CPU`,
    }),
  );
  const iopsNeed = scale(writeTx, (t) => t * a.iopsPerWriteTransaction.value);
  tiers.push(
    tier({
      tier: `${writerName} IOPS`,
      unit: "IOPS",
      whole: true,
      need: iopsNeed,
      allowed: writer.iops,
      limitedBy: `database.allocatedStorageGiB: ${writer.allocatedGiB} GiB gp3, ${n(writer.iops)} IOPS`,
      field: "database.allocatedStorageGiB",
      fix: (peak) =>
        writer.allocatedGiB < GP3_STRIPED_FROM_GIB && peak <= 12_000
          ? `raise database.allocatedStorageGiB to ${GP3_STRIPED_FROM_GIB} (gp3 then gives 12,000 IOPS)`
          : `the writer needs ${n(peak)} IOPS: more than gp3's baseline; provisioned IOPS or io2 storage (not in the config yet)`,
      basis: `${round2(writeTx.target)} write transactions/s × ${a.iopsPerWriteTransaction.value} IOPS each`,
    }),
  );
  if (readers.length > 0) {
    const reader = readers[0];
    tiers.push(
      tier({
        tier: "database readers CPU",
        unit: "vCPU",
        whole: false,
        need: scale(misses, (m) => m / a.readTransactionsPerVcpuSecond.value / dbTarget),
        allowed: readers.reduce((sum, r) => sum + r.vcpu, 0),
        limitedBy: `database.readReplicas: ${readers.length} × ${reader.instanceClass} (${reader.vcpu} vCPU)`,
        field: "database.readReplicas",
        fix: (peak) =>
          Math.ceil(peak / reader.vcpu) <= MAX_READ_REPLICAS
            ? `raise database.readReplicas to ${Math.ceil(peak / reader.vcpu)}`
            : `raise database.readReplicas to ${MAX_READ_REPLICAS} and pick a database.instanceClass with at least ${Math.ceil(peak / MAX_READ_REPLICAS)} vCPU (now ${reader.instanceClass})`,
        basis: `${n(misses.target)} cache misses/s (${100 - a.readCacheHitPercent.value} % of reads) ÷ ${n(a.readTransactionsPerVcpuSecond.value)} per vCPU, at ${Math.round(dbTarget * 100)} % CPU`,
      }),
    );
  }

  // Connections: every task's pool, full, against the writer's max_connections (through the proxy).
  const perTask = f.connectionsPerTask.value;
  const units = (pick: (d: Demand) => number) =>
    Math.ceil(pick(apiUnits) - 1e-9) + (workerUnits ? Math.ceil(pick(workerUnits) - 1e-9) : 0);
  const clientConnections = {
    target: units((d) => d.target) * perTask,
    peak: units((d) => d.peak) * perTask,
  };
  const maxConnections = postgresMaxConnections(writer.memoryGiB);
  const proxyPercent = database.proxyMaxConnectionsPercent;
  const allowedConnections =
    proxyPercent !== undefined
      ? Math.floor((maxConnections * proxyPercent) / 100)
      : maxConnections - POSTGRES_RESERVED_CONNECTIONS;
  tiers.push(
    tier({
      tier: proxyPercent !== undefined ? "database connections (proxy)" : "database connections",
      unit: "connections",
      whole: true,
      need: clientConnections,
      allowed: allowedConnections,
      limitedBy:
        proxyPercent !== undefined
          ? `database.proxy.maxConnectionsPercent ${proxyPercent} % of ${writer.instanceClass}'s ${n(maxConnections)}`
          : `${writer.instanceClass}'s max_connections ${n(maxConnections)} − ${POSTGRES_RESERVED_CONNECTIONS} reserved`,
      field:
        proxyPercent !== undefined && proxyPercent < 100
          ? "database.proxy.maxConnectionsPercent"
          : "database.instanceClass",
      fix: (peak) =>
        proxyPercent !== undefined && proxyPercent < 100 && peak <= maxConnections
          ? `raise database.proxy.maxConnectionsPercent to ${Math.ceil((peak / maxConnections) * 100)}`
          : `pick a database.instanceClass with at least ${Math.ceil((peak * 9_531_392) / 2 ** 30)} GiB of memory (max_connections grows with memory), or lower DB_POOL_MAX`,
      basis: `${worker ? `(api + worker ${api.unitName})` : `api ${api.unitName}`} × ${perTask} pooled connections each (${f.connectionsPerTask.source})`,
    }),
  );
  if (readers.length > 0) {
    const readerMax = postgresMaxConnections(readers[0].memoryGiB) - POSTGRES_RESERVED_CONNECTIONS;
    const apiOnly = {
      target: Math.ceil(apiUnits.target - 1e-9) * perTask,
      peak: Math.ceil(apiUnits.peak - 1e-9) * perTask,
    };
    tiers.push(
      tier({
        tier: "replica connections (each)",
        unit: "connections",
        whole: true,
        need: apiOnly,
        allowed: readerMax,
        limitedBy: `${readers[0].instanceClass}'s max_connections − ${POSTGRES_RESERVED_CONNECTIONS} reserved`,
        field: "database.instanceClass",
        fix: (peak) =>
          `pick a database.instanceClass with at least ${Math.ceil((peak * 9_531_392) / 2 ** 30)} GiB of memory, or lower DB_POOL_MAX`,
        basis: `api ${api.unitName} × ${perTask} pooled connections to each replica (no proxy in front of replicas)`,
      }),
    );
  }

  // Cache: memory by users, commands by requests.
  const usable = (1 - CACHE_RESERVED_MEMORY_PERCENT / 100) * cache.memoryGiBPerNode * cache.shards;
  tiers.push(
    tier({
      tier: "cache memory",
      unit: "GiB",
      whole: false,
      need: scale(load.users, (u) => (u * a.cacheBytesPerUser.value) / 2 ** 30),
      allowed: round2(usable),
      limitedBy: `cache.nodeType: ${cache.shards} × ${cache.nodeType} (${cache.memoryGiBPerNode} GiB, ${CACHE_RESERVED_MEMORY_PERCENT} % reserved)`,
      field: "cache.nodeType",
      fix: (peak) =>
        `pick a cache.nodeType with at least ${Math.ceil(peak / cache.shards / (1 - CACHE_RESERVED_MEMORY_PERCENT / 100))} GiB`,
      basis: `${n(load.users.target)} users × ${n(a.cacheBytesPerUser.value)} bytes`,
    }),
  );
  const commands = {
    target:
      load.reads.target * f.redisCommandsPerRead.value + load.writes.target * f.redisCommandsPerWrite.value,
    peak: load.reads.peak * f.redisCommandsPerRead.value + load.writes.peak * f.redisCommandsPerWrite.value,
  };
  tiers.push(
    tier({
      tier: "cache commands",
      unit: "commands/s",
      whole: true,
      need: commands,
      allowed: cache.shards * a.cacheOpsPerShardSecond.value,
      limitedBy: `cache.shards: ${cache.shards} primary × ${n(a.cacheOpsPerShardSecond.value)} commands/s`,
      field: "cache.shards",
      fix: (peak) =>
        `${cache.clusterMode ? "" : "turn on cache.clusterMode and "}raise cache.shards to ${Math.ceil(peak / a.cacheOpsPerShardSecond.value)}`,
      basis: `${n(load.reads.target)} reads/s × ${f.redisCommandsPerRead.value} + ${n(load.writes.target)} submissions/s × ${f.redisCommandsPerWrite.value} commands`,
    }),
  );

  return {
    region: region.region,
    role: region.role,
    tiers,
    scalesTo: {
      api: clamp(apiScalesTo, api),
      ...(worker && workerUnits ? { worker: clamp(Math.ceil(workerUnits.target - 1e-9), worker) } : {}),
      ...(nodesScaleTo !== undefined ? { nodes: nodesScaleTo } : {}),
    },
  };
}

function quotasOf(
  inputs: EnvironmentInputs,
  regions: readonly RegionResult[],
  load: Load,
  a: Assumptions,
): QuotaResult[] {
  const result: QuotaResult[] = [];
  const add = (fact: QuotaFact, neededAtPeak: number, region?: string) =>
    result.push({
      ...(region ? { region } : {}),
      quota: fact.name,
      ...(fact.code ? { code: fact.code } : {}),
      unit: fact.unit,
      neededAtPeak: round2(neededAtPeak),
      defaultValue: fact.defaultValue,
      aboveDefault: neededAtPeak > fact.defaultValue,
      source: fact.source,
    });
  for (const region of inputs.regions) {
    const tiers = regions.find((r) => r.region === region.region)!.tiers;
    const peakOf = (name: string) => tiers.find((t) => t.tier === name)?.neededAtPeak ?? 0;
    const apiPeak = peakOf(`api ${region.api.unitName}`);
    const workerPeak = region.worker ? peakOf("queue workers") : 0;
    const fargateVcpu =
      (region.api.fargate ? apiPeak * region.api.vcpuPerUnit : 0) +
      (region.worker?.fargate ? workerPeak * region.worker.vcpuPerUnit : 0);
    if (fargateVcpu > 0) add(QUOTAS.fargateVcpu, fargateVcpu, region.region);
    if (region.api.kind === "ecs") add(QUOTAS.tasksPerService, apiPeak, region.region);
    add(QUOTAS.albTargets, apiPeak, region.region);
  }
  if (inputs.edge.cloudFront) {
    add(QUOTAS.cloudFrontRequests, load.requests.peak);
    add(QUOTAS.cloudFrontTransfer, (load.requests.peak * a.responseBytes.value * 8) / 1e9);
  }
  return result;
}

/**
 * Capacity of an environment against a load target.
 * @param assumptions the planning figures @default ASSUMPTIONS
 */
export function planCapacity(
  inputs: EnvironmentInputs,
  targets: LoadTargets,
  targetsFrom: CapacityReport["targetsFrom"],
  profile: Profile,
  assumptions: Assumptions = ASSUMPTIONS,
): CapacityReport {
  const load = loadOf(targets);
  const notices = new Set<string>();
  const regions = inputs.regions.map((r) => regionResult(r, load, profile, assumptions, notices));

  const edge: TierResult[] = [];
  const limit = inputs.edge.cdnRateLimitPer5Min;
  if (limit !== undefined) {
    const perUser = scale(load.requests, (r) => (r / targets.concurrentUsers) * 300);
    edge.push(
      tier({
        tier: "CloudFront web ACL, per client",
        unit: "requests/5 min",
        whole: true,
        need: perUser,
        allowed: limit,
        limitedBy: `edge.wafRateLimitPer5Min: ${n(limit)} per client IP per 5 minutes`,
        field: "edge.wafRateLimitPer5Min",
        fix: (peak) => `raise edge.wafRateLimitPer5Min to at least ${n(peak)}`,
        basis: `${n(load.requests.target)} requests/s ÷ ${n(targets.concurrentUsers)} users × 300 s (one user per IP; users behind one NAT share a limit)`,
      }),
    );
    if (regions.length > 0 && inputs.edge.cloudFront) {
      notices.add(
        `behind CloudFront the regional web ACLs' rate limit (${n(limit)} per IP per 5 minutes) counts CloudFront's addresses, not clients: ` +
          `at the peak, requests must spread over at least ${n((load.requests.peak * 300) / limit)} CloudFront addresses or the ALB's ACL blocks them; ` +
          "key the regional rule on the forwarded client IP (ForwardedIPConfig) or leave rate limiting to the CloudFront ACL",
      );
    }
  }
  if (profile.figures.pgTransactionsPerWrite.value < 1) {
    notices.add(
      `group commit: ${profile.figures.pgTransactionsPerWrite.value} transactions per submission was measured at ${n(profile.figures.writesPerSecondPerVcpu.value)} submissions/s on one process; ` +
        "a task that receives fewer makes smaller batches, so the writer's transactions can be higher than modelled",
    );
  }

  const short = [
    ...regions.flatMap((r) => r.tiers.map((t) => ({ region: r.region, t }))),
    ...edge.map((t) => ({ region: "edge", t })),
  ].filter((x) => !x.t.ok);
  const fields = [...new Set(short.map((x) => x.t.field))];
  const peakWords = `the peak (target + ${targets.headroomPercent} %)`;
  const summary =
    short.length === 0
      ? `carries ${peakWords} in every region`
      : `cannot carry ${peakWords}: change ${fields.join(", ")} in ${inputs.configFile} (` +
        short
          .map(
            (x) =>
              `${x.region} ${x.t.tier}: needs ${n(x.t.neededAtPeak)} ${x.t.unit}, allows ${n(x.t.allowed)}`,
          )
          .join("; ") +
        ")";
  const p = 1 + targets.headroomPercent / 100;
  return {
    app: inputs.app,
    environment: inputs.environment,
    tier: inputs.tier,
    configFile: inputs.configFile,
    targets,
    targetsFrom,
    peak: {
      concurrentUsers: Math.ceil(targets.concurrentUsers * p),
      requestsPerSecond: Math.ceil(targets.requestsPerSecond * p),
      submissionsPerMinute: Math.ceil(targets.submissionsPerMinute * p),
    },
    regions,
    edge,
    quotas: quotasOf(inputs, regions, load, assumptions),
    assumptions: Object.entries(assumptions).map(([name, value]) => ({ name, ...value })),
    notices: [...notices],
    verdict: { ok: short.length === 0, fields, summary },
  };
}

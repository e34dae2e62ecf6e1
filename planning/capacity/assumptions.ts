/**
 * The planning figures the benchmark does not measure, each with why it has the value it has. The
 * capacity report prints them all, so a reader can see which numbers are measured (the profile),
 * which come from the config (the synthesized JSON) or AWS (aws-facts.ts), and which are these.
 */
export interface Assumption {
  readonly value: number;
  readonly unit: string;
  readonly why: string;
}

export const ASSUMPTIONS = {
  defaultCpuTargetPercent: {
    value: 70,
    unit: "%",
    why: "CPU a scalable tier is planned to run at when its synthesized scaling policy sets none (skyline's policies use 70 %)",
  },
  processesPerUnit: {
    value: 1,
    unit: "vCPU",
    why: "the API and the worker run one Node.js process per task or pod: a unit uses at most one vCPU, however many it has",
  },
  readCacheHitPercent: {
    value: 95,
    unit: "%",
    why: "reads the API serves from its in-process tier or Redis; the rest read a replica (or the writer when there is none)",
  },
  databaseCpuTargetPercent: {
    value: 70,
    unit: "%",
    why: "CPU a database instance is planned to run at, leaving room for vacuum, checkpoints and a failover's catch-up",
  },
  readTransactionsPerVcpuSecond: {
    value: 2000,
    unit: "transactions/s",
    why: "planning figure for primary-key reads of a test on one database vCPU (not measured here)",
  },
  writeTransactionsPerVcpuSecond: {
    value: 500,
    unit: "transactions/s",
    why: "planning figure for one group-committed multi-row INSERT on one database vCPU, synchronous commit, Multi-AZ (not measured here)",
  },
  iopsPerWriteTransaction: {
    value: 2,
    unit: "IOPS",
    why: "one WAL flush per commit plus the rows' pages written back at checkpoints",
  },
  cacheOpsPerShardSecond: {
    value: 100_000,
    unit: "commands/s",
    why: "planning figure for simple commands on one Redis/Valkey primary (not measured here)",
  },
  cacheBytesPerUser: {
    value: 2048,
    unit: "bytes",
    why: "rate-limit windows per client and per user, idempotency keys of recent submissions and their TTL bookkeeping",
  },
  responseBytes: {
    value: 2048,
    unit: "bytes",
    why: "an average API response on the wire: a test's JSON (10 questions) compressed, or a small write answer, with headers",
  },
  nodeReservedVcpu: {
    value: 0.5,
    unit: "vCPU",
    why: "per EKS node: kubelet and system reservation and the add-on DaemonSets (CNI, kube-proxy, pod identity, CloudWatch agent)",
  },
  nodeDaemonSetPods: {
    value: 4,
    unit: "pods",
    why: "per EKS node: the add-on DaemonSets' pods, which take pod slots (IP addresses) too",
  },
} as const satisfies Record<string, Assumption>;

export type AssumptionName = keyof typeof ASSUMPTIONS;

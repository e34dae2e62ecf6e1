/**
 * Published AWS sizes, formulas and default quotas the capacity model needs, each with its source.
 * Sizes are derived from the family and size name (AWS's naming is regular: a `large` has 2 vCPU and
 * each step up doubles it); a name that does not follow the rule is unknown, never guessed.
 */

/** vCPUs by size name, for the m/r/c families (and t above `large`). */
const SIZE_VCPU: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  "2xlarge": 8,
  "4xlarge": 16,
  "8xlarge": 32,
  "12xlarge": 48,
  "16xlarge": 64,
  "24xlarge": 96,
  "32xlarge": 128,
};

/** Burstable (t) sizes: vCPU and memory GiB. */
const T_SIZES: Readonly<Record<string, { vcpu: number; memoryGiB: number }>> = {
  micro: { vcpu: 2, memoryGiB: 1 },
  small: { vcpu: 2, memoryGiB: 2 },
  medium: { vcpu: 2, memoryGiB: 4 },
  large: { vcpu: 2, memoryGiB: 8 },
  xlarge: { vcpu: 4, memoryGiB: 16 },
  "2xlarge": { vcpu: 8, memoryGiB: 32 },
};

/** GiB of memory per vCPU by family letter: general purpose 4, memory optimized 8, compute 2. */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, r: 8, c: 2 };

export interface InstanceSize {
  readonly vcpu: number;
  readonly memoryGiB: number;
}

export const INSTANCE_SIZE_SOURCE =
  "https://aws.amazon.com/rds/instance-types/ and https://aws.amazon.com/ec2/instance-types/";

/** vCPU and memory of `db.r7g.large`, `m6i.xlarge`, `cache.t4g.small`'s instance part, … */
export function instanceSize(name: string): InstanceSize | undefined {
  const match = /^(?:db\.|cache\.)?([a-z])(\d+)[a-z]*\.([a-z0-9]+)$/.exec(name);
  if (!match) return undefined;
  const [, letter, , size] = match;
  if (letter === "t") return T_SIZES[size];
  const vcpu = SIZE_VCPU[size];
  const perVcpu = GIB_PER_VCPU[letter];
  return vcpu && perVcpu ? { vcpu, memoryGiB: vcpu * perVcpu } : undefined;
}

/**
 * RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is a little below the class's nominal memory (RDS keeps some for the OS);
 * the nominal memory is used here, so the figure is an upper bound by a few percent.
 */
export const MAX_CONNECTIONS_SOURCE =
  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections";
export function postgresMaxConnections(memoryGiB: number): number {
  return Math.min(Math.floor((memoryGiB * 2 ** 30) / 9_531_392), 5000);
}

/** Connections RDS keeps for superusers (`superuser_reserved_connections` default). */
export const POSTGRES_RESERVED_CONNECTIONS = 3;

/**
 * gp3 baseline for RDS: below 400 GiB, 3,000 IOPS; from 400 GiB (PostgreSQL), 12,000 IOPS, unless
 * `iops` is provisioned.
 */
export const GP3_SOURCE =
  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#gp3-storage";
export function gp3BaselineIops(allocatedGiB: number): number {
  return allocatedGiB >= 400 ? 12_000 : 3_000;
}
/** The allocated storage at which gp3 for RDS PostgreSQL moves to the higher baseline. */
export const GP3_STRIPED_FROM_GIB = 400;

/** ElastiCache memory of the `large` size by family letter, and of the burstable sizes (GiB). */
const CACHE_LARGE_GIB: Readonly<Record<string, number>> = { m: 6.38, r: 13.07 };
const CACHE_T_GIB: Readonly<Record<string, number>> = { micro: 0.5, small: 1.37, medium: 3.09 };
export const CACHE_NODE_SOURCE =
  "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html";

/**
 * Memory of an ElastiCache node type in GiB. Sizes above `large` are the `large` figure scaled by
 * the vCPU ratio: within about 1 % of the published figures.
 */
export function cacheNodeMemoryGiB(nodeType: string): number | undefined {
  const match = /^cache\.([a-z])\d+[a-z]*\.([a-z0-9]+)$/.exec(nodeType);
  if (!match) return undefined;
  const [, letter, size] = match;
  if (letter === "t") return CACHE_T_GIB[size];
  const large = CACHE_LARGE_GIB[letter];
  const vcpu = SIZE_VCPU[size];
  return large && vcpu ? Math.round(large * (vcpu / 2) * 100) / 100 : undefined;
}

/** ElastiCache's default `reserved-memory-percent` for Redis OSS/Valkey: kept free for forks and buffers. */
export const CACHE_RESERVED_MEMORY_PERCENT = 25;
export const CACHE_RESERVED_SOURCE =
  "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html";

/** Pods a node can run with the VPC CNI's default IP allocation (ENIs × (IPs per ENI − 1) + 2). */
const MAX_PODS_BY_SIZE: Readonly<Record<string, number>> = {
  large: 29,
  xlarge: 58,
  "2xlarge": 58,
  "4xlarge": 234,
  "8xlarge": 234,
  "12xlarge": 234,
  "16xlarge": 737,
};
export const MAX_PODS_SOURCE =
  "https://github.com/awslabs/amazon-eks-ami/blob/main/templates/shared/runtime/eni-max-pods.txt";
export function maxPods(instanceType: string): number | undefined {
  const size = /^[a-z]\d+[a-z]*\.([a-z0-9]+)$/.exec(instanceType)?.[1];
  return size ? MAX_PODS_BY_SIZE[size] : undefined;
}

/** A default service quota the plan may need raised. */
export interface QuotaFact {
  readonly name: string;
  readonly defaultValue: number;
  readonly unit: string;
  readonly code?: string;
  readonly source: string;
}

export const QUOTAS = {
  fargateVcpu: {
    name: "Fargate On-Demand vCPU resource count (per region)",
    defaultValue: 6,
    unit: "vCPU",
    code: "L-3032A538",
    source: "https://docs.aws.amazon.com/general/latest/gr/ecs-service.html#service-quotas-fargate",
  },
  tasksPerService: {
    name: "ECS tasks per service",
    defaultValue: 5000,
    unit: "tasks",
    source: "https://docs.aws.amazon.com/general/latest/gr/ecs-service.html",
  },
  albTargets: {
    name: "Targets per Application Load Balancer",
    defaultValue: 1000,
    unit: "targets",
    source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html",
  },
  cloudFrontRequests: {
    name: "CloudFront requests per second per distribution",
    defaultValue: 250_000,
    unit: "requests/s",
    source: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
  },
  cloudFrontTransfer: {
    name: "CloudFront data transfer rate per distribution",
    defaultValue: 150,
    unit: "Gbps",
    source: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html",
  },
} as const satisfies Record<string, QuotaFact>;

/**
 * What ElastiCache accepts for Redis OSS and Valkey replication groups, shared by the config
 * schema and the Cache construct.
 */

export type CacheEngine = "redis" | "valkey";

const SIZES_T = ["micro", "small", "medium"];
const SIZES_MR = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];

const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  t3: SIZES_T,
  t4g: SIZES_T,
  m5: [...SIZES_MR.slice(0, 5), "12xlarge", "24xlarge"],
  m6g: SIZES_MR,
  m7g: SIZES_MR,
  r5: [...SIZES_MR.slice(0, 5), "12xlarge", "24xlarge"],
  r6g: SIZES_MR,
  r7g: SIZES_MR,
};

/** Every `cache.*` node type skyline accepts, e.g. `cache.r7g.large`. */
export const CACHE_NODE_TYPES: readonly string[] = Object.entries(FAMILIES).flatMap(([family, sizes]) =>
  sizes.map((size) => `cache.${family}.${size}`),
);

export function isCacheNodeType(nodeType: string): boolean {
  return CACHE_NODE_TYPES.includes(nodeType);
}

/** Global Datastore needs M or R nodes; burstable T nodes cannot join one. */
export function supportsGlobalDatastore(nodeType: string): boolean {
  return /^cache\.(m|r)\d+g?\./.test(nodeType);
}

/** Default engine version per engine: the current major. */
export const CACHE_DEFAULT_VERSION: Readonly<Record<CacheEngine, string>> = { redis: "7.1", valkey: "8.0" };

/** Parameter group family of an engine version, e.g. `redis7`, `valkey8`. */
export function cacheParameterFamily(engine: CacheEngine, version: string): string {
  const major = /^(\d+)(\.\d+)?$/.exec(version)?.[1];
  if (!major) throw new Error(`"${version}" is not a ${engine} version like "7.1"`);
  return `${engine}${major}`;
}

/** ElastiCache replication group ids: at most 40 characters. */
export const REPLICATION_GROUP_ID_MAX = 40;

/**
 * ElastiCache prefixes a Global Datastore's id with a code of the region that created it
 * (`<prefix>-<suffix>`). Secondaries join by that full id, so a DR stack can name it without a
 * cross-stack reference. Source: ElastiCache User Guide, "Using global datastores (CLI)".
 */
export const GLOBAL_DATASTORE_PREFIX: Readonly<Record<string, string>> = {
  "us-east-1": "ldgnf",
  "us-east-2": "fpkhr",
  "us-west-1": "virxk",
  "us-west-2": "sgaui",
  "ca-central-1": "bxodz",
  "ap-south-1": "erpgt",
  "ap-northeast-1": "quwsw",
  "ap-northeast-2": "lfqnh",
  "ap-northeast-3": "nlapn",
  "ap-southeast-1": "vlqxn",
  "ap-southeast-2": "vbgxd",
};

/** Full id of the Global Datastore created in `primaryRegion` with `suffix`; undefined if the prefix is unknown. */
export function globalDatastoreId(primaryRegion: string, suffix: string): string | undefined {
  const prefix = GLOBAL_DATASTORE_PREFIX[primaryRegion];
  return prefix ? `${prefix}-${suffix}` : undefined;
}

import { z } from "zod";
import {
  CACHE_DEFAULT_VERSION,
  CACHE_NODE_TYPES,
  globalDatastoreId,
  isCacheNodeType,
  REPLICATION_GROUP_ID_MAX,
  supportsGlobalDatastore,
  type CacheEngine,
} from "../../constructs/cache/cache-engine";
import {
  isPostgresInstanceClass,
  POSTGRES_DEFAULT_VERSION,
  POSTGRES_MAJOR_VERSIONS,
  postgresMajorVersion,
  RDS_IDENTIFIER_MAX,
} from "../../constructs/database/postgres-engine";
import { isKnownRegion, regionInfo } from "./regions";

/**
 * The `database` and `cache` sections of an environment. Fields whose sensible value depends on
 * the tier are optional here and resolved by `resolveDataTier` (one place for every default), so
 * validation and synth agree on what production and staging get.
 */

const HOUR_RANGE = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
const WEEK_RANGE =
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
const hourWindow = (field: string) =>
  z.string().regex(HOUR_RANGE, `${field} must be a UTC range like "03:00-04:00"`);
const weekWindow = (field: string) =>
  z.string().regex(WEEK_RANGE, `${field} must be a UTC range like "sun:04:30-sun:05:30"`);

export const databaseConfigSchema = z
  .object({
    /** PostgreSQL version: a major ("17", RDS picks the minor) or major.minor. @default "17" */
    engineVersion: z.string().default(POSTGRES_DEFAULT_VERSION),
    /** RDS instance class. @default db.r7g.large in production, db.t4g.medium otherwise */
    instanceClass: z.string().optional(),
    /** Initial gp3 storage. @default 100 GiB in production, 20 GiB otherwise */
    allocatedStorageGiB: z
      .number()
      .int()
      .min(20, "allocatedStorageGiB must be at least 20 (gp3)")
      .max(65536)
      .optional(),
    /** Storage autoscaling ceiling. @default 1000 GiB in production, 100 GiB otherwise */
    maxAllocatedStorageGiB: z.number().int().max(65536).optional(),
    /** Database created on the writer. @default "app" */
    databaseName: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, "databaseName must be a lowercase letter then letters, digits or _")
      .default("app"),
    /** Master user; its password is generated and rotated by RDS in Secrets Manager. @default "skyline_admin" */
    masterUsername: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, "masterUsername must be a lowercase letter then letters, digits or _")
      .refine((u) => !["postgres", "rdsadmin", "admin", "root"].includes(u), {
        message: "masterUsername is reserved by RDS or too guessable; pick another name",
      })
      .default("skyline_admin"),
    /** Standby in a second AZ. @default true in production, false otherwise */
    multiAz: z.boolean().optional(),
    /** In-region read replicas (0-5). @default 1 in production, 0 otherwise */
    readReplicas: z
      .number()
      .int()
      .min(0, "readReplicas must be between 0 and 5")
      .max(5, "readReplicas must be between 0 and 5 (RDS allows more, but each costs a full instance)")
      .optional(),
    /** Automated backup retention (1-35 days). @default 35 in production, 7 otherwise */
    backupRetentionDays: z
      .number()
      .int()
      .min(1, "backupRetentionDays must be 1 to 35 days (0 would turn backups off)")
      .max(35, "backupRetentionDays must be 1 to 35 days (the RDS maximum); use AWS Backup for longer")
      .optional(),
    /** @default "03:00-04:00" UTC */
    backupWindow: hourWindow("backupWindow").default("03:00-04:00"),
    /** @default "sun:04:30-sun:05:30" UTC */
    maintenanceWindow: weekWindow("maintenanceWindow").default("sun:04:30-sun:05:30"),
    /** @default true in production, false otherwise */
    deletionProtection: z.boolean().optional(),
    /** Statements slower than this are logged (`log_min_duration_statement`). @default 500 */
    logMinDurationMs: z.number().int().min(-1).default(500),
    proxy: z
      .object({
        /** Seconds an idle client connection stays open. @default 1800 */
        idleClientTimeoutSeconds: z.number().int().min(1).max(28800).default(1800),
        /** Share of the database's max_connections the proxy may use. @default 90 */
        maxConnectionsPercent: z.number().int().min(1).max(100).default(90),
        /** Share the proxy keeps idle in its pool. @default 50 */
        maxIdleConnectionsPercent: z.number().int().min(0).max(100).default(50),
      })
      .strict()
      .default({}),
  })
  .strict();

export const cacheConfigSchema = z
  .object({
    /** @default "redis" */
    engine: z.enum(["redis", "valkey"]).default("redis"),
    /** @default "7.1" for redis, "8.0" for valkey */
    engineVersion: z.string().optional(),
    /** @default cache.r7g.large in production, cache.t4g.small otherwise */
    nodeType: z.string().optional(),
    /** Replicas per shard (0-5). @default 2 in production, 0 otherwise */
    replicasPerShard: z
      .number()
      .int()
      .min(0, "cache.replicasPerShard must be between 0 and 5")
      .max(5, "cache.replicasPerShard must be between 0 and 5")
      .optional(),
    /** Shard keys across node groups (cluster mode enabled). @default false */
    clusterMode: z.boolean().default(false),
    /** Node groups when clusterMode is on. @default 1 */
    shards: z.number().int().min(1).max(500).default(1),
    /** Days of automatic snapshots (0-35). @default 7 in production, 1 otherwise */
    snapshotRetentionDays: z.number().int().min(0).max(35).optional(),
    /** @default "05:00-06:00" UTC */
    snapshotWindow: hourWindow("cache.snapshotWindow").default("05:00-06:00"),
    /** @default "sun:06:30-sun:07:30" UTC */
    maintenanceWindow: weekWindow("cache.maintenanceWindow").default("sun:06:30-sun:07:30"),
    /** Join DR regions' caches to a Global Datastore led by the primary. @default true when there are DR regions */
    globalDatastore: z.boolean().optional(),
    /** TTL the API gives cached reads. @default 60 */
    ttlSeconds: z.number().int().min(1).max(86400).default(60),
  })
  .strict();

export type DatabaseConfigInput = z.input<typeof databaseConfigSchema>;
export type CacheConfigInput = z.input<typeof cacheConfigSchema>;

/** The part of an environment the data tier reads (keeps this file independent of schema.ts). */
export interface DataTierEnvironment {
  readonly app: string;
  readonly environment: string;
  readonly tier: "production" | "non-production";
  readonly primaryRegion: string;
  readonly drRegions: readonly string[];
  readonly database: z.output<typeof databaseConfigSchema>;
  readonly cache: z.output<typeof cacheConfigSchema>;
}

export interface DatabaseSettings {
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly multiAz: boolean;
  readonly readReplicas: number;
  readonly backupRetentionDays: number;
  readonly backupWindow: string;
  readonly maintenanceWindow: string;
  readonly deletionProtection: boolean;
  readonly logMinDurationMs: number;
  readonly proxy: {
    readonly idleClientTimeoutSeconds: number;
    readonly maxConnectionsPercent: number;
    readonly maxIdleConnectionsPercent: number;
  };
}

export interface CacheSettings {
  readonly engine: CacheEngine;
  readonly engineVersion: string;
  readonly nodeType: string;
  readonly replicasPerShard: number;
  readonly clusterMode: boolean;
  readonly shards: number;
  readonly snapshotRetentionDays: number;
  readonly snapshotWindow: string;
  readonly maintenanceWindow: string;
  readonly globalDatastore: boolean;
  readonly ttlSeconds: number;
}

/** Every data-tier default, by tier: the one place production and staging differ. */
export function resolveDataTier(env: DataTierEnvironment): {
  database: DatabaseSettings;
  cache: CacheSettings;
} {
  const production = env.tier === "production";
  const db = env.database;
  const cache = env.cache;
  return {
    database: {
      ...db,
      instanceClass: db.instanceClass ?? (production ? "db.r7g.large" : "db.t4g.medium"),
      allocatedStorageGiB: db.allocatedStorageGiB ?? (production ? 100 : 20),
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB ?? (production ? 1000 : 100),
      multiAz: db.multiAz ?? production,
      readReplicas: db.readReplicas ?? (production ? 1 : 0),
      backupRetentionDays: db.backupRetentionDays ?? (production ? 35 : 7),
      deletionProtection: db.deletionProtection ?? production,
    },
    cache: {
      ...cache,
      engineVersion: cache.engineVersion ?? CACHE_DEFAULT_VERSION[cache.engine],
      nodeType: cache.nodeType ?? (production ? "cache.r7g.large" : "cache.t4g.small"),
      replicasPerShard: cache.replicasPerShard ?? (production ? 2 : 0),
      snapshotRetentionDays: cache.snapshotRetentionDays ?? (production ? 7 : 1),
      globalDatastore: cache.globalDatastore ?? env.drRegions.length > 0,
    },
  };
}

/**
 * In-region read replicas of `region`: the primary's writer has them; a DR region holds only the
 * cross-region replica. They are `<prefix>-db-replica-1…n`, and the API reads the first.
 */
export function inRegionReadReplicas(env: DataTierEnvironment, region: string): number {
  return region === env.primaryRegion ? resolveDataTier(env).database.readReplicas : 0;
}

type Issue = (path: (string | number)[], message: string) => void;

/**
 * Cross-field checks of the data tier, run from the environment schema's superRefine: each names
 * the field and the fix.
 */
export function validateDataTier(env: DataTierEnvironment, issue: Issue): void {
  const { database: db, cache } = resolveDataTier(env);

  const major = postgresMajorVersion(db.engineVersion);
  if (major === undefined || !(POSTGRES_MAJOR_VERSIONS as readonly number[]).includes(major)) {
    issue(
      ["database", "engineVersion"],
      `PostgreSQL "${db.engineVersion}" is not offered for new RDS instances; use one of ${POSTGRES_MAJOR_VERSIONS.join(", ")} (a major, or major.minor)`,
    );
  }
  if (!isPostgresInstanceClass(db.instanceClass)) {
    issue(
      ["database", "instanceClass"],
      `"${db.instanceClass}" is not an RDS for PostgreSQL instance class; use one like db.t4g.medium, db.m7g.large or db.r7g.xlarge`,
    );
  }
  if (db.maxAllocatedStorageGiB < db.allocatedStorageGiB) {
    issue(
      ["database", "maxAllocatedStorageGiB"],
      `maxAllocatedStorageGiB (${db.maxAllocatedStorageGiB}) is below allocatedStorageGiB (${db.allocatedStorageGiB}); raise it to at least ${db.allocatedStorageGiB} so storage can autoscale`,
    );
  }
  if (env.tier === "production" && !db.multiAz) {
    issue(["database", "multiAz"], "production databases run Multi-AZ; remove multiAz: false");
  }

  if (!isCacheNodeType(cache.nodeType)) {
    issue(
      ["cache", "nodeType"],
      `"${cache.nodeType}" is not a known ElastiCache node type; use one like ${CACHE_NODE_TYPES.filter((t) => /t4g\.small|r7g\.large|m7g\.large/.test(t)).join(", ")}`,
    );
  }
  if (cache.globalDatastore) {
    if (env.drRegions.length === 0) {
      issue(["cache", "globalDatastore"], "globalDatastore needs DR regions; add drRegions or turn it off");
    }
    if (env.drRegions.length > 2) {
      issue(
        ["cache", "globalDatastore"],
        `a Global Datastore has at most 2 secondary regions; ${env.drRegions.length} DR regions are listed, so turn globalDatastore off`,
      );
    }
    if (!supportsGlobalDatastore(cache.nodeType)) {
      issue(
        ["cache", "nodeType"],
        `Global Datastore needs M or R nodes; "${cache.nodeType}" cannot join one, so pick e.g. cache.r7g.large or set globalDatastore: false`,
      );
    }
    if (!globalDatastoreId(env.primaryRegion, "x")) {
      issue(
        ["cache", "globalDatastore"],
        `the Global Datastore id prefix of ${env.primaryRegion} is unknown; add it to GLOBAL_DATASTORE_PREFIX in constructs/cache/cache-engine.ts or set globalDatastore: false`,
      );
    }
  }

  // Names the ops CLI looks up must fit AWS's limits in every region.
  for (const region of [env.primaryRegion, ...env.drRegions]) {
    if (!isKnownRegion(region)) continue; // reported by the region check
    const prefix = `${env.app}-${env.environment}-${regionInfo(region).code}`;
    const longestDb = db.readReplicas > 0 ? `${prefix}-db-replica-${db.readReplicas}` : `${prefix}-db-proxy`;
    if (longestDb.length > RDS_IDENTIFIER_MAX) {
      issue(
        ["app"],
        `RDS identifier ${longestDb} is longer than ${RDS_IDENTIFIER_MAX} characters; shorten app or environment`,
      );
    }
    const cacheId = `${prefix}-cache`;
    if (cacheId.length > REPLICATION_GROUP_ID_MAX) {
      issue(
        ["app"],
        `ElastiCache replication group id ${cacheId} is longer than ${REPLICATION_GROUP_ID_MAX} characters; shorten app or environment`,
      );
    }
  }
}

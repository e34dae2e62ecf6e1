import { Construct } from "constructs";
import { Cache, CACHE_PORT, type GlobalDatastoreMembership } from "../constructs/cache/cache";
import { globalDatastoreId } from "../constructs/cache/cache-engine";
import { BackupReplication } from "../constructs/database/backup-replication";
import { ConnectionSecret } from "../constructs/database/connection-secret";
import { Database, POSTGRES_PORT } from "../constructs/database/database";
import type { EncryptionKey } from "../constructs/encryption-key/encryption-key";
import type { ContainerSecret } from "../constructs/fargate-service/task-parts";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { API_CONTAINER_DEFAULTS } from "../constructs/fargate-service/api-container-defaults";
import { secretReplica, sharedSecret } from "../constructs/generated-secret/shared-secret";
import type { Network } from "../constructs/network/network";
import { inRegionReadReplicas, resolveDataTier } from "./config/data-tier-schema";
import type { EnvironmentConfig } from "./config/schema";
import { environmentPrefix, regionalPrefix } from "./naming";

export interface DataTierProps {
  readonly config: EnvironmentConfig;
  readonly region: string;
  readonly network: Network;
  /** The stack's Secrets Manager key (encrypts the secrets the primary region creates). */
  readonly secretsKey: EncryptionKey;
}

/** ARN of the primary region's writer, built from the config: known before apply, no cross-stack reference. */
export function primaryWriterArn(config: EnvironmentConfig): string {
  return `arn:aws:rds:${config.primaryRegion}:${config.accountIds[0]}:db:${regionalPrefix(config, config.primaryRegion)}-db`;
}

/**
 * The data tier of one regional stack.
 *
 * Primary region: the writer (Multi-AZ in production), in-region read replicas, RDS Proxy, the
 * cache (leading the Global Datastore when on) and the secrets every region shares.
 * DR region: a cross-region replica of the primary's writer encrypted with this region's key (the
 * failover target, named `<dr-prefix>-db`), a cache (a Global Datastore secondary when on), and in
 * the first DR region the replication of the writer's automated backups.
 *
 * Apply order: the primary region's stack first, then the DR stacks; a DR stack names the writer
 * by ARN (`primaryWriterArn`) and the Global Datastore by its id, and reads the replicated secrets.
 */
export class DataTier extends Construct {
  readonly database: Database;
  readonly cache: Cache;
  readonly backupReplication?: BackupReplication;
  /** The data-tier settings after tier defaults (what the config asked for). */
  readonly settings: ReturnType<typeof resolveDataTier>;
  /** Global Datastore id when the cache spans regions. */
  readonly globalDatastoreId?: string;
  /** Plain environment of the API container (the contract in services/api). */
  readonly environment: Readonly<Record<string, string>>;
  /** Secrets of the API container, injected by ECS from Secrets Manager. */
  readonly secrets: Readonly<Record<string, ContainerSecret>>;
  /** Names of the data tier's secrets the primary replicates to the DR regions. */
  readonly replicatedSecretNames: readonly string[];

  constructor(scope: Construct, id: string, props: DataTierProps) {
    super(scope, id);
    const { config, region, network, secretsKey } = props;
    const settings = resolveDataTier(config);
    this.settings = settings;
    const db = settings.database;
    const production = config.tier === "production";
    const isPrimary = region === config.primaryRegion;
    const name = regionalPrefix(config, region);
    const shared = environmentPrefix(config);

    this.database = new Database(this, "database", {
      name,
      region,
      network,
      replicaOf: isPrimary ? undefined : { arn: primaryWriterArn(config) },
      engineVersion: db.engineVersion,
      instanceClass: db.instanceClass,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      databaseName: db.databaseName,
      masterUsername: db.masterUsername,
      multiAz: db.multiAz,
      readReplicas: inRegionReadReplicas(config, region),
      backupRetentionDays: db.backupRetentionDays,
      backupWindow: db.backupWindow,
      maintenanceWindow: db.maintenanceWindow,
      deletionProtection: db.deletionProtection,
      logMinDurationMs: db.logMinDurationMs,
      logRetentionDays: production ? 365 : 30,
      proxy: db.proxy,
    });
    if (config.drRegions[0] === region) {
      this.backupReplication = new BackupReplication(this, "backup-replication", {
        sourceDbInstanceArn: primaryWriterArn(config),
        kmsKeyArn: this.database.kmsKey.arn,
        retentionDays: Math.min(db.backupRetentionDays, 35),
      });
    }

    // DB_USER: the RDS-managed master secret in the primary; elsewhere the replicated connection
    // secret, because RDS keeps the master secret in the writer's region only.
    let dbUser: ContainerSecret;
    if (isPrimary) {
      dbUser = {
        secretArn: this.database.secretArn!,
        jsonKey: "username",
        kmsKeyArn: this.database.kmsKey.arn,
      };
      if (config.drRegions.length > 0) {
        new ConnectionSecret(this, "db-connection", {
          name: `${shared}-db-connection`,
          kmsKeyArn: secretsKey.arn,
          username: this.database.instance.username,
          databaseName: this.database.instance.dbName,
          replicaRegions: config.drRegions,
        });
      }
    } else {
      const connection = secretReplica(this, "db-connection", `${shared}-db-connection`);
      dbUser = { secretArn: connection.arn, jsonKey: "username" };
    }

    // One AUTH token for every region: a Global Datastore secondary must use the primary's.
    const cacheAuth = sharedSecret(this, "cache-auth", {
      name: `${shared}-cache-auth`,
      description: "AUTH token of the ElastiCache replication groups",
      owner: isPrimary,
      kmsKeyArn: secretsKey.arn,
      length: 64,
      replicaRegions: config.drRegions,
    });

    this.replicatedSecretNames =
      config.drRegions.length > 0 ? [cacheAuth.name, `${shared}-db-connection`] : [cacheAuth.name];

    const cache = settings.cache;
    const globalSuffix = `${shared}-cache`;
    if (settings.cache.globalDatastore)
      this.globalDatastoreId = globalDatastoreId(config.primaryRegion, globalSuffix);
    let globalDatastore: GlobalDatastoreMembership | undefined;
    if (cache.globalDatastore) {
      globalDatastore = isPrimary
        ? { role: "primary", suffix: globalSuffix }
        : {
            role: "secondary",
            globalReplicationGroupId: globalDatastoreId(config.primaryRegion, globalSuffix)!,
          };
    }
    this.cache = new Cache(this, "cache", {
      name,
      network,
      authToken: { secretArn: cacheAuth.arn, value: cacheAuth.value, kmsKeyArn: cacheAuth.kmsKeyArn },
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      nodeType: cache.nodeType,
      replicasPerShard: cache.replicasPerShard,
      clusterMode: cache.clusterMode,
      shards: cache.clusterMode ? cache.shards : undefined,
      snapshotRetentionDays: cache.snapshotRetentionDays,
      snapshotWindow: cache.snapshotWindow,
      maintenanceWindow: cache.maintenanceWindow,
      logRetentionDays: production ? 365 : 30,
      globalDatastore,
    });

    this.environment = {
      DB_HOST: this.database.writerHost,
      // Every in-region replica, comma-separated: the API spreads its reads over them and routes
      // around one that is down. Replicas are read directly with their own IAM login (see
      // Database.readerHosts).
      DB_READER_HOST: this.database.readerHosts.join(","),
      ...(this.database.replicas.length ? { DB_READER_USER: API_CONTAINER_DEFAULTS.readerDbUser } : {}),
      DB_PORT: String(POSTGRES_PORT),
      DB_NAME: db.databaseName,
      DB_SSL: "require",
      DB_IAM_AUTH: "true",
      REDIS_HOST: this.cache.primaryEndpoint,
      REDIS_PORT: String(CACHE_PORT),
      REDIS_TLS: "true",
      CACHE_TTL_SECONDS: String(cache.ttlSeconds),
    };
    this.secrets = {
      DB_USER: dbUser,
      REDIS_AUTH_TOKEN: { secretArn: cacheAuth.arn, kmsKeyArn: cacheAuth.kmsKeyArn },
    };
  }

  /**
   * Opens the network paths (service → proxy and database on 5432, service → cache on 6379) and
   * grants the task role exactly what the API needs: `rds-db:connect` as the database user (and
   * as the reader login on the in-region replicas, unless `readsReplicas` is false: the queue
   * workers only write), and reading and decrypting these secrets.
   */
  connect(service: DataTierClient, options: { readsReplicas?: boolean } = {}): void {
    const { database, cache } = this;
    if (database.proxy) {
      service.connectTo("db-proxy", database.proxy.securityGroup.id, POSTGRES_PORT, "the RDS Proxy");
    }
    service.connectTo("db", database.securityGroup.id, POSTGRES_PORT, `PostgreSQL ${database.identifier}`);
    service.connectTo("cache", cache.securityGroup.id, CACHE_PORT, `the cache ${cache.replicationGroupId}`);

    database.grantConnect(service.taskRole);
    if (options.readsReplicas ?? true) {
      database.grantReplicaConnect(service.taskRole, API_CONTAINER_DEFAULTS.readerDbUser);
    }
    const secrets = Object.values(this.secrets);
    service.addToTaskPolicy("read-data-secrets", {
      Action: "secretsmanager:GetSecretValue",
      Resource: [...new Set(secrets.map((s) => s.secretArn))],
    });
    const keys = [...new Set(secrets.flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))];
    if (keys.length)
      service.addToTaskPolicy("decrypt-data-secrets", { Action: "kms:Decrypt", Resource: keys });
  }
}

/** What the data tier opens its network paths to and grants to: the API service or the queue workers. */
export interface DataTierClient {
  readonly taskRole: IamRole;
  connectTo(id: string, peerSecurityGroupId: string, port: number, description: string): void;
  addToTaskPolicy(id: string, statement: { Action: string | string[]; Resource: string | string[] }): void;
}

/** Adds the data tier to a regional stack; call `connect(service)` once the service exists. */
export function addDataTier(scope: Construct, props: DataTierProps): DataTier {
  return new DataTier(scope, "data", props);
}

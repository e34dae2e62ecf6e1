import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { ElasticacheGlobalReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-global-replication-group";
import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import {
  ElasticacheReplicationGroup,
  type ElasticacheReplicationGroupConfig,
} from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Token } from "../../engine";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";
import type { Network } from "../network/network";
import {
  CACHE_DEFAULT_VERSION,
  cacheParameterFamily,
  isCacheNodeType,
  REPLICATION_GROUP_ID_MAX,
  supportsGlobalDatastore,
  type CacheEngine,
} from "./cache-engine";

export const CACHE_PORT = 6379;

/** The AUTH token: a Secrets Manager secret and its value as a Terraform reference (never a literal). */
export interface CacheAuthToken {
  readonly secretArn: string;
  /** Reference to the secret's value, e.g. a secret version's `secret_string`. */
  readonly value: string;
  /** KMS key of the secret, when it is a customer key. */
  readonly kmsKeyArn?: string;
}

/** Global Datastore role: the primary creates it; a secondary joins it by its full id. */
export type GlobalDatastoreMembership =
  | { readonly role: "primary"; readonly suffix: string }
  | { readonly role: "secondary"; readonly globalReplicationGroupId: string };

export interface CacheProps {
  /** Name prefix, e.g. `skyline-production-use1`: replication group `<name>-cache`. */
  readonly name: string;
  /** Isolated subnets (the network's cache subnet group); log groups use the network's log key. */
  readonly network: Network;
  readonly authToken: CacheAuthToken;
  /** @default "redis" */
  readonly engine?: CacheEngine;
  /** @default "7.1" for redis, "8.0" for valkey */
  readonly engineVersion?: string;
  /** @default "cache.t4g.small" */
  readonly nodeType?: string;
  /** Replicas per shard; with 1 or more the group is Multi-AZ with automatic failover. @default 1 */
  readonly replicasPerShard?: number;
  /** Cluster mode (keys sharded over node groups). @default false */
  readonly clusterMode?: boolean;
  /** Node groups when clusterMode is on. @default 1 */
  readonly shards?: number;
  /** Customer KMS key for data at rest. @default a new key `<name>-cache` */
  readonly kmsKey?: EncryptionKey;
  /** Days of automatic snapshots. @default 7 */
  readonly snapshotRetentionDays?: number;
  /** @default "05:00-06:00" UTC */
  readonly snapshotWindow?: string;
  /** @default "sun:06:30-sun:07:30" UTC */
  readonly maintenanceWindow?: string;
  /** Days to keep slow-log and engine-log. @default 365 */
  readonly logRetentionDays?: number;
  /** Global Datastore membership. @default none */
  readonly globalDatastore?: GlobalDatastoreMembership;
}

/**
 * ElastiCache (Redis OSS or Valkey) replication group in the isolated subnets: TLS required, AUTH
 * token from Secrets Manager, customer-key encryption at rest, Multi-AZ with automatic failover
 * when it has replicas, snapshots, and slow-log and engine-log delivered to CloudWatch.
 */
export class Cache extends Construct {
  readonly replicationGroup: ElasticacheReplicationGroup;
  readonly parameterGroup?: ElasticacheParameterGroup;
  readonly globalReplicationGroup?: ElasticacheGlobalReplicationGroup;
  readonly securityGroup: SecurityGroup;
  readonly kmsKey: EncryptionKey;
  readonly replicationGroupId: string;
  readonly port = CACHE_PORT;
  /** Where clients write (the configuration endpoint in cluster mode). */
  readonly primaryEndpoint: string;
  /** Where clients may read (the configuration endpoint in cluster mode). */
  readonly readerEndpoint: string;
  readonly secretArn: string;
  readonly secretKmsKeyArn?: string;
  /** Member clusters (one per node), as ElastiCache names them; its metrics are per member. */
  readonly memberClusterIds: readonly string[];
  readonly replicasPerShard: number;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { name, network } = props;
    validate(props);
    const engine = props.engine ?? "redis";
    const engineVersion = props.engineVersion ?? CACHE_DEFAULT_VERSION[engine];
    const replicas = props.replicasPerShard ?? 1;
    const clusterMode = props.clusterMode ?? false;
    const secondary = props.globalDatastore?.role === "secondary" ? props.globalDatastore : undefined;
    this.replicationGroupId = `${name}-cache`;
    this.replicasPerShard = replicas;
    const pad = (n: number, width: number) => String(n).padStart(width, "0");
    const nodes = Array.from({ length: 1 + replicas }, (_, i) => i + 1);
    this.memberClusterIds = clusterMode
      ? Array.from({ length: props.shards ?? 1 }, (_, s) => s + 1).flatMap((s) =>
          nodes.map((n) => `${this.replicationGroupId}-${pad(s, 4)}-${pad(n, 3)}`),
        )
      : nodes.map((n) => `${this.replicationGroupId}-${pad(n, 3)}`);
    this.secretArn = props.authToken.secretArn;
    this.secretKmsKeyArn = props.authToken.kmsKeyArn;

    this.kmsKey =
      props.kmsKey ??
      new EncryptionKey(this, "key", {
        name: `${name}-cache`,
        description: `ElastiCache data at rest and snapshots of ${name}`,
      });
    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${name}-cache`,
      description: `${engine} ${this.replicationGroupId}: only the API tasks, on ${CACHE_PORT}`,
      vpcId: network.vpcId,
      tags: { Name: `${name}-cache` },
      lifecycle: { createBeforeDestroy: true },
    });

    const logs = (["slow-log", "engine-log"] as const).map((logType) => ({
      logType,
      group: new CloudwatchLogGroup(this, logType, {
        name: `/skyline/${name}/cache/${logType}`,
        retentionInDays: props.logRetentionDays ?? 365,
        kmsKeyId: network.logKey.arn,
      }),
    }));

    // A secondary of a Global Datastore inherits engine, version, node type, shards and
    // parameters from the primary; setting them is refused.
    let inherited: Partial<ElasticacheReplicationGroupConfig> = {};
    if (!secondary) {
      const family = cacheParameterFamily(engine, engineVersion);
      this.parameterGroup = new ElasticacheParameterGroup(this, "parameters", {
        name: `${name}-cache-${family}`,
        family,
        description: `${this.replicationGroupId}: evict only keys with a TTL, so sessions are kept`,
        parameter: [
          { name: "maxmemory-policy", value: "volatile-lru" },
          ...(clusterMode ? [{ name: "cluster-enabled", value: "yes" }] : []),
        ],
        lifecycle: { createBeforeDestroy: true },
      });
      inherited = {
        engine,
        engineVersion,
        nodeType: props.nodeType ?? "cache.t4g.small",
        parameterGroupName: this.parameterGroup.name,
        ...(clusterMode
          ? { clusterMode: "enabled", numNodeGroups: props.shards ?? 1, replicasPerNodeGroup: replicas }
          : {}),
      };
    }

    const multiAz = replicas >= 1;
    this.replicationGroup = new ElasticacheReplicationGroup(this, "group", {
      replicationGroupId: this.replicationGroupId,
      description: `Cache and sessions of ${name}`,
      ...inherited,
      ...(clusterMode && !secondary ? {} : { numCacheClusters: 1 + replicas }),
      ...(secondary ? { globalReplicationGroupId: secondary.globalReplicationGroupId } : {}),
      port: CACHE_PORT,
      subnetGroupName: network.cacheSubnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      atRestEncryptionEnabled: "true",
      kmsKeyId: this.kmsKey.arn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      authToken: props.authToken.value,
      authTokenUpdateStrategy: "ROTATE",
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 7,
      snapshotWindow: props.snapshotWindow ?? "05:00-06:00",
      maintenanceWindow: props.maintenanceWindow ?? "sun:06:30-sun:07:30",
      finalSnapshotIdentifier: `${this.replicationGroupId}-final`,
      autoMinorVersionUpgrade: "true",
      applyImmediately: false,
      logDeliveryConfiguration: logs.map(({ logType, group }) => ({
        destinationType: "cloudwatch-logs",
        destination: group.name,
        logFormat: "json",
        logType,
      })),
      tags: { Name: this.replicationGroupId },
    });

    if (props.globalDatastore?.role === "primary") {
      this.globalReplicationGroup = new ElasticacheGlobalReplicationGroup(this, "global", {
        globalReplicationGroupIdSuffix: props.globalDatastore.suffix,
        primaryReplicationGroupId: this.replicationGroup.id,
        globalReplicationGroupDescription: `Cross-region replication of ${this.replicationGroupId}`,
      });
    }

    this.primaryEndpoint = clusterMode
      ? this.replicationGroup.configurationEndpointAddress
      : this.replicationGroup.primaryEndpointAddress;
    this.readerEndpoint = clusterMode
      ? this.replicationGroup.configurationEndpointAddress
      : this.replicationGroup.readerEndpointAddress;
  }
}

function validate(props: CacheProps): void {
  const where = `Cache ${props.name}`;
  const id = `${props.name}-cache`;
  if (!Token.isUnresolved(props.name) && id.length > REPLICATION_GROUP_ID_MAX) {
    throw new Error(
      `${where}: replication group id ${id} is longer than ${REPLICATION_GROUP_ID_MAX} characters; shorten name`,
    );
  }
  const nodeType = props.nodeType;
  if (nodeType !== undefined && !Token.isUnresolved(nodeType) && !isCacheNodeType(nodeType)) {
    throw new Error(
      `${where}: nodeType "${nodeType}" is not a known ElastiCache node type; use e.g. cache.r7g.large`,
    );
  }
  const replicas = props.replicasPerShard;
  if (replicas !== undefined && !Token.isUnresolved(replicas) && (replicas < 0 || replicas > 5)) {
    throw new Error(`${where}: replicasPerShard must be 0 to 5; got ${replicas}`);
  }
  if (props.shards !== undefined && !props.clusterMode) {
    throw new Error(`${where}: shards needs clusterMode: true; remove shards or turn cluster mode on`);
  }
  if (
    props.globalDatastore?.role === "primary" &&
    nodeType !== undefined &&
    !Token.isUnresolved(nodeType) &&
    !supportsGlobalDatastore(nodeType)
  ) {
    throw new Error(`${where}: Global Datastore needs M or R nodes, not ${nodeType}; change nodeType`);
  }
  if (Token.isUnresolved(props.authToken.value) === false && !/^\$\{.+\}$/.test(props.authToken.value)) {
    throw new Error(
      `${where}: authToken.value is a literal; pass a reference to the secret's value (e.g. a secret version's secretString)`,
    );
  }
}

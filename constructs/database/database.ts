import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbInstance, type DbInstanceConfig } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn, TerraformLocal, Token } from "../../engine";
import { Construct } from "constructs";
import { Guardrails } from "../../guardrails";
import { EncryptionKey } from "../encryption-key/encryption-key";
import type { Network } from "../network/network";
import { DatabaseProxy } from "./database-proxy";
import {
  isPostgresInstanceClass,
  POSTGRES_DEFAULT_VERSION,
  postgresParameterFamily,
  RDS_IDENTIFIER_MAX,
} from "./postgres-engine";
import { serviceTrustPolicy } from "../iam/assume-role";

export const POSTGRES_PORT = 5432;

/** A cross-region read replica's source, named by ARN so no cross-stack reference is needed. */
export interface ReplicaSource {
  /** `arn:aws:rds:<region>:<account>:db:<identifier>` of the writer in the primary region. */
  readonly arn: string;
}

export interface DatabaseProxyOptions {
  /** @default 1800 */
  readonly idleClientTimeoutSeconds?: number;
  /** @default 90 */
  readonly maxConnectionsPercent?: number;
  /** @default 50 */
  readonly maxIdleConnectionsPercent?: number;
}

export interface DatabaseProps {
  /** Name prefix, e.g. `skyline-production-use1`: instance `<name>-db`, replicas `<name>-db-replica-<n>`. */
  readonly name: string;
  readonly region: string;
  /** The database lives in the network's isolated subnets (its DB subnet group). */
  readonly network: Network;
  /**
   * Make this a cross-region read replica of another region's writer instead of a new writer. It
   * keeps the name `<name>-db` because promotion makes it this region's writer.
   * @default undefined (a new writer)
   */
  readonly replicaOf?: ReplicaSource;
  /** PostgreSQL major ("17") or major.minor version. @default "17" (ignored for a cross-region replica) */
  readonly engineVersion?: string;
  /** @default "db.t4g.medium" */
  readonly instanceClass?: string;
  /** @default 20 (GiB) */
  readonly allocatedStorageGiB?: number;
  /** Storage autoscaling ceiling. @default 100 (GiB) */
  readonly maxAllocatedStorageGiB?: number;
  /** @default "app" */
  readonly databaseName?: string;
  /** @default "skyline_admin" */
  readonly masterUsername?: string;
  /** @default true */
  readonly multiAz?: boolean;
  /** In-region read replicas. @default 0 */
  readonly readReplicas?: number;
  /** @default 35 */
  readonly backupRetentionDays?: number;
  /** @default "03:00-04:00" UTC */
  readonly backupWindow?: string;
  /** @default "sun:04:30-sun:05:30" UTC */
  readonly maintenanceWindow?: string;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** `log_min_duration_statement` in ms. @default 500 */
  readonly logMinDurationMs?: number;
  /** Days to keep the PostgreSQL logs exported to CloudWatch. @default 365 */
  readonly logRetentionDays?: number;
  /** Customer KMS key for storage, Performance Insights and the master secret. @default a new key `<name>-db` */
  readonly kmsKey?: EncryptionKey;
  /** RDS Proxy in front of the writer; false for none. @default a proxy with default options (writers only) */
  readonly proxy?: DatabaseProxyOptions | false;
  /** CA of the server certificate. @default "rds-ca-rsa2048-g1" */
  readonly caCertificate?: string;
}

/**
 * RDS for PostgreSQL: a writer (or a cross-region replica of another region's writer), optional
 * in-region read replicas and an RDS Proxy, with production defaults: customer-key encryption,
 * RDS-managed master password, IAM authentication, forced TLS, gp3 autoscaling, backups, deletion
 * protection, Performance Insights, enhanced monitoring and log exports.
 *
 * Apply order across regions: the primary region's stack first (it creates the writer), then each
 * DR stack, whose replica names its source by an ARN built from the config.
 */
export class Database extends Construct {
  readonly instance: DbInstance;
  readonly replicas: readonly DbInstance[];
  readonly proxy?: DatabaseProxy;
  readonly parameterGroup: DbParameterGroup;
  readonly securityGroup: SecurityGroup;
  readonly kmsKey: EncryptionKey;
  readonly monitoringRole: IamRole;
  readonly identifier: string;
  readonly port = POSTGRES_PORT;
  readonly databaseName: string;
  readonly masterUsername: string;
  /** Host name of this region's writer (or of the cross-region replica). */
  readonly endpoint: string;
  /** Host names of the in-region read replicas, in order. */
  readonly readerEndpoints: readonly string[];
  /** RDS-managed master secret (writers only). */
  readonly secretArn?: string;
  readonly isCrossRegionReplica: boolean;
  /** The API logs in with IAM authentication (always on: a restore must turn it on too). */
  readonly iamAuthentication = true;
  /** Every DB instance this construct created, by identifier and role (for alarms and the ops manifest). */
  readonly instances: readonly {
    readonly id: string;
    readonly role: "writer" | "reader" | "cross-region-replica";
  }[];

  private readonly region: string;
  private readonly logKeyArn: string;
  /** Account of the instance, from its ARN (a local, so policies embedding it stay plain JSON). */
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { name, network, region } = props;
    validate(props);
    this.region = region;
    this.logKeyArn = network.logKey.arn;
    this.isCrossRegionReplica = props.replicaOf !== undefined;
    this.identifier = `${name}-db`;
    this.databaseName = props.databaseName ?? "app";
    this.masterUsername = props.masterUsername ?? "skyline_admin";
    const engineVersion = props.engineVersion ?? POSTGRES_DEFAULT_VERSION;
    const family = postgresParameterFamily(engineVersion);
    const backupRetention = props.backupRetentionDays ?? 35;
    const deletionProtection = props.deletionProtection ?? true;

    this.kmsKey =
      props.kmsKey ??
      new EncryptionKey(this, "key", {
        name: `${name}-db`,
        description: `RDS storage, Performance Insights and master secret of ${name}`,
      });

    this.securityGroup = new SecurityGroup(this, "sg", {
      name: `${name}-db`,
      description: `PostgreSQL ${this.identifier}: only the API tasks and the proxy, on ${POSTGRES_PORT}`,
      vpcId: network.vpcId,
      tags: { Name: `${name}-db` },
      lifecycle: { createBeforeDestroy: true },
    });

    // A new name for each family, created before the old one is destroyed, so a major upgrade can
    // switch groups in one apply.
    this.parameterGroup = new DbParameterGroup(this, "parameters", {
      namePrefix: `${name}-db-${family}-`,
      family,
      description: `TLS-only PostgreSQL with slow-query logging for ${this.identifier}`,
      parameter: [
        { name: "rds.force_ssl", value: "1" },
        { name: "log_min_duration_statement", value: String(props.logMinDurationMs ?? 500) },
        { name: "log_connections", value: "1" },
        { name: "log_disconnections", value: "1" },
        { name: "log_lock_waits", value: "1" },
        { name: "log_temp_files", value: "10240" },
        { name: "log_autovacuum_min_duration", value: "10000" },
        { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    this.monitoringRole = new IamRole(this, "monitoring-role", {
      name: `${name}-db-monitoring`,
      description: "RDS enhanced monitoring publishes OS metrics",
      assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com"),
    });
    new IamRolePolicyAttachment(this, "monitoring-policy", {
      role: this.monitoringRole.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    });

    // Settings every instance shares: writer, in-region replicas and cross-region replica.
    const common = (identifier: string, logs: CloudwatchLogGroup[]): DbInstanceConfig => ({
      identifier,
      instanceClass: props.instanceClass ?? "db.t4g.medium",
      storageType: "gp3",
      maxAllocatedStorage: props.maxAllocatedStorageGiB ?? 100,
      storageEncrypted: true,
      kmsKeyId: this.kmsKey.arn,
      port: POSTGRES_PORT,
      dbSubnetGroupName: network.dbSubnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.id],
      publiclyAccessible: false,
      parameterGroupName: this.parameterGroup.name,
      iamDatabaseAuthenticationEnabled: this.iamAuthentication,
      maintenanceWindow: props.maintenanceWindow ?? "sun:04:30-sun:05:30",
      copyTagsToSnapshot: true,
      deletionProtection,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.kmsKey.arn,
      performanceInsightsRetentionPeriod: 7,
      monitoringInterval: 60,
      monitoringRoleArn: this.monitoringRole.arn,
      enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
      autoMinorVersionUpgrade: true,
      caCertIdentifier: props.caCertificate ?? "rds-ca-rsa2048-g1",
      applyImmediately: false,
      tags: { Name: identifier },
      dependsOn: logs,
    });

    const writerLogs = this.logGroups("logs", this.identifier, props.logRetentionDays);
    if (props.replicaOf) {
      this.instance = new DbInstance(this, "cross-region-replica", {
        ...common(this.identifier, writerLogs),
        replicateSourceDb: props.replicaOf.arn,
        multiAz: props.multiAz ?? true,
        // Kept so the instance has backups the moment it is promoted.
        backupRetentionPeriod: backupRetention,
        backupWindow: props.backupWindow ?? "03:00-04:00",
        // RDS refuses a final snapshot of a read replica.
        skipFinalSnapshot: true,
        tags: { Name: this.identifier, "skyline:role": "cross-region-replica" },
      });
    } else {
      this.instance = new DbInstance(this, "writer", {
        ...common(this.identifier, writerLogs),
        engine: "postgres",
        engineVersion,
        allowMajorVersionUpgrade: true,
        allocatedStorage: props.allocatedStorageGiB ?? 20,
        dbName: this.databaseName,
        username: this.masterUsername,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: this.kmsKey.arn,
        multiAz: props.multiAz ?? true,
        backupRetentionPeriod: backupRetention,
        backupWindow: props.backupWindow ?? "03:00-04:00",
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${this.identifier}-final`,
        deleteAutomatedBackups: false,
        tags: { Name: this.identifier, "skyline:role": "writer" },
      });
      this.secretArn = this.instance.masterUserSecret.get(0).secretArn;
    }

    const replicas: DbInstance[] = [];
    for (let n = 1; n <= (props.readReplicas ?? 0); n++) {
      const identifier = `${this.identifier}-replica-${n}`;
      const logs = this.logGroups(`replica-${n}-logs`, identifier, props.logRetentionDays);
      replicas.push(
        new DbInstance(this, `replica-${n}`, {
          ...common(identifier, logs),
          replicateSourceDb: this.instance.identifier,
          multiAz: false,
          backupRetentionPeriod: backupRetention,
          skipFinalSnapshot: true,
          tags: { Name: identifier, "skyline:role": "reader" },
        }),
      );
      Guardrails.suppress(
        replicas[replicas.length - 1],
        "SKY-RDS-004",
        "An in-region read replica is single-AZ by design: the writer is Multi-AZ and a lost replica is rebuilt",
      );
    }
    this.replicas = replicas;
    this.instances = [
      { id: this.identifier, role: this.isCrossRegionReplica ? "cross-region-replica" : "writer" },
      ...replicas.map((_, i) => ({ id: `${this.identifier}-replica-${i + 1}`, role: "reader" as const })),
    ];
    this.accountId = new TerraformLocal(
      this,
      "account-id",
      Fn.element(Fn.split(":", this.instance.arn), 4),
    ).asString;
    this.endpoint = this.instance.address;
    this.readerEndpoints = replicas.map((r) => r.address);

    if (props.proxy !== false && this.secretArn) {
      this.proxy = new DatabaseProxy(this, "proxy", {
        name: `${name}-db-proxy`,
        region,
        network,
        writerIdentifier: this.instance.identifier,
        secretArn: this.secretArn,
        secretKmsKeyArn: this.kmsKey.arn,
        ...(props.proxy ?? {}),
      });
      this.allowFrom("proxy", this.proxy.securityGroup.id, "the RDS Proxy");
    }
  }

  /** Where clients write: the proxy when there is one, else the instance. */
  get writerHost(): string {
    return this.proxy?.endpoint ?? this.endpoint;
  }

  /**
   * Where the API reads: every in-region replica, directly (RDS Proxy reaches only the writer of an
   * RDS instance; its read-only endpoints work for Aurora and Multi-AZ DB clusters only), else the
   * proxy, else this instance.
   */
  get readerHosts(): string[] {
    if (this.readerEndpoints.length > 0) return [...this.readerEndpoints];
    return [this.proxy?.endpoint ?? this.endpoint];
  }

  /**
   * Lets `peerSecurityGroupId` open 5432 on the database (and the peer's egress to it): used for
   * the proxy here and available for tools that must bypass the proxy.
   */
  allowFrom(id: string, peerSecurityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, `${id}-in`, {
      securityGroupId: this.securityGroup.id,
      description: `PostgreSQL from ${description}`,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: peerSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(this, `${id}-out`, {
      securityGroupId: peerSecurityGroupId,
      description: `To PostgreSQL ${this.identifier}`,
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: this.securityGroup.id,
    });
  }

  /**
   * `rds-db:connect` ARNs for IAM authentication as `dbUser`: through the proxy when there is one,
   * else directly to each instance (its `resource_id`).
   */
  connectArns(dbUser: string = this.masterUsername): string[] {
    const account = this.accountId;
    const arn = (resourceId: string) =>
      `arn:aws:rds-db:${this.region}:${account}:dbuser:${resourceId}/${dbUser}`;
    if (this.proxy) return [arn(this.proxy.resourceId)];
    return [this.instance, ...this.replicas].map((i) => arn(i.resourceId));
  }

  /** Grants `role` IAM authentication to the database as `dbUser` (through the proxy when there is one). */
  grantConnect(role: IamRole, dbUser: string = this.masterUsername): IamRolePolicy {
    return new IamRolePolicy(this, `connect-${dbUser}-${role.node.id}`, {
      role: role.id,
      name: `connect-${this.identifier}`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "rds-db:connect", Resource: this.connectArns(dbUser) }],
      }),
    });
  }

  /**
   * Grants `role` IAM authentication to the in-region read replicas, directly, as `dbUser` (a login
   * granted `rds_iam`; not the writer's login, which keeps password auth for the proxy).
   */
  grantReplicaConnect(role: IamRole, dbUser: string): IamRolePolicy | undefined {
    if (this.replicas.length === 0) return undefined;
    const account = this.accountId;
    return new IamRolePolicy(this, `connect-replicas-${dbUser}-${role.node.id}`, {
      role: role.id,
      name: `connect-${this.identifier}-replicas`,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "rds-db:connect",
            Resource: this.replicas.map(
              (r) => `arn:aws:rds-db:${this.region}:${account}:dbuser:${r.resourceId}/${dbUser}`,
            ),
          },
        ],
      }),
    });
  }

  /** Log groups RDS would otherwise create itself, without retention or a customer key. */
  private logGroups(id: string, identifier: string, retentionDays = 365): CloudwatchLogGroup[] {
    return ["postgresql", "upgrade"].map(
      (log) =>
        new CloudwatchLogGroup(this, `${id}-${log}`, {
          name: `/aws/rds/instance/${identifier}/${log}`,
          retentionInDays: retentionDays,
          kmsKeyId: this.logKeyArn,
        }),
    );
  }
}

function validate(props: DatabaseProps): void {
  const where = `Database ${props.name}`;
  const longest =
    props.readReplicas && props.readReplicas > 0
      ? `${props.name}-db-replica-${props.readReplicas}`
      : `${props.name}-db-proxy`;
  if (!Token.isUnresolved(props.name) && longest.length > RDS_IDENTIFIER_MAX) {
    throw new Error(
      `${where}: identifier ${longest} is longer than ${RDS_IDENTIFIER_MAX} characters; shorten name`,
    );
  }
  const cls = props.instanceClass;
  if (cls !== undefined && !Token.isUnresolved(cls) && !isPostgresInstanceClass(cls)) {
    throw new Error(
      `${where}: instanceClass "${cls}" is not an RDS for PostgreSQL class; use e.g. db.r7g.large`,
    );
  }
  const { allocatedStorageGiB: allocated = 20, maxAllocatedStorageGiB: max = 100 } = props;
  if (!Token.isUnresolved(allocated) && !Token.isUnresolved(max) && max < allocated) {
    throw new Error(
      `${where}: maxAllocatedStorageGiB (${max}) is below allocatedStorageGiB (${allocated}); raise it`,
    );
  }
  const retention = props.backupRetentionDays;
  if (retention !== undefined && !Token.isUnresolved(retention) && (retention < 1 || retention > 35)) {
    throw new Error(`${where}: backupRetentionDays must be 1 to 35; got ${retention}`);
  }
  const replicas = props.readReplicas;
  if (replicas !== undefined && !Token.isUnresolved(replicas) && (replicas < 0 || replicas > 5)) {
    throw new Error(`${where}: readReplicas must be 0 to 5; got ${replicas}`);
  }
  if (props.engineVersion !== undefined && !Token.isUnresolved(props.engineVersion)) {
    try {
      postgresParameterFamily(props.engineVersion);
    } catch (e) {
      throw new Error(`${where}: engineVersion ${(e as Error).message}`);
    }
  }
}

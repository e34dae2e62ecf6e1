import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { BackupReplication } from "../../constructs/database/backup-replication";
import { Database, type DatabaseProps } from "../../constructs/database/database";
import {
  isPostgresInstanceClass,
  POSTGRES_INSTANCE_CLASSES,
  postgresParameterFamily,
} from "../../constructs/database/postgres-engine";
import { Network } from "../../constructs/network/network";
import { only, resources, synthJson, testStack } from "../helpers/synth";

const SOURCE_ARN = "arn:aws:rds:us-east-1:123456789012:db:app-prod-use1-db";

function synthDatabase(props: Partial<DatabaseProps> = {}, region = "us-east-1") {
  const { stack } = testStack(region);
  const network = new Network(stack, "network", {
    name: "app-prod-use1",
    region,
    cidr: "10.20.0.0/16",
    availabilityZones: [`${region}a`, `${region}b`],
  });
  const database = new Database(stack, "db", { name: "app-prod-use1", region, network, ...props });
  return { stack, database, json: () => synthJson(stack) };
}

const instances = (json: ReturnType<typeof synthJson>) =>
  Object.fromEntries(resources(json, "aws_db_instance").map(([, i]) => [i.identifier, i]));

describe("Database (writer)", () => {
  const { json: synth, database } = synthDatabase({ readReplicas: 2 });
  const json = synth();
  const writer = instances(json)["app-prod-use1-db"];

  it("runs PostgreSQL 17 on gp3 with storage autoscaling, encrypted with its own rotating customer key", () => {
    expect(writer).toMatchObject({
      engine: "postgres",
      engine_version: "17",
      storage_type: "gp3",
      allocated_storage: 20,
      max_allocated_storage: 100,
      storage_encrypted: true,
    });
    expect(writer.kms_key_id).toMatch(/aws_kms_key\.db_key/);
    const keys = resources(json, "aws_kms_key").filter(([address]) => address.startsWith("db_key"));
    expect(keys).toHaveLength(1);
    expect(keys[0][1].enable_key_rotation).toBe(true);
  });

  it("is private: isolated subnet group, not public, behind its own security group", () => {
    expect(writer.publicly_accessible).toBe(false);
    expect(writer.db_subnet_group_name).toMatch(/aws_db_subnet_group\.network_db-subnets/);
    expect(writer.vpc_security_group_ids).toEqual([expect.stringMatching(/aws_security_group\.db_sg/)]);
    expect(writer.port).toBe(5432);
  });

  it("lets RDS manage the master password in Secrets Manager and turns on IAM authentication", () => {
    expect(writer.manage_master_user_password).toBe(true);
    expect(writer.master_user_secret_kms_key_id).toMatch(/aws_kms_key\.db_key/);
    expect(writer.password).toBeUndefined();
    expect(writer.iam_database_authentication_enabled).toBe(true);
    expect(writer.username).toBe("skyline_admin");
    expect(writer.db_name).toBe("app");
    expect(database.secretArn).toBeDefined();
  });

  it("forces TLS and logs slow statements in a parameter group replaced create-before-destroy", () => {
    const group = only(json, "aws_db_parameter_group");
    expect(group.family).toBe("postgres17");
    expect(group.name_prefix).toBe("app-prod-use1-db-postgres17-");
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
    const params = Object.fromEntries(group.parameter.map((p: any) => [p.name, p.value]));
    expect(params["rds.force_ssl"]).toBe("1");
    expect(params.log_min_duration_statement).toBe("500");
    expect(writer.parameter_group_name).toMatch(/aws_db_parameter_group\.db_parameters/);
  });

  it("keeps backups: retention, window, tags to snapshots, final snapshot, deletion protection", () => {
    expect(writer).toMatchObject({
      backup_retention_period: 35,
      backup_window: "03:00-04:00",
      maintenance_window: "sun:04:30-sun:05:30",
      copy_tags_to_snapshot: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "app-prod-use1-db-final",
      delete_automated_backups: false,
      deletion_protection: true,
      multi_az: true,
    });
  });

  it("is observable: Performance Insights with the key, enhanced monitoring 60 s, log exports, explicit upgrades and CA", () => {
    expect(writer.performance_insights_enabled).toBe(true);
    expect(writer.performance_insights_kms_key_id).toMatch(/aws_kms_key\.db_key/);
    expect(writer.monitoring_interval).toBe(60);
    expect(writer.monitoring_role_arn).toMatch(/aws_iam_role\.db_monitoring-role/);
    const role = resources(json, "aws_iam_role").find(([a]) => a.startsWith("db_monitoring-role"))![1];
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal.Service).toBe(
      "monitoring.rds.amazonaws.com",
    );
    expect(only(json, "aws_iam_role_policy_attachment").policy_arn).toMatch(
      /AmazonRDSEnhancedMonitoringRole$/,
    );
    expect(writer.enabled_cloudwatch_logs_exports).toEqual(["postgresql", "upgrade"]);
    expect(writer.auto_minor_version_upgrade).toBe(true);
    expect(writer.ca_cert_identifier).toBe("rds-ca-rsa2048-g1");
  });

  it("creates its log groups first, with retention and the network's log key", () => {
    const groups = resources(json, "aws_cloudwatch_log_group").filter(([, g]) =>
      g.name.startsWith("/aws/rds/"),
    );
    expect(groups.map(([, g]) => g.name)).toContain("/aws/rds/instance/app-prod-use1-db/postgresql");
    expect(groups.every(([, g]) => g.retention_in_days === 365 && /network_log-key/.test(g.kms_key_id))).toBe(
      true,
    );
    expect(writer.depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/aws_cloudwatch_log_group\.db_logs-postgresql/)]),
    );
  });

  it("adds addressable in-region read replicas of the writer", () => {
    const all = instances(json);
    expect(Object.keys(all).sort()).toEqual([
      "app-prod-use1-db",
      "app-prod-use1-db-replica-1",
      "app-prod-use1-db-replica-2",
    ]);
    const replica = all["app-prod-use1-db-replica-1"];
    expect(replica.replicate_source_db).toMatch(/aws_db_instance\.db_writer.*\.identifier/);
    expect(replica.manage_master_user_password).toBeUndefined();
    expect(replica.skip_final_snapshot).toBe(true);
    expect(replica.iam_database_authentication_enabled).toBe(true);
    expect(database.readerEndpoints).toHaveLength(2);
  });

  it("puts an RDS Proxy in front of the writer: TLS and IAM required, master secret, pool limits", () => {
    const proxy = only(json, "aws_db_proxy");
    expect(proxy).toMatchObject({
      name: "app-prod-use1-db-proxy",
      engine_family: "POSTGRESQL",
      require_tls: true,
      idle_client_timeout: 1800,
    });
    expect(proxy.auth).toEqual([
      expect.objectContaining({
        auth_scheme: "SECRETS",
        iam_auth: "REQUIRED",
        secret_arn: expect.stringMatching(/db_writer.*master_user_secret\[0\]\.secret_arn/),
      }),
    ]);
    expect(only(json, "aws_db_proxy_default_target_group").connection_pool_config).toMatchObject({
      max_connections_percent: 90,
      max_idle_connections_percent: 50,
    });
    expect(only(json, "aws_db_proxy_target").db_instance_identifier).toMatch(/db_writer/);
    // Read-only proxy endpoints only route to Aurora / Multi-AZ DB cluster readers.
    expect(resources(json, "aws_db_proxy_endpoint")).toHaveLength(0);
    const policy = JSON.parse(
      resources(json, "aws_iam_role_policy").find(([, p]) => p.name === "read-database-secret")![1].policy,
    );
    expect(policy.Statement[0]).toMatchObject({ Action: "secretsmanager:GetSecretValue" });
    expect(policy.Statement[1].Condition.StringEquals["kms:ViaService"]).toBe(
      "secretsmanager.us-east-1.amazonaws.com",
    );
  });

  it("admits only the proxy's security group on 5432 (others via allowFrom)", () => {
    const ingress = resources(json, "aws_vpc_security_group_ingress_rule").filter(([, r]) =>
      /db_sg/.test(r.security_group_id),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0][1]).toMatchObject({ from_port: 5432, to_port: 5432, ip_protocol: "tcp" });
    expect(ingress[0][1].referenced_security_group_id).toMatch(/db_proxy_sg/);
    const sg = resources(json, "aws_security_group").find(([a]) => a.startsWith("db_sg"))![1];
    expect(sg.ingress).toBeUndefined();
  });

  it("writes through the proxy and reads every replica directly", () => {
    expect(database.writerHost).toBe(database.proxy!.endpoint);
    expect(database.readerEndpoints).toHaveLength(2);
    expect(database.readerHosts).toEqual(database.readerEndpoints);
  });
});

describe("Database.grantConnect", () => {
  it("allows rds-db:connect as the user through the proxy's resource id", () => {
    const { stack, database, json } = synthDatabase();
    const role = new IamRole(stack, "app-role", { name: "app", assumeRolePolicy: "{}" });
    database.grantConnect(role);
    const policy = resources(json(), "aws_iam_role_policy").find(
      ([, p]) => p.name === "connect-app-prod-use1-db",
    );
    const statement = JSON.parse(policy![1].policy).Statement[0];
    expect(statement.Action).toBe("rds-db:connect");
    expect(statement.Resource).toEqual([
      expect.stringMatching(
        /^arn:aws:rds-db:us-east-1:\$\{local\.db_account-id_\w+\}:dbuser:\$\{local\.db_proxy_resource-id_\w+\}\/skyline_admin$/,
      ),
    ]);
  });

  it("grants each instance's resource id when there is no proxy", () => {
    const { stack, database, json } = synthDatabase({ proxy: false, readReplicas: 1 });
    expect(resources(json(), "aws_db_proxy")).toHaveLength(0);
    const role = new IamRole(stack, "app-role", { name: "app", assumeRolePolicy: "{}" });
    database.grantConnect(role, "reporting");
    const policy = resources(json(), "aws_iam_role_policy").find(
      ([, p]) => p.name === "connect-app-prod-use1-db",
    );
    const arns: string[] = JSON.parse(policy![1].policy).Statement[0].Resource;
    expect(arns).toHaveLength(2);
    expect(arns[1]).toMatch(/aws_db_instance\.db_replica-1.*\.resource_id\}\/reporting$/);
    expect(database.readerHosts).toEqual(database.readerEndpoints);
  });
});

describe("Database (cross-region replica)", () => {
  const { json: synth, database } = synthDatabase({ replicaOf: { arn: SOURCE_ARN } }, "eu-west-1");
  const json = synth();
  const replica = only(json, "aws_db_instance");

  it("replicates the source by ARN, keeps the region's name, encrypted with a key in its own region", () => {
    expect(replica.identifier).toBe("app-prod-use1-db");
    expect(replica.replicate_source_db).toBe(SOURCE_ARN);
    expect(replica.kms_key_id).toMatch(/aws_kms_key\.db_key/);
    expect(replica.performance_insights_kms_key_id).toMatch(/aws_kms_key\.db_key/);
    expect(replica.engine).toBeUndefined();
    expect(replica.username).toBeUndefined();
    expect(replica.manage_master_user_password).toBeUndefined();
    expect(json.provider!.aws[0]).toMatchObject({ region: "eu-west-1" });
    // The key is created by this (eu-west-1) stack's default provider, not another region's.
    const keyAddress = /aws_kms_key\.([\w-]+)\.arn/.exec(replica.kms_key_id)![1];
    expect(json.resource!.aws_kms_key[keyAddress].provider).toBeUndefined();
  });

  it("is ready for promotion: Multi-AZ, backups, deletion protection, IAM auth, forced TLS", () => {
    expect(replica).toMatchObject({
      multi_az: true,
      backup_retention_period: 35,
      deletion_protection: true,
      iam_database_authentication_enabled: true,
      skip_final_snapshot: true,
    });
    expect(replica.parameter_group_name).toMatch(/aws_db_parameter_group/);
  });

  it("has no proxy (no master secret in this region) and is reached directly", () => {
    expect(resources(json, "aws_db_proxy")).toHaveLength(0);
    expect(database.secretArn).toBeUndefined();
    expect(database.writerHost).toBe(database.endpoint);
    expect(database.readerHosts).toEqual([database.endpoint]);
  });
});

describe("Database validation", () => {
  it.each<[string, Partial<DatabaseProps>, RegExp]>([
    [
      "unknown instance class",
      { instanceClass: "db.x9.huge" },
      /instanceClass "db\.x9\.huge" is not an RDS for PostgreSQL class/,
    ],
    [
      "storage max below allocated",
      { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 },
      /maxAllocatedStorageGiB \(100\) is below allocatedStorageGiB \(200\)/,
    ],
    ["retention 0", { backupRetentionDays: 0 }, /backupRetentionDays must be 1 to 35; got 0/],
    ["retention 36", { backupRetentionDays: 36 }, /backupRetentionDays must be 1 to 35; got 36/],
    ["too many replicas", { readReplicas: 6 }, /readReplicas must be 0 to 5; got 6/],
    ["bad version", { engineVersion: "latest" }, /engineVersion "latest" is not a PostgreSQL version/],
  ])("refuses %s", (_, props, message) => {
    expect(() => synthDatabase(props)).toThrow(message);
  });

  it("refuses a name whose identifiers exceed 63 characters", () => {
    const { stack } = testStack();
    const network = new Network(stack, "network", {
      name: "n",
      region: "us-east-1",
      cidr: "10.20.0.0/16",
      availabilityZones: ["us-east-1a"],
    });
    expect(() => new Database(stack, "db", { name: "x".repeat(56), region: "us-east-1", network })).toThrow(
      /identifier x+-db-proxy is longer than 63 characters; shorten name/,
    );
  });
});

describe("BackupReplication", () => {
  it("replicates the source's automated backups with the destination key and retention", () => {
    const { stack } = testStack("eu-west-1");
    new BackupReplication(stack, "backups", {
      sourceDbInstanceArn: SOURCE_ARN,
      kmsKeyArn: "arn:key",
      retentionDays: 14,
    });
    expect(only(synthJson(stack), "aws_db_instance_automated_backups_replication")).toEqual({
      source_db_instance_arn: SOURCE_ARN,
      kms_key_id: "arn:key",
      retention_period: 14,
    });
    expect(
      () =>
        new BackupReplication(stack, "bad", {
          sourceDbInstanceArn: SOURCE_ARN,
          kmsKeyArn: "k",
          retentionDays: 40,
        }),
    ).toThrow(/retentionDays must be 1 to 35; got 40/);
  });
});

describe("postgres-engine", () => {
  it("lists real PostgreSQL classes and maps versions to parameter families", () => {
    expect(isPostgresInstanceClass("db.r7g.large")).toBe(true);
    expect(isPostgresInstanceClass("db.t4g.micro")).toBe(true);
    expect(isPostgresInstanceClass("db.r7g.medium")).toBe(false);
    expect(
      POSTGRES_INSTANCE_CLASSES.every((c) =>
        /^db\.[a-z0-9]+\.[0-9]*(micro|small|medium|large|xlarge)$/.test(c),
      ),
    ).toBe(true);
    expect(postgresParameterFamily("16.4")).toBe("postgres16");
    expect(() => postgresParameterFamily("16-beta")).toThrow(/not a PostgreSQL version/);
  });
});

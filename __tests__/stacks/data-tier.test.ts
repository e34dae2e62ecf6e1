import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { primaryWriterArn } from "../../stacks/data-tier";
import { config } from "../helpers/config";
import { only, resources, synthJson, type StackJson } from "../helpers/synth";

const [staging, production] = loadEnvironments(["staging", "production"]);
const { environments } = buildApp([staging, production], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) });
const [stagingStack] = environments[0].regional.map(synthJson);
const [primary, euw1, aps1] = environments[1].regional.map(synthJson);

const byIdentifier = (json: StackJson) =>
  Object.fromEntries(resources(json, "aws_db_instance").map(([, i]) => [i.identifier, i]));
const container = (json: StackJson) =>
  JSON.parse(only(json, "aws_ecs_task_definition", "api_").container_definitions)[0];
const env = (json: StackJson) =>
  Object.fromEntries(container(json).environment.map((e: any) => [e.name, e.value]));
const taskPolicies = (json: StackJson) =>
  Object.fromEntries(
    resources(json, "aws_iam_role_policy")
      .filter(([, p]) => /api_task-role/.test(p.role))
      .map(([, p]) => [p.name, JSON.parse(p.policy).Statement]),
  );

describe("data tier: staging versus production", () => {
  it("staging: one single-AZ writer, no replicas, 7-day backups, no deletion protection, small classes", () => {
    const dbs = byIdentifier(stagingStack);
    expect(Object.keys(dbs)).toEqual(["skyline-staging-use1-db"]);
    expect(dbs["skyline-staging-use1-db"]).toMatchObject({
      multi_az: false,
      backup_retention_period: 7,
      deletion_protection: false,
      instance_class: "db.t4g.medium",
      allocated_storage: 20,
      max_allocated_storage: 100,
    });
    const cache = only(stagingStack, "aws_elasticache_replication_group");
    expect(cache).toMatchObject({
      node_type: "cache.t4g.small",
      num_cache_clusters: 1,
      snapshot_retention_limit: 1,
    });
    expect(resources(stagingStack, "aws_elasticache_global_replication_group")).toHaveLength(0);
    expect(resources(stagingStack, "aws_db_proxy_endpoint")).toHaveLength(0);
  });

  it("production primary: Multi-AZ writer, one in-region replica, 35-day backups, deletion protection", () => {
    const dbs = byIdentifier(primary);
    expect(Object.keys(dbs).sort()).toEqual([
      "skyline-production-use1-db",
      "skyline-production-use1-db-replica-1",
    ]);
    expect(dbs["skyline-production-use1-db"]).toMatchObject({
      multi_az: true,
      backup_retention_period: 35,
      deletion_protection: true,
      instance_class: "db.r7g.large",
      manage_master_user_password: true,
    });
    expect(only(primary, "aws_db_proxy").name).toBe("skyline-production-use1-db-proxy");
    expect(only(primary, "aws_elasticache_replication_group")).toMatchObject({
      replication_group_id: "skyline-production-use1-cache",
      num_cache_clusters: 3,
      multi_az_enabled: true,
      automatic_failover_enabled: true,
    });
  });
});

describe("data tier: DR regions", () => {
  it.each([
    ["eu-west-1", () => euw1, "skyline-production-euw1-db"],
    ["ap-south-1", () => aps1, "skyline-production-aps1-db"],
  ])("%s holds a cross-region replica of the primary writer, named for its region", (_, json, name) => {
    const replica = only(json(), "aws_db_instance");
    expect(replica.identifier).toBe(name);
    expect(replica.replicate_source_db).toBe(
      "arn:aws:rds:us-east-1:222222222222:db:skyline-production-use1-db",
    );
    expect(replica.replicate_source_db).toBe(primaryWriterArn(production));
  });

  it("encrypts each cross-region replica with a KMS key of its own region", () => {
    for (const [json, region] of [
      [euw1, "eu-west-1"],
      [aps1, "ap-south-1"],
    ] as const) {
      const replica = only(json, "aws_db_instance");
      const key = /aws_kms_key\.([\w-]+)\.arn/.exec(replica.kms_key_id)![1];
      expect(json.resource!.aws_kms_key[key].provider).toBeUndefined(); // the stack's own provider
      expect(json.provider!.aws).toHaveLength(1);
      expect((json.provider!.aws[0] as any).region).toBe(region);
    }
  });

  it("replicates the writer's automated backups into the first DR region only, with that region's key", () => {
    const replication = only(euw1, "aws_db_instance_automated_backups_replication");
    expect(replication.source_db_instance_arn).toBe(primaryWriterArn(production));
    expect(replication.kms_key_id).toBe(only(euw1, "aws_db_instance").kms_key_id);
    expect(replication.retention_period).toBe(35);
    expect(resources(aps1, "aws_db_instance_automated_backups_replication")).toHaveLength(0);
    expect(resources(primary, "aws_db_instance_automated_backups_replication")).toHaveLength(0);
  });

  it("joins each DR cache to the primary's Global Datastore by its deterministic id", () => {
    expect(only(primary, "aws_elasticache_global_replication_group").global_replication_group_id_suffix).toBe(
      "skyline-production-cache",
    );
    for (const json of [euw1, aps1]) {
      expect(only(json, "aws_elasticache_replication_group").global_replication_group_id).toBe(
        "ldgnf-skyline-production-cache",
      );
    }
  });

  it("gives DR regions independent caches when the Global Datastore is off", () => {
    const off = config("production", (e) => (e.cache = { globalDatastore: false }));
    const dr = synthJson(
      buildApp([off], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) }).environments[0].regional[1],
    );
    const group = only(dr, "aws_elasticache_replication_group");
    expect(group.global_replication_group_id).toBeUndefined();
    expect(group.engine).toBe("redis");
  });
});

describe("data tier: wiring into the task definition", () => {
  it("passes host, reader host, port, name, TLS and IAM flags as plain environment (primary through the proxy)", () => {
    const vars = env(primary);
    expect(vars.DB_HOST).toMatch(/^\$\{aws_db_proxy\.data_database_proxy_\w+\.endpoint\}$/);
    // Reads go to the in-region replica directly, with its own IAM login: RDS Proxy cannot route
    // reads to RDS read replicas (its read-only endpoints are for Aurora and Multi-AZ DB clusters).
    expect(vars.DB_READER_HOST).toMatch(/^\$\{aws_db_instance\.data_database_replica-1_\w+\.address\}$/);
    expect(vars.DB_READER_USER).toBe("skyline_reader");
    expect(resources(primary, "aws_db_proxy_endpoint")).toHaveLength(0);
    expect(vars).toMatchObject({
      DB_PORT: "5432",
      DB_NAME: "app",
      DB_SSL: "require",
      DB_IAM_AUTH: "true",
      REDIS_PORT: "6379",
      REDIS_TLS: "true",
      CACHE_TTL_SECONDS: "60",
    });
    expect(vars.REDIS_HOST).toMatch(/aws_elasticache_replication_group\..*\.primary_endpoint_address/);
  });

  it("lists every in-region replica for the API to read, each with the reader login", () => {
    const three = config("production", (e) => (e.database = { ...e.database, readReplicas: 3 }));
    const [stack] = buildApp([three], { outdir: mkdtempSync(join(tmpdir(), "skyline-")) }).environments[0]
      .regional;
    const json = synthJson(stack);
    const hosts = env(json).DB_READER_HOST.split(",");
    expect(hosts).toHaveLength(3);
    hosts.forEach((host: string, i: number) =>
      expect(host).toMatch(
        new RegExp(`^\\$\\{aws_db_instance\\.data_database_replica-${i + 1}_\\w+\\.address\\}$`),
      ),
    );
    const replicaLogin = taskPolicies(json)["connect-skyline-production-use1-db-replicas"][0];
    expect(replicaLogin.Resource).toHaveLength(3);
    expect(replicaLogin.Resource.every((arn: string) => arn.endsWith("/skyline_reader"))).toBe(true);
  });

  it("staging without replicas reads through the writer proxy", () => {
    const vars = env(stagingStack);
    expect(vars.DB_READER_HOST).toBe(vars.DB_HOST);
    expect(vars.DB_HOST).toMatch(/aws_db_proxy\..*\.endpoint/);
  });

  it("DR tasks reach their region's replica directly", () => {
    const vars = env(euw1);
    expect(vars.DB_HOST).toMatch(/aws_db_instance\.data_database_cross-region-replica_\w+\.address/);
    expect(vars.DB_READER_HOST).toBe(vars.DB_HOST);
  });

  it("injects credentials only through Secrets Manager secrets", () => {
    const secrets = Object.fromEntries(container(primary).secrets.map((s: any) => [s.name, s.valueFrom]));
    expect(secrets.DB_USER).toMatch(
      /^\$\{aws_db_instance\.data_database_writer_\w+\.master_user_secret\[0\]\.secret_arn\}:username::$/,
    );
    expect(secrets.REDIS_AUTH_TOKEN).toMatch(
      /^\$\{aws_secretsmanager_secret\.data_cache-auth_secret_\w+\.arn\}$/,
    );
    const dr = Object.fromEntries(container(euw1).secrets.map((s: any) => [s.name, s.valueFrom]));
    expect(dr.DB_USER).toMatch(
      /^\$\{data\.aws_secretsmanager_secret\.data_db-connection_\w+\.arn\}:username::$/,
    );
    expect(dr.REDIS_AUTH_TOKEN).toMatch(/^\$\{data\.aws_secretsmanager_secret\.data_cache-auth_\w+\.arn\}$/);
    // DB_READER_USER is the fixed name of a password-less IAM login, not a credential.
    const names = container(primary).environment.map((e: any) => e.name);
    expect(names.filter((n: string) => /USER|TOKEN|PASSWORD|SECRET/.test(n))).toEqual(["DB_READER_USER"]);
  });

  it("the primary creates the shared cache token and connection secret, replicated to every DR region", () => {
    const secrets = Object.fromEntries(
      resources(primary, "aws_secretsmanager_secret").map(([, s]) => [s.name, s]),
    );
    for (const name of ["skyline-production-cache-auth", "skyline-production-db-connection"]) {
      expect(secrets[name].replica).toEqual([{ region: "eu-west-1" }, { region: "ap-south-1" }]);
      expect(secrets[name].kms_key_id).toMatch(/aws_kms_key\.secrets-key/);
    }
    const stagingSecrets = resources(stagingStack, "aws_secretsmanager_secret").map(([, s]) => s.name);
    expect(stagingSecrets).not.toContain("skyline-staging-db-connection");
  });

  it("grants the task role exactly rds-db:connect on the proxy, these secrets and their keys", () => {
    const policies = taskPolicies(primary);
    expect(Object.keys(policies).sort()).toEqual([
      "connect-skyline-production-use1-db",
      "connect-skyline-production-use1-db-replicas",
      "decrypt-data-secrets",
      "read-data-secrets",
      // The asynchronous submissions (the queue tier, on by default).
      "send-skyline-production-use1-submissions",
    ]);
    expect(policies["connect-skyline-production-use1-db-replicas"]).toEqual([
      {
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: [
          expect.stringMatching(
            /dbuser:\$\{aws_db_instance\.data_database_replica-1_\w+\.resource_id\}\/skyline_reader$/,
          ),
        ],
      },
    ]);
    expect(policies["connect-skyline-production-use1-db"]).toEqual([
      {
        Effect: "Allow",
        Action: "rds-db:connect",
        Resource: [
          expect.stringMatching(
            /^arn:aws:rds-db:us-east-1:\$\{local\.[\w-]+\}:dbuser:\$\{local\.data_database_proxy_resource-id_\w+\}\/skyline_admin$/,
          ),
        ],
      },
    ]);
    expect(policies["read-data-secrets"][0].Resource).toEqual([
      expect.stringMatching(/master_user_secret\[0\]\.secret_arn/),
      expect.stringMatching(/aws_secretsmanager_secret\.data_cache-auth/),
    ]);
    expect(policies["decrypt-data-secrets"][0].Resource).toEqual([
      expect.stringMatching(/aws_kms_key\.data_database_key/),
      expect.stringMatching(/aws_kms_key\.secrets-key/),
    ]);
    // DR: rds-db:connect on the replica's resource id; replicas of secrets use AWS-managed keys.
    const dr = taskPolicies(euw1);
    expect(dr["connect-skyline-production-euw1-db"][0].Resource).toEqual([
      expect.stringMatching(
        /dbuser:\$\{aws_db_instance\.data_database_cross-region-replica_\w+\.resource_id\}\/skyline_admin$/,
      ),
    ]);
    expect(dr["decrypt-data-secrets"]).toBeUndefined();
  });

  it("lets the execution role read the data secrets at start-up", () => {
    const policy = JSON.parse(
      resources(primary, "aws_iam_role_policy").find(([, p]) => p.name === "start-api-task")![1].policy,
    );
    const read = policy.Statement.find((s: any) => s.Sid === "ReadTaskSecrets");
    expect(read.Resource).toEqual(expect.arrayContaining([expect.stringMatching(/data_cache-auth/)]));
  });

  it("opens 5432 to the proxy and database and 6379 to the cache, from the API and its queue workers only", () => {
    const ingress = resources(primary, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    const into = (sg: RegExp) => ingress.filter((r) => sg.test(r.security_group_id));
    expect(into(/data_database_sg/).map((r) => [r.from_port, r.referenced_security_group_id])).toEqual(
      expect.arrayContaining([
        [5432, expect.stringMatching(/data_database_proxy_sg/)],
        [5432, expect.stringMatching(/api_sg/)],
        [5432, expect.stringMatching(/worker_sg/)],
      ]),
    );
    expect(into(/data_database_sg/)).toHaveLength(3);
    expect(into(/data_database_proxy_sg/).map((r) => [r.from_port, r.referenced_security_group_id])).toEqual([
      [5432, expect.stringMatching(/api_sg/)],
      [5432, expect.stringMatching(/worker_sg/)],
    ]);
    expect(into(/data_cache_sg/).map((r) => [r.from_port, r.referenced_security_group_id])).toEqual([
      [6379, expect.stringMatching(/api_sg/)],
      [6379, expect.stringMatching(/worker_sg/)],
    ]);
    expect(ingress.filter((r) => /data_/.test(r.security_group_id)).every((r) => !r.cidr_ipv4)).toBe(true);
  });
});

describe("data tier: names the ops CLI finds", () => {
  it("derives every name from the config", () => {
    expect(Object.keys(byIdentifier(primary))).toContain("skyline-production-use1-db-replica-1");
    expect(only(euw1, "aws_elasticache_replication_group").replication_group_id).toBe(
      "skyline-production-euw1-cache",
    );
    expect(only(primary, "aws_db_proxy").name).toBe("skyline-production-use1-db-proxy");
    expect(resources(primary, "aws_kms_alias").map(([, a]) => a.name)).toEqual(
      expect.arrayContaining(["alias/skyline-production-use1-db", "alias/skyline-production-use1-cache"]),
    );
  });
});

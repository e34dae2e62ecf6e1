import { TerraformOutput, type TerraformStack } from "../../engine";
import { Cache, type CacheProps } from "../../constructs/cache/cache";
import {
  cacheParameterFamily,
  globalDatastoreId,
  isCacheNodeType,
  supportsGlobalDatastore,
} from "../../constructs/cache/cache-engine";
import { Network } from "../../constructs/network/network";
import { only, resources, synthJson, testStack } from "../helpers/synth";

const TOKEN = {
  secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-auth",
  value: "${aws_secretsmanager_secret_version.auth.secret_string}",
  kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
};

/** The Terraform expression a token stands for, read back through an output. */
function resolved(stack: TerraformStack, token: string): string {
  const id = `probe-${Math.random().toString(36).slice(2)}`;
  new TerraformOutput(stack, id, { value: token });
  return (synthJson(stack) as any).output[id].value;
}

function synthCache(props: Partial<CacheProps> = {}) {
  const { stack } = testStack("us-east-1");
  const network = new Network(stack, "network", {
    name: "app-prod-use1",
    region: "us-east-1",
    cidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
  });
  const cache = new Cache(stack, "cache", { name: "app-prod-use1", network, authToken: TOKEN, ...props });
  return { cache, stack, json: synthJson(stack) };
}

describe("Cache", () => {
  const { cache, json, stack } = synthCache({ replicasPerShard: 2, nodeType: "cache.r7g.large" });
  const group = only(json, "aws_elasticache_replication_group");

  it("is a Redis replication group named <name>-cache: one primary and N replicas, Multi-AZ with failover", () => {
    expect(group).toMatchObject({
      replication_group_id: "app-prod-use1-cache",
      engine: "redis",
      engine_version: "7.1",
      node_type: "cache.r7g.large",
      num_cache_clusters: 3,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      port: 6379,
    });
    expect(group.cluster_mode).toBeUndefined();
  });

  it("encrypts in transit (required) and at rest with its own customer key", () => {
    expect(group.transit_encryption_enabled).toBe(true);
    expect(group.transit_encryption_mode).toBe("required");
    expect(group.at_rest_encryption_enabled).toBe("true");
    expect(group.kms_key_id).toMatch(/aws_kms_key\.cache_key/);
  });

  it("authenticates with the AUTH token from Secrets Manager (a reference, never a literal)", () => {
    expect(group.auth_token).toBe(TOKEN.value);
    expect(group.auth_token_update_strategy).toBe("ROTATE");
    expect(cache.secretArn).toBe(TOKEN.secretArn);
    expect(cache.secretKmsKeyArn).toBe(TOKEN.kmsKeyArn);
  });

  it("keeps snapshots and a final snapshot, with windows", () => {
    expect(group).toMatchObject({
      snapshot_retention_limit: 7,
      snapshot_window: "05:00-06:00",
      maintenance_window: "sun:06:30-sun:07:30",
      final_snapshot_identifier: "app-prod-use1-cache-final",
      auto_minor_version_upgrade: "true",
    });
  });

  it("delivers slow-log and engine-log as JSON to encrypted log groups with retention", () => {
    expect(
      group.log_delivery_configuration.map((l: any) => [l.log_type, l.log_format, l.destination_type]),
    ).toEqual([
      ["slow-log", "json", "cloudwatch-logs"],
      ["engine-log", "json", "cloudwatch-logs"],
    ]);
    const groups = resources(json, "aws_cloudwatch_log_group").filter(([, g]) => g.name.includes("/cache/"));
    expect(groups.map(([, g]) => g.name).sort()).toEqual([
      "/skyline/app-prod-use1/cache/engine-log",
      "/skyline/app-prod-use1/cache/slow-log",
    ]);
    expect(groups.every(([, g]) => g.retention_in_days === 365 && /network_log-key/.test(g.kms_key_id))).toBe(
      true,
    );
  });

  it("uses its own parameter group (volatile-lru keeps sessions) and the isolated subnets", () => {
    const params = only(json, "aws_elasticache_parameter_group");
    expect(params).toMatchObject({ name: "app-prod-use1-cache-redis7", family: "redis7" });
    expect(params.parameter).toEqual([{ name: "maxmemory-policy", value: "volatile-lru" }]);
    expect(params.lifecycle).toEqual({ create_before_destroy: true });
    expect(group.parameter_group_name).toMatch(/aws_elasticache_parameter_group/);
    expect(group.subnet_group_name).toMatch(/network_cache-subnets/);
  });

  it("has a security group with no rules of its own (the service opens 6379 with connectTo)", () => {
    const sg = resources(json, "aws_security_group").find(([a]) => a.startsWith("cache_sg"))![1];
    expect(sg.name).toBe("app-prod-use1-cache");
    expect(sg.ingress).toBeUndefined();
    expect(group.security_group_ids).toEqual([expect.stringMatching(/cache_sg/)]);
  });

  it("exposes primary and reader endpoints and the port", () => {
    expect(cache.port).toBe(6379);
    expect(resolved(stack, cache.primaryEndpoint)).toMatch(/\.primary_endpoint_address\}$/);
    expect(resolved(stack, cache.readerEndpoint)).toMatch(/\.reader_endpoint_address\}$/);
  });
});

describe("Cache variants", () => {
  it("without replicas is a single node without failover", () => {
    const group = only(synthCache({ replicasPerShard: 0 }).json, "aws_elasticache_replication_group");
    expect(group).toMatchObject({
      num_cache_clusters: 1,
      automatic_failover_enabled: false,
      multi_az_enabled: false,
    });
  });

  it("runs Valkey 8 when asked", () => {
    const { json } = synthCache({ engine: "valkey" });
    expect(only(json, "aws_elasticache_replication_group")).toMatchObject({
      engine: "valkey",
      engine_version: "8.0",
    });
    expect(only(json, "aws_elasticache_parameter_group").family).toBe("valkey8");
  });

  it("shards keys in cluster mode and serves the configuration endpoint", () => {
    const { json, cache, stack } = synthCache({ clusterMode: true, shards: 3, replicasPerShard: 1 });
    const group = only(json, "aws_elasticache_replication_group");
    expect(group).toMatchObject({ cluster_mode: "enabled", num_node_groups: 3, replicas_per_node_group: 1 });
    expect(group.num_cache_clusters).toBeUndefined();
    expect(only(json, "aws_elasticache_parameter_group").parameter).toContainEqual({
      name: "cluster-enabled",
      value: "yes",
    });
    // Both resolve to the configuration endpoint.
    expect([cache.primaryEndpoint, cache.readerEndpoint].map((t) => resolved(stack, t))).toEqual([
      expect.stringMatching(/configuration_endpoint_address/),
      expect.stringMatching(/configuration_endpoint_address/),
    ]);
  });

  it("leads a Global Datastore as primary", () => {
    const { json } = synthCache({
      nodeType: "cache.r7g.large",
      globalDatastore: { role: "primary", suffix: "app-prod-cache" },
    });
    expect(only(json, "aws_elasticache_global_replication_group")).toMatchObject({
      global_replication_group_id_suffix: "app-prod-cache",
      primary_replication_group_id: expect.stringMatching(/aws_elasticache_replication_group\.cache_group/),
    });
  });

  it("joins a Global Datastore as secondary, inheriting engine, node type and parameters", () => {
    const { json } = synthCache({
      globalDatastore: { role: "secondary", globalReplicationGroupId: "ldgnf-app-prod-cache" },
    });
    const group = only(json, "aws_elasticache_replication_group");
    expect(group.global_replication_group_id).toBe("ldgnf-app-prod-cache");
    for (const inherited of [
      "engine",
      "engine_version",
      "node_type",
      "parameter_group_name",
      "num_node_groups",
    ]) {
      expect(group[inherited]).toBeUndefined();
    }
    expect(resources(json, "aws_elasticache_parameter_group")).toHaveLength(0);
    expect(group).toMatchObject({ transit_encryption_enabled: true, at_rest_encryption_enabled: "true" });
    expect(group.kms_key_id).toMatch(/aws_kms_key\.cache_key/);
  });
});

describe("Cache validation", () => {
  it.each<[string, Partial<CacheProps>, RegExp]>([
    [
      "unknown node type",
      { nodeType: "cache.x1.huge" },
      /nodeType "cache\.x1\.huge" is not a known ElastiCache node type/,
    ],
    ["too many replicas", { replicasPerShard: 6 }, /replicasPerShard must be 0 to 5; got 6/],
    ["shards without cluster mode", { shards: 2 }, /shards needs clusterMode: true/],
    [
      "Global Datastore on burstable nodes",
      { nodeType: "cache.t4g.small", globalDatastore: { role: "primary", suffix: "s" } },
      /Global Datastore needs M or R nodes, not cache\.t4g\.small/,
    ],
    [
      "a literal AUTH token",
      { authToken: { secretArn: "arn", value: "hunter2hunter2hunter2" } },
      /authToken\.value is a literal; pass a reference/,
    ],
  ])("refuses %s", (_, props, message) => {
    expect(() => synthCache(props)).toThrow(message);
  });

  it("refuses a replication group id over 40 characters", () => {
    const { stack } = testStack();
    const network = new Network(stack, "n", {
      name: "n",
      region: "us-east-1",
      cidr: "10.20.0.0/16",
      availabilityZones: ["us-east-1a"],
    });
    expect(() => new Cache(stack, "c", { name: "x".repeat(35), network, authToken: TOKEN })).toThrow(
      /replication group id x+-cache is longer than 40 characters; shorten name/,
    );
  });
});

describe("cache-engine", () => {
  it("knows node types, Global Datastore support, parameter families and datastore ids", () => {
    expect(isCacheNodeType("cache.r7g.large")).toBe(true);
    expect(isCacheNodeType("cache.r7g.medium")).toBe(false);
    expect(supportsGlobalDatastore("cache.m7g.large")).toBe(true);
    expect(supportsGlobalDatastore("cache.t4g.medium")).toBe(false);
    expect(cacheParameterFamily("redis", "7.1")).toBe("redis7");
    expect(() => cacheParameterFamily("valkey", "eight")).toThrow(/not a valkey version/);
    expect(globalDatastoreId("us-east-1", "skyline-production-cache")).toBe("ldgnf-skyline-production-cache");
    expect(globalDatastoreId("mars-1", "x")).toBeUndefined();
  });
});

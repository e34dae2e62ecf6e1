import type { TerraformStack } from "../../../engine";
import {
  ElasticacheReplicationGroup,
  type ElasticacheReplicationGroupConfig,
} from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { key } from "../fixtures";

function cache(stack: TerraformStack, overrides: Partial<ElasticacheReplicationGroupConfig> = {}) {
  return new ElasticacheReplicationGroup(stack, "cache", {
    replicationGroupId: "app-production-euw1-cache",
    description: "sessions",
    engine: "redis",
    nodeType: "cache.t4g.small",
    numCacheClusters: 2,
    atRestEncryptionEnabled: "true",
    kmsKeyId: key(stack).arn,
    transitEncryptionEnabled: true,
    authToken: "${var.redis_auth_token}",
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    snapshotRetentionLimit: 7,
    subnetGroupName: "private",
    ...overrides,
  });
}

ruleCase("SKY-CACHE-001", {
  pass: (stack) => cache(stack),
  fail: (stack) => cache(stack, { atRestEncryptionEnabled: "false" }),
});

describe("SKY-CACHE-001 variants", () => {
  it("accepts Valkey's default at-rest encryption when a customer key is set", () => {
    const { stack } = newStack();
    cache(stack, { engine: "valkey", atRestEncryptionEnabled: undefined });
    expect(findingsOf(stack, "SKY-CACHE-001")).toEqual([]);
  });
  it("flags encryption without a customer key", () => {
    const { stack } = newStack();
    cache(stack, { kmsKeyId: undefined });
    expect(findingsOf(stack, "SKY-CACHE-001")[0].message).toContain("kms_key_id");
  });
});

ruleCase("SKY-CACHE-002", {
  pass: (stack) => cache(stack),
  fail: (stack) => cache(stack, { transitEncryptionEnabled: false }),
});

describe("SKY-CACHE-002 preferred mode", () => {
  it("flags transit_encryption_mode preferred (plaintext still accepted)", () => {
    const { stack } = newStack();
    cache(stack, { transitEncryptionMode: "preferred" });
    expect(findingsOf(stack, "SKY-CACHE-002")).toHaveLength(1);
  });
});

ruleCase("SKY-CACHE-003", {
  pass: (stack) =>
    cache(stack, { authToken: undefined, userGroupIds: ["${aws_elasticache_user_group.app.id}"] }),
  fail: (stack) => cache(stack, { authToken: undefined }),
});

ruleCase("SKY-CACHE-004", {
  pass: (stack) => cache(stack),
  fail: (stack) => cache(stack, { multiAzEnabled: false }),
});

ruleCase("SKY-CACHE-005", {
  pass: (stack) => cache(stack),
  fail: (stack) => cache(stack, { snapshotRetentionLimit: 0 }),
});

ruleCase("SKY-CACHE-006", {
  pass: (stack) => cache(stack),
  fail: (stack) => cache(stack, { subnetGroupName: undefined }),
});

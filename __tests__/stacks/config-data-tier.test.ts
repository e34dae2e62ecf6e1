import { resolveDataTier } from "../../stacks/config/data-tier-schema";
import { ConfigError, parseEnvironment } from "../../stacks/config/schema";
import { config, variant } from "../helpers/config";

function problemsOf(base: "staging" | "production", change: (env: any) => void): string[] {
  try {
    parseEnvironment(variant(base, change), "test");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("data-tier defaults by tier", () => {
  it("staging: single-AZ, no replicas, 7 days, no deletion protection, small nodes, no Global Datastore", () => {
    const { database, cache } = resolveDataTier(config("staging"));
    expect(database).toMatchObject({
      engineVersion: "17",
      instanceClass: "db.t4g.medium",
      multiAz: false,
      readReplicas: 0,
      backupRetentionDays: 7,
      deletionProtection: false,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
    });
    expect(cache).toMatchObject({
      engine: "redis",
      engineVersion: "7.1",
      nodeType: "cache.t4g.small",
      replicasPerShard: 0,
      globalDatastore: false,
    });
  });

  it("production: Multi-AZ, one replica, 35 days, deletion protection, Global Datastore across DR regions", () => {
    const { database, cache } = resolveDataTier(config("production"));
    expect(database).toMatchObject({
      instanceClass: "db.r7g.large",
      multiAz: true,
      readReplicas: 1,
      backupRetentionDays: 35,
      deletionProtection: true,
    });
    expect(cache).toMatchObject({ nodeType: "cache.r7g.large", replicasPerShard: 2, globalDatastore: true });
  });

  it("explicit values win over tier defaults", () => {
    const { database, cache } = resolveDataTier(
      config("staging", (e) => {
        e.database = { readReplicas: 2, backupRetentionDays: 14, instanceClass: "db.m7g.large" };
        e.cache = { engine: "valkey" };
      }),
    );
    expect(database).toMatchObject({
      readReplicas: 2,
      backupRetentionDays: 14,
      instanceClass: "db.m7g.large",
    });
    expect(cache.engineVersion).toBe("8.0");
  });
});

describe("data-tier validation names the field and the fix", () => {
  const cases: [string, "staging" | "production", (env: any) => void, RegExp][] = [
    [
      "replica count above 5",
      "production",
      (e) => (e.database = { readReplicas: 6 }),
      /^database\.readReplicas: readReplicas must be between 0 and 5/,
    ],
    [
      "negative replica count",
      "staging",
      (e) => (e.database = { readReplicas: -1 }),
      /^database\.readReplicas: readReplicas must be between 0 and 5/,
    ],
    [
      "instance class unknown for PostgreSQL",
      "staging",
      (e) => (e.database = { instanceClass: "db.z1d.large" }),
      /^database\.instanceClass: "db\.z1d\.large" is not an RDS for PostgreSQL instance class; use one like db\.t4g\.medium/,
    ],
    [
      "an EC2 type instead of a db class",
      "staging",
      (e) => (e.database = { instanceClass: "r7g.large" }),
      /^database\.instanceClass: "r7g\.large" is not an RDS for PostgreSQL instance class/,
    ],
    [
      "storage max below allocated",
      "production",
      (e) => (e.database = { allocatedStorageGiB: 500, maxAllocatedStorageGiB: 200 }),
      /^database\.maxAllocatedStorageGiB: maxAllocatedStorageGiB \(200\) is below allocatedStorageGiB \(500\); raise it to at least 500/,
    ],
    [
      "storage max below the tier's default allocation",
      "production",
      (e) => (e.database = { maxAllocatedStorageGiB: 50 }),
      /maxAllocatedStorageGiB \(50\) is below allocatedStorageGiB \(100\)/,
    ],
    [
      "backup retention 0",
      "staging",
      (e) => (e.database = { backupRetentionDays: 0 }),
      /^database\.backupRetentionDays: backupRetentionDays must be 1 to 35 days/,
    ],
    [
      "backup retention 36",
      "production",
      (e) => (e.database = { backupRetentionDays: 36 }),
      /^database\.backupRetentionDays: backupRetentionDays must be 1 to 35 days/,
    ],
    [
      "unsupported PostgreSQL version",
      "staging",
      (e) => (e.database = { engineVersion: "11" }),
      /^database\.engineVersion: PostgreSQL "11" is not offered/,
    ],
    [
      "single-AZ production database",
      "production",
      (e) => (e.database = { multiAz: false }),
      /^database\.multiAz: production databases run Multi-AZ/,
    ],
    [
      "reserved master user",
      "staging",
      (e) => (e.database = { masterUsername: "rdsadmin" }),
      /^database\.masterUsername: masterUsername is reserved/,
    ],
    [
      "malformed backup window",
      "staging",
      (e) => (e.database = { backupWindow: "3am" }),
      /^database\.backupWindow: backupWindow must be a UTC range like "03:00-04:00"/,
    ],
    [
      "unknown field",
      "staging",
      (e) => (e.database = { replicas: 1 }),
      /^database.replicas: unknown field "replicas"; did you mean "readReplicas"\?/,
    ],
    [
      "cache node type not in the known list",
      "staging",
      (e) => (e.cache = { nodeType: "cache.r7g.medium" }),
      /^cache\.nodeType: "cache\.r7g\.medium" is not a known ElastiCache node type; use one like/,
    ],
    [
      "cache replicas above 5",
      "production",
      (e) => (e.cache = { replicasPerShard: 6 }),
      /^cache\.replicasPerShard: cache\.replicasPerShard must be between 0 and 5/,
    ],
    [
      "Global Datastore on burstable nodes",
      "production",
      (e) => (e.cache = { nodeType: "cache.t4g.medium" }),
      /^cache\.nodeType: Global Datastore needs M or R nodes; "cache\.t4g\.medium" cannot join one/,
    ],
    [
      "Global Datastore without DR regions",
      "staging",
      (e) => (e.cache = { globalDatastore: true, nodeType: "cache.r7g.large" }),
      /^cache\.globalDatastore: globalDatastore needs DR regions/,
    ],
    [
      "Global Datastore with more than two DR regions",
      "production",
      (e) => {
        e.drRegions = ["eu-west-1", "ap-south-1", "us-west-2"];
        e.regions["us-west-2"] = { vpcCidr: "10.23.0.0/16", azCount: 3 };
      },
      /^cache\.globalDatastore: a Global Datastore has at most 2 secondary regions/,
    ],
    [
      "Global Datastore led from a region whose id prefix is unknown",
      "production",
      (e) => {
        e.primaryRegion = "eu-west-2";
        e.regions = {
          "eu-west-2": e.regions["us-east-1"],
          "eu-west-1": e.regions["eu-west-1"],
          "ap-south-1": e.regions["ap-south-1"],
        };
      },
      /^cache\.globalDatastore: the Global Datastore id prefix of eu-west-2 is unknown/,
    ],
    [
      "a name too long for a replication group id",
      "staging",
      (e) => Object.assign(e, { app: "skyline-platform", environment: "staging-eu-customers" }),
      /^app: ElastiCache replication group id skyline-platform-staging-eu-customers-use1-cache is longer than 40 characters; shorten app or environment/,
    ],
  ];

  it.each(cases)("%s", (_, base, change, message) => {
    const problems = problemsOf(base, change);
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it("accepts the shipped environments unchanged", () => {
    expect(() => config("staging")).not.toThrow();
    expect(() => config("production")).not.toThrow();
  });
});

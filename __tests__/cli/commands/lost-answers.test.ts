/**
 * Issue 14, defect 3: non-idempotent calls were sent 5 times on a 5xx. Now each is sent once; the
 * CLI re-reads the resource to learn whether the first call took effect, and goes on (it did) or
 * fails saying it did not (exit 1, nothing sent again).
 */
import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import {
  DescribeReplicationGroupsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  TestFailoverCommand,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
} from "@aws-sdk/client-rds";
import type { AwsStub } from "aws-sdk-client-mock";
import { aas, ecsService, ec, ecs, healthyRegion, rds, resetMocks } from "../aws-mocks";
import { awsError, PRODUCTION, run, STAGING } from "../helpers";

beforeEach(() => {
  resetMocks();
  healthyRegion();
});

const http500 = () => awsError("InternalFailure", "We encountered an internal error.", 500);
const http503 = () => awsError("ServiceUnavailable", "Service unavailable", 503);

/** Names of the calls one mock received, in order. */
const order = (mock: AwsStub<any, any, any>) =>
  mock.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ""));

/** The calls made after the mutation, up to the first wait poll: the re-read(s). */
function afterMutation(names: string[], mutation: string): string[] {
  const i = names.indexOf(mutation);
  expect(i).toBeGreaterThanOrEqual(0);
  return names.slice(i + 1);
}

const members = (primary: string) => [
  { CacheClusterId: "n1", CurrentRole: primary === "n1" ? "primary" : "replica" },
  { CacheClusterId: "n2", CurrentRole: primary === "n2" ? "primary" : "replica" },
];
const cache = (
  over: Partial<ReplicationGroup> & { primary?: string; replicas?: number } = {},
): { ReplicationGroups: ReplicationGroup[] } => ({
  ReplicationGroups: [
    {
      ReplicationGroupId: "skyline-production-use1-cache",
      Status: "available",
      AutomaticFailover: "enabled",
      CacheNodeType: "cache.r7g.large",
      NodeGroups: [
        {
          NodeGroupId: "0001",
          NodeGroupMembers:
            over.replicas !== undefined
              ? [{ CurrentRole: "primary" }, ...Array(over.replicas).fill({ CurrentRole: "replica" })]
              : members(over.primary ?? "n1"),
        },
      ],
      ...over,
    } as ReplicationGroup,
  ],
});

describe("a 5xx to a call that is not idempotent", () => {
  it("TestFailover: sent once; the re-read shows the failover started, so it waits and verifies", async () => {
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce(cache()) // plan
      .resolvesOnce(cache({ Status: "modifying" })) // re-read after the 500
      .resolves(cache({ primary: "n2" }));
    ec.on(TestFailoverCommand).rejects(http500());
    const { code, out, err } = await run(["--manifest", PRODUCTION, "failover", "cache", "--yes"]);
    expect(code).toBe(0);
    expect(ec.commandCalls(TestFailoverCommand)).toHaveLength(1);
    expect(afterMutation(order(ec), "TestFailover")[0]).toBe("DescribeReplicationGroups");
    expect(err).toContain(
      "TestFailover for cache skyline-production-use1-cache (us-east-1): HTTP 500 (InternalFailure). Not sent again",
    );
    expect(err).toContain("shows the change: TestFailover took effect; continuing.");
    expect(out).toContain("primary moved from n1 to n2");
  });

  it("IncreaseReplicaCount: sent once; no change visible, so it fails (exit 1) saying it was not applied", async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves(cache({ replicas: 1 }));
    ec.on(IncreaseReplicaCountCommand).rejects(http503());
    const { code, err } = await run(["--manifest", PRODUCTION, "scale", "cache", "--replicas", "2", "--yes"]);
    expect(code).toBe(1);
    expect(ec.commandCalls(IncreaseReplicaCountCommand)).toHaveLength(1);
    expect(afterMutation(order(ec), "IncreaseReplicaCount").length).toBeGreaterThanOrEqual(1);
    expect(err).toContain(
      "error: IncreaseReplicaCount for cache skyline-production-use1-cache (us-east-1) got HTTP 503 (ServiceUnavailable), " +
        "and cache skyline-production-use1-cache (us-east-1) shows no change after 01:00: AWS most likely did not apply it. It was not sent again.",
    );
  });

  it("ModifyReplicationGroup: sent once; the re-read shows modifying, so it waits for the new node type", async () => {
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce(cache({ replicas: 0 }))
      .resolvesOnce(cache({ replicas: 0, Status: "modifying" }))
      .resolves(cache({ replicas: 0, CacheNodeType: "cache.r7g.xlarge" }));
    ec.on(ModifyReplicationGroupCommand).rejects(http500());
    const { code } = await run([
      "--manifest",
      STAGING,
      "scale",
      "cache",
      "--node-type",
      "cache.r7g.xlarge",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(ec.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(1);
    expect(afterMutation(order(ec), "ModifyReplicationGroup")[0]).toBe("DescribeReplicationGroups");
  });

  const replica = {
    DBInstanceIdentifier: "skyline-production-euw1-db",
    DBInstanceStatus: "available",
    ReadReplicaSourceDBInstanceIdentifier: "arn:aws:rds:us-east-1:123456789012:db:skyline-production-use1-db",
    PendingModifiedValues: {},
  };

  it("PromoteReadReplica: sent once; a dropped connection and a re-read that shows the promotion", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [replica] })
      .resolvesOnce({ DBInstances: [{ ...replica, DBInstanceStatus: "modifying" }] })
      .resolves({ DBInstances: [{ ...replica, ReadReplicaSourceDBInstanceIdentifier: undefined }] });
    rds
      .on(PromoteReadReplicaCommand)
      .rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "failover",
      "db",
      "--to",
      "eu-west-1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(rds.commandCalls(PromoteReadReplicaCommand)).toHaveLength(1);
    expect(afterMutation(order(rds), "PromoteReadReplica")[0]).toBe("DescribeDBInstances");
    expect(out).toContain("is a standalone writer");
  });

  it("RebootDBInstance (forced failover): a second reboot would be a second failover, so it is sent once", async () => {
    const writer = {
      DBInstanceIdentifier: "skyline-production-use1-db",
      DBInstanceStatus: "available",
      MultiAZ: true,
      AvailabilityZone: "us-east-1a",
      SecondaryAvailabilityZone: "us-east-1b",
    };
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    rds.on(RebootDBInstanceCommand).rejects(http500());
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(code).toBe(1);
    expect(rds.commandCalls(RebootDBInstanceCommand)).toHaveLength(1);
    expect(err).toContain("AWS most likely did not apply it. It was not sent again.");
  });

  it("ModifyDBInstance: a queued class change counts as taking effect", async () => {
    const db = {
      DBInstanceIdentifier: "skyline-production-use1-db",
      DBInstanceStatus: "available",
      DBInstanceClass: "db.r7g.large",
    };
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [db] })
      .resolvesOnce({ DBInstances: [{ ...db, PendingModifiedValues: { DBInstanceClass: "db.r7g.xlarge" } }] })
      .resolves({ DBInstances: [{ ...db, DBInstanceClass: "db.r7g.xlarge" }] });
    rds.on(ModifyDBInstanceCommand).rejects(http500());
    const { code } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "db",
      "--class",
      "db.r7g.xlarge",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(1);
  });

  it("UpdateService: sent once; the re-read shows the desired count, so it waits until stable", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 3))
      .resolves(ecsService(3, 3));
    ecs.on(UpdateServiceCommand).rejects(http500());
    aas
      .on(DescribeScalableTargetsCommand)
      .resolves({ ScalableTargets: [{ MinCapacity: 1, MaxCapacity: 3 } as never] });
    const { code } = await run(["--manifest", STAGING, "scale", "service", "--desired", "3", "--yes"]);
    expect(code).toBe(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(afterMutation(order(ecs), "UpdateService")[0]).toBe("DescribeServices");
  });

  it("CreateDBSnapshot: the snapshot is there after the 500, so it is not created twice", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "available" }] });
    rds.on(CreateDBSnapshotCommand).rejects(http500());
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: "creating" }] });
    const { code } = await run(["--manifest", PRODUCTION, "snapshot", "create", "--yes"]);
    expect(code).toBe(0);
    expect(rds.commandCalls(CreateDBSnapshotCommand)).toHaveLength(1);
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(1);
  });
});

import {
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  FailoverGlobalReplicationGroupCommand,
  TestFailoverCommand,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand, RebootDBInstanceCommand } from "@aws-sdk/client-rds";
import { ec, mutatingCommands, rds, resetMocks } from "../aws-mocks";
import { awsError, PRODUCTION, run, STAGING } from "../helpers";

const WRITER = "skyline-production-use1-db";
const writer = {
  DBInstanceIdentifier: WRITER,
  DBInstanceStatus: "available",
  MultiAZ: true,
  AvailabilityZone: "us-east-1a",
  SecondaryAvailabilityZone: "us-east-1b",
};

beforeEach(() => resetMocks());

describe("failover az", () => {
  it("reboots with forced failover and verifies the AZ changed", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [writer] })
      .resolvesOnce({ DBInstances: [{ ...writer, DBInstanceStatus: "rebooting" }] })
      .resolves({
        DBInstances: [{ ...writer, AvailabilityZone: "us-east-1b", SecondaryAvailabilityZone: "us-east-1a" }],
      });
    rds.on(RebootDBInstanceCommand).resolves({});
    const { code, out } = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(code).toBe(0);
    expect(rds.commandCalls(RebootDBInstanceCommand)[0].args[0].input).toEqual({
      DBInstanceIdentifier: WRITER,
      ForceFailover: true,
    });
    expect(out).toContain(`${WRITER} now runs in us-east-1b (was us-east-1a).`);
  });

  it("fails (exit 1) when the instance comes back in the same AZ", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [writer] })
      .resolvesOnce({ DBInstances: [{ ...writer, DBInstanceStatus: "rebooting" }] })
      .resolves({ DBInstances: [writer] });
    rds.on(RebootDBInstanceCommand).resolves({});
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(code).toBe(1);
    expect(err).toContain("is available but still in us-east-1a: the failover did not happen");
  });

  it("refuses a single-AZ instance (exit 3)", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ ...writer, MultiAZ: false, SecondaryAvailabilityZone: undefined }] });
    const { code, out } = await run(["--manifest", STAGING, "failover", "az", "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL Multi-AZ with a standby: single-AZ: nothing to fail over to");
    expect(mutatingCommands()).toEqual([]);
  });

  it("maps InvalidDBInstanceState from the reboot to one sentence (exit 1)", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    rds
      .on(RebootDBInstanceCommand)
      .rejects(awsError("InvalidDBInstanceStateFault", "Instance is not available"));
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(code).toBe(1);
    expect(err).toBe(
      `error: database ${WRITER} (us-east-1) is not in a state that allows this operation (Instance is not available); run \`skyline status\` and retry once it is available.\n`,
    );
  });

  it("DBInstanceNotFound while planning is a failed pre-check (exit 3, plan shown); ExpiredToken fails (exit 1)", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(awsError("DBInstanceNotFoundFault"));
    const missing = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(missing.code).toBe(3);
    expect(missing.out).toContain(
      `Plan: failover az: stopped while planning, database ${WRITER} (us-east-1) was not found`,
    );
    expect(missing.out).toContain(
      `FAIL database ${WRITER} (us-east-1) exists: database ${WRITER} (us-east-1) was not found`,
    );
    expect(missing.err).toContain(
      `error: Refused: a pre-check failed while planning: database ${WRITER} (us-east-1) was not found`,
    );
    rds.on(DescribeDBInstancesCommand).rejects(awsError("ExpiredTokenException"));
    const expired = await run(["--manifest", PRODUCTION, "failover", "az", "--yes"]);
    expect(expired.err).toContain("Your AWS credentials expired while acting on database");
  });

  it("retries throttling on the describe calls (no real sleeping)", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(awsError("Throttling"))
      .resolves({ DBInstances: [writer] });
    const { code, rt } = await run(["--manifest", PRODUCTION, "failover", "az", "--dry-run"]);
    expect(code).toBe(0);
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(2);
    expect(rt.sleeps).toEqual([250]);
  });
});

const member = (id: string, role: string) => ({ CacheClusterId: id, CurrentRole: role });
const group = (primary: string, status = "available"): ReplicationGroup => ({
  ReplicationGroupId: "skyline-production-use1-cache",
  Status: status,
  AutomaticFailover: "enabled",
  NodeGroups: [
    {
      NodeGroupId: "0001",
      NodeGroupMembers: [
        member("n1", primary === "n1" ? "primary" : "replica"),
        member("n2", primary === "n2" ? "primary" : "replica"),
      ],
    },
  ],
});

describe("failover cache", () => {
  it("test-fails over the shard and verifies the primary moved", async () => {
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce({ ReplicationGroups: [group("n1")] })
      .resolvesOnce({ ReplicationGroups: [group("n1", "modifying")] })
      .resolves({ ReplicationGroups: [group("n2")] });
    ec.on(TestFailoverCommand).resolves({});
    const { code, out } = await run(["--manifest", PRODUCTION, "failover", "cache", "--yes"]);
    expect(code).toBe(0);
    expect(ec.commandCalls(TestFailoverCommand)[0].args[0].input).toEqual({
      ReplicationGroupId: "skyline-production-use1-cache",
      NodeGroupId: "0001",
    });
    expect(out).toContain("primary moved from n1 to n2");
  });

  it("refuses without automatic failover or a replica", async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ...group("n1"), AutomaticFailover: "disabled" }],
    });
    const { code, out } = await run(["--manifest", PRODUCTION, "failover", "cache", "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL automatic failover enabled with a replica: automatic failover disabled, 1 replicas",
    );
  });

  const globalGroup = (primaryRegion: string, status = "available") => ({
    GlobalReplicationGroups: [
      {
        Status: status,
        Members: ["us-east-1", "eu-west-1", "ap-south-1"].map((r) => ({
          ReplicationGroupRegion: r,
          Role: r === primaryRegion ? "PRIMARY" : "SECONDARY",
        })),
      },
    ],
  });

  it("--to fails the Global Datastore over to that region", async () => {
    ec.on(DescribeGlobalReplicationGroupsCommand)
      .resolvesOnce(globalGroup("us-east-1"))
      .resolvesOnce(globalGroup("us-east-1", "modifying"))
      .resolves(globalGroup("eu-west-1"));
    ec.on(FailoverGlobalReplicationGroupCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "failover",
      "cache",
      "--to",
      "eu-west-1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(ec.commandCalls(FailoverGlobalReplicationGroupCommand)[0].args[0].input).toEqual({
      GlobalReplicationGroupId: "ldgnf-skyline-production-cache",
      PrimaryRegion: "eu-west-1",
      PrimaryReplicationGroupId: "skyline-production-euw1-cache",
    });
    expect(out).toContain("primary is now eu-west-1 (was us-east-1)");
  });

  it("--to is a no-op when the region is already primary (exit 0), and needs a Global Datastore (exit 2)", async () => {
    ec.on(DescribeGlobalReplicationGroupsCommand).resolves(globalGroup("eu-west-1"));
    const already = await run(["--manifest", PRODUCTION, "failover", "cache", "--to", "eu-west-1", "--yes"]);
    expect(already.code).toBe(0);
    expect(already.out).toContain(
      "Nothing to do: eu-west-1 already is the primary of Global Datastore ldgnf-skyline-production-cache. No change made.",
    );
    expect(mutatingCommands()).toEqual([]);
    const noGlobal = await run(["--manifest", STAGING, "failover", "cache", "--to", "eu-west-1"]);
    expect(noGlobal.code).toBe(2);
    expect(noGlobal.err).toContain("is not part of a Global Datastore");
  });
});

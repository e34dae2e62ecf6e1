/**
 * Issue 14, defect 6: the same situation exited differently per command. The one rule
 * (docs/cli.md "Exit codes"), across every command:
 * - a resource the manifest names (or the operator named) that AWS does not know, found while
 *   planning: a failed pre-check, exit 3, with the plan shown and nothing sent;
 * - the live state already is what was asked: a no-op, exit 0, with the plan, nothing sent;
 * - bad usage: exit 2, before any AWS call.
 */
import { DescribeScalableTargetsCommand } from "@aws-sdk/client-application-auto-scaling";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import {
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
} from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  aas,
  cw,
  ec,
  ecs,
  healthyRegion,
  mutatingCommands,
  rds,
  resetMocks,
  sentCommands,
} from "./aws-mocks";
import { awsError, PRODUCTION, run } from "./helpers";

const P = ["--manifest", PRODUCTION];

beforeEach(() => {
  resetMocks();
  healthyRegion();
  aas
    .on(DescribeScalableTargetsCommand)
    .resolves({ ScalableTargets: [{ MinCapacity: 2, MaxCapacity: 12 } as never] });
});

const dbMissing = () =>
  rds.on(DescribeDBInstancesCommand).rejects(awsError("DBInstanceNotFoundFault", "not found", 404));
const cacheMissing = () =>
  ec
    .on(DescribeReplicationGroupsCommand)
    .rejects(awsError("ReplicationGroupNotFoundFault", "not found", 404));

describe("a resource not found while planning: exit 3, plan shown, nothing sent", () => {
  it.each([
    [
      "snapshot create",
      ["snapshot", "create", "--yes"],
      dbMissing,
      "database skyline-production-use1-db (us-east-1)",
    ],
    [
      "snapshot copy",
      ["snapshot", "copy", "nope", "--to", "eu-west-1", "--yes"],
      () => rds.on(DescribeDBSnapshotsCommand).rejects(awsError("DBSnapshotNotFoundFault", "not found", 404)),
      "snapshot nope (us-east-1)",
    ],
    [
      "failover az",
      ["failover", "az", "--yes"],
      dbMissing,
      "database skyline-production-use1-db (us-east-1)",
    ],
    [
      "failover cache",
      ["failover", "cache", "--yes"],
      cacheMissing,
      "cache skyline-production-use1-cache (us-east-1)",
    ],
    [
      "failover cache --to",
      ["failover", "cache", "--to", "eu-west-1", "--yes"],
      () =>
        ec
          .on(DescribeGlobalReplicationGroupsCommand)
          .rejects(awsError("GlobalReplicationGroupNotFoundFault", "not found", 404)),
      "global datastore ldgnf-skyline-production-cache",
    ],
    [
      "failover dns (a traffic switch the global stack did not create)",
      ["failover", "dns", "--to", "eu-west-1", "--yes"],
      () => cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] }),
      "traffic switch skyline-production-use1-traffic-switch (eu-west-1)",
    ],
    [
      "scale db",
      ["scale", "db", "--class", "db.r7g.xlarge", "--yes"],
      dbMissing,
      "database skyline-production-use1-db (us-east-1)",
    ],
    [
      "scale cache",
      ["scale", "cache", "--replicas", "2", "--yes"],
      cacheMissing,
      "cache skyline-production-use1-cache (us-east-1)",
    ],
  ])("%s", async (_, argv, missing, resource) => {
    missing();
    const { code, out, err } = await run([...P, ...argv]);
    expect(code).toBe(3);
    expect(out).toMatch(/^Plan: /);
    expect(out).toContain(`    FAIL ${resource} exists: `);
    expect(err).toContain("error: Refused: a pre-check failed while planning: ");
    expect(mutatingCommands()).toEqual([]);
  });

  it("failover db: a replica that is not there fails the 'replica available' pre-check in the full plan (exit 3)", async () => {
    dbMissing();
    const { code, out, err } = await run([...P, "failover", "db", "--to", "eu-west-1", "--yes"]);
    expect(code).toBe(3);
    expect(out).toMatch(/^Plan: Promote skyline-production-euw1-db in eu-west-1/);
    expect(out).toContain("    FAIL replica available: skyline-production-euw1-db was not found");
    expect(err).toContain("error: Refused: replica available");
    expect(mutatingCommands()).toEqual([]);
  });

  it("scale service: an ECS service that is not there fails the 'service active' pre-check (exit 3, plan shown)", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: "MISSING" }] });
    const { code, out } = await run([...P, "scale", "service", "--desired", "4", "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL service active: status MISSING");
    expect(mutatingCommands()).toEqual([]);
  });

  it("after a mutating call was sent, a resource that vanished is a failure (exit 1), not a refusal", async () => {
    const writer = {
      DBInstanceStatus: "available",
      MultiAZ: true,
      AvailabilityZone: "a",
      SecondaryAvailabilityZone: "b",
    };
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [writer] })
      .rejects(awsError("DBInstanceNotFoundFault", "gone", 404));
    const { code } = await run([...P, "failover", "az", "--yes"]);
    expect(code).toBe(1);
    expect(sentCommands()).toContain("RebootDBInstanceCommand");
  });
});

describe("already in the requested state: a no-op, exit 0, plan shown, nothing sent", () => {
  const svc = { status: "ACTIVE", runningCount: 2, desiredCount: 2, pendingCount: 0, deployments: [{}] };
  const group = (replicas: number, nodeType = "cache.r7g.large") => ({
    ReplicationGroups: [
      {
        Status: "available",
        CacheNodeType: nodeType,
        AutomaticFailover: "enabled" as const,
        NodeGroups: [
          {
            NodeGroupMembers: [
              { CurrentRole: "primary" },
              ...Array(replicas).fill({ CurrentRole: "replica" }),
            ],
          },
        ],
      },
    ],
  });
  it.each([
    [
      "scale service --desired (was: UpdateService sent, change reported)",
      ["scale", "service", "--desired", "2", "--yes"],
      () => ecs.on(DescribeServicesCommand).resolves({ services: [svc] }),
      "skyline-production-use1-api already has a desired count of 2 (2 running)",
    ],
    [
      "scale service --min --max",
      ["scale", "service", "--min", "2", "--max", "12", "--yes"],
      () => ecs.on(DescribeServicesCommand).resolves({ services: [svc] }),
      "the autoscaling range of skyline-production-use1-api already is 2-12",
    ],
    [
      "scale db (was: refused)",
      ["scale", "db", "--class", "db.r7g.large", "--yes"],
      () =>
        rds
          .on(DescribeDBInstancesCommand)
          .resolves({ DBInstances: [{ DBInstanceStatus: "available", DBInstanceClass: "db.r7g.large" }] }),
      "skyline-production-use1-db already is db.r7g.large",
    ],
    [
      "scale cache --replicas (was: refused)",
      ["scale", "cache", "--replicas", "1", "--yes"],
      () => ec.on(DescribeReplicationGroupsCommand).resolves(group(1)),
      "skyline-production-use1-cache already has 1 replicas",
    ],
    [
      "scale cache --node-type",
      ["scale", "cache", "--node-type", "cache.r7g.large", "--yes"],
      () => ec.on(DescribeReplicationGroupsCommand).resolves(group(1)),
      "skyline-production-use1-cache already has node type cache.r7g.large",
    ],
    [
      "failover dns (was: refused)",
      ["failover", "dns", "--to", "us-east-1", "--yes"],
      () => undefined,
      "traffic already goes to us-east-1",
    ],
    [
      "failover cache --to (was: refused)",
      ["failover", "cache", "--to", "us-east-1", "--yes"],
      () =>
        ec.on(DescribeGlobalReplicationGroupsCommand).resolves({
          GlobalReplicationGroups: [
            { Status: "available", Members: [{ ReplicationGroupRegion: "us-east-1", Role: "PRIMARY" }] },
          ],
        }),
      "us-east-1 already is the primary of Global Datastore ldgnf-skyline-production-cache",
    ],
    [
      "failover db (a promotion already done, e.g. re-run after a killed run)",
      ["failover", "db", "--to", "eu-west-1", "--yes"],
      () => rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "available" }] }),
      "skyline-production-euw1-db already is a standalone writer",
    ],
    [
      "snapshot prune (was: exit 0 with an undocumented outcome)",
      ["snapshot", "prune", "--keep-days", "30", "--keep-last", "1", "--execute", "--yes"],
      () => rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] }),
      "all 0 skyline snapshots in us-east-1 are within --keep-last 1 / --keep-days 30",
    ],
    [
      "snapshot copy",
      ["snapshot", "copy", "snap-1", "--to", "eu-west-1", "--yes"],
      () =>
        rds
          .on(DescribeDBSnapshotsCommand)
          .resolves({ DBSnapshots: [{ Status: "available", DBSnapshotArn: "arn:s" }] }),
      "snapshot snap-1 (eu-west-1) already exists (available)",
    ],
    [
      "snapshot copy of an automated snapshot (its id starts with rds:)",
      ["snapshot", "copy", "rds:skyline-production-use1-db-2025-01-15-03-00", "--to", "eu-west-1", "--yes"],
      () =>
        rds
          .on(DescribeDBSnapshotsCommand)
          .resolves({ DBSnapshots: [{ Status: "available", DBSnapshotArn: "arn:s" }] }),
      "snapshot rds:skyline-production-use1-db-2025-01-15-03-00 (eu-west-1) already exists (available)",
    ],
  ])("%s", async (_, argv, state, why) => {
    state();
    const { code, out } = await run([...P, ...argv]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Plan: /);
    expect(out).toContain(`Nothing to do: ${why}`);
    expect(out).toMatch(/No change made\.\n$/);
    expect(out).not.toContain("steps:");
    expect(mutatingCommands()).toEqual([]);
  });
});

describe("bad usage: exit 2 before any AWS call", () => {
  it.each([
    [["snapshot", "create", "--reason", "x".repeat(257)]],
    [["snapshot", "copy", "snap-1", "--to", "us-east-1"]],
    [["snapshot", "copy", "not--valid", "--to", "eu-west-1"]],
    [["snapshot", "copy", `s${"x".repeat(300)}`, "--to", "eu-west-1"]],
    [["scale", "db", "--class", `db.${"r".repeat(40)}.large`]],
    [["failover", "db", "--to", "mars-1"]],
    [["failover", "dns", "--to", "mars-1"]],
    [["scale", "service", "--desired", "-1"]],
    [["scale", "db", "--class", "big"]],
    [["scale", "cache", "--replicas", "9"]],
    [["snapshot", "prune", "--keep-days", "1", "--keep-last", "1001"]],
    [["status", "--region", "mars-1"]],
  ])("%j", async (argv) => {
    const { code } = await run([...P, ...argv]);
    expect(code).toBe(2);
    expect(sentCommands()).toEqual([]);
  });
});

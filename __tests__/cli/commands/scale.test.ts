import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeServicesCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import {
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  type DescribeReplicationGroupsCommandOutput,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
} from "@aws-sdk/client-elasticache";
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { aas, ecsService, ec, ecs, mutatingCommands, rds, resetMocks } from "../aws-mocks";
import { PRODUCTION, run, STAGING } from "../helpers";

beforeEach(() => {
  resetMocks();
  aas
    .on(DescribeScalableTargetsCommand)
    .resolves({ ScalableTargets: [{ MinCapacity: 2, MaxCapacity: 12 } as never] });
});

describe("scale service", () => {
  it("--min/--max registers the autoscaling target, waits until stable and prints the drift notice", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 6, 1))
      .resolves(ecsService(6, 6));
    aas.on(RegisterScalableTargetCommand).resolves({});
    const { code, out, err } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "service",
      "--min",
      "6",
      "--max",
      "20",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(aas.commandCalls(RegisterScalableTargetCommand)[0].args[0].input).toEqual({
      ServiceNamespace: "ecs",
      ResourceId: "service/skyline-production-use1-cluster/skyline-production-use1-api",
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: 6,
      MaxCapacity: 20,
    });
    expect(out).toContain("Set skyline-production-use1-api autoscaling range to 6-20 (now 2-12)");
    expect(out).toContain(
      "note: The next deploy reverts this change unless the config changes too: stacks/config/environments/production.ts → service.minTasks / service.maxTasks.",
    );
    expect(err).toContain("2 running / 6 desired");
    expect(out).toContain("is stable: 6 running / 6 desired.");
  });

  it("--desired updates the service and names the desired-count config field", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolvesOnce(ecsService(2, 4, 2))
      .resolves(ecsService(4, 4));
    ecs.on(UpdateServiceCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "service",
      "--desired",
      "4",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(ecs.commandCalls(UpdateServiceCommand)[0].args[0].input).toEqual({
      cluster: "skyline-production-use1-cluster",
      service: "skyline-production-use1-api",
      desiredCount: 4,
    });
    expect(out).toContain("→ service.desiredTasks");
  });

  it("refuses a --desired outside the autoscaling range (autoscaling would undo it)", async () => {
    ecs.on(DescribeServicesCommand).resolves(ecsService(2, 2));
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "service",
      "--desired",
      "40",
      "--yes",
    ]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL desired within the autoscaling range: desired 40, range 2-12");
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses min above max and rejects mixing --desired with --min (exit 2)", async () => {
    ecs.on(DescribeServicesCommand).resolves(ecsService(2, 2));
    const bad = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "service",
      "--min",
      "9",
      "--max",
      "3",
      "--yes",
    ]);
    expect(bad.code).toBe(3);
    expect(bad.out).toContain("FAIL min ≤ max: min 9, max 3");
    const mixed = await run(["--manifest", PRODUCTION, "scale", "service", "--min", "1", "--desired", "3"]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain("Pass either --min and --max");
  });

  it("times out with a clear message when the service never stabilises", async () => {
    ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(ecsService(2, 2))
      .resolves(ecsService(2, 4, 2));
    ecs.on(UpdateServiceCommand).resolves({});
    const { code, err } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "service",
      "--desired",
      "4",
      "--yes",
    ]);
    expect(code).toBe(1);
    expect(err).toContain(
      "Timed out after 30:00 waiting for ECS service skyline-production-use1-api (us-east-1) to be stable",
    );
  });
});

describe("scale db", () => {
  const db = {
    DBInstanceIdentifier: "skyline-production-use1-db",
    DBInstanceStatus: "available",
    DBInstanceClass: "db.r7g.large",
    MultiAZ: true,
  };

  it("shows pending modifications in the plan, modifies and waits for the new class", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [{ ...db, PendingModifiedValues: { AllocatedStorage: 200 } }] })
      .resolvesOnce({ DBInstances: [{ ...db, DBInstanceStatus: "modifying" }] })
      .resolves({ DBInstances: [{ ...db, DBInstanceClass: "db.r7g.xlarge" }] });
    rds.on(ModifyDBInstanceCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "scale",
      "db",
      "--class",
      "db.r7g.xlarge",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("impact:  Pending modifications are applied now too: AllocatedStorage=200.");
    expect(out).toContain("→ database.instanceClass");
    expect(rds.commandCalls(ModifyDBInstanceCommand)[0].args[0].input).toEqual({
      DBInstanceIdentifier: "skyline-production-use1-db",
      DBInstanceClass: "db.r7g.xlarge",
      ApplyImmediately: true,
    });
  });

  it("rejects a malformed class (exit 2); the current class is a no-op (exit 0, nothing sent)", async () => {
    const bad = await run(["--manifest", PRODUCTION, "scale", "db", "--class", "large"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--class large is not a DB instance class");
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [db] });
    const same = await run(["--manifest", PRODUCTION, "scale", "db", "--class", "db.r7g.large", "--yes"]);
    expect(same.code).toBe(0);
    expect(same.out).toContain(
      "Nothing to do: skyline-production-use1-db already is db.r7g.large. No change made.",
    );
    expect(mutatingCommands()).toEqual([]);
  });
});

describe("scale cache", () => {
  const group = (
    replicas: number,
    status = "available",
    nodeType = "cache.r7g.large",
  ): DescribeReplicationGroupsCommandOutput => ({
    $metadata: {},
    ReplicationGroups: [
      {
        Status: status,
        CacheNodeType: nodeType,
        AutomaticFailover: "enabled",
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

  it("--replicas up uses IncreaseReplicaCount, down uses DecreaseReplicaCount", async () => {
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group(1))
      .resolvesOnce(group(1, "modifying"))
      .resolves(group(2));
    ec.on(IncreaseReplicaCountCommand).resolves({});
    const up = await run(["--manifest", PRODUCTION, "scale", "cache", "--replicas", "2", "--yes"]);
    expect(up.code).toBe(0);
    expect(ec.commandCalls(IncreaseReplicaCountCommand)[0].args[0].input).toEqual({
      ReplicationGroupId: "skyline-production-use1-cache",
      NewReplicaCount: 2,
      ApplyImmediately: true,
    });
    expect(up.out).toContain("→ cache.replicasPerShard");
    resetMocks();
    ec.on(DescribeReplicationGroupsCommand).resolvesOnce(group(3)).resolves(group(2));
    ec.on(DecreaseReplicaCountCommand).resolves({});
    const down = await run(["--manifest", PRODUCTION, "scale", "cache", "--replicas", "2", "--yes"]);
    expect(down.code).toBe(0);
    expect(ec.commandCalls(DecreaseReplicaCountCommand)).toHaveLength(1);
  });

  it("--node-type modifies the replication group", async () => {
    ec.on(DescribeReplicationGroupsCommand)
      .resolvesOnce(group(0))
      .resolves(group(0, "available", "cache.r7g.xlarge"));
    ec.on(ModifyReplicationGroupCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      STAGING,
      "scale",
      "cache",
      "--node-type",
      "cache.r7g.xlarge",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("stacks/config/environments/staging.ts → cache.nodeType");
  });

  it("refuses zero replicas with automatic failover and needs exactly one flag (exit 2)", async () => {
    ec.on(DescribeReplicationGroupsCommand).resolves(group(1));
    const zero = await run(["--manifest", PRODUCTION, "scale", "cache", "--replicas", "0", "--yes"]);
    expect(zero.code).toBe(3);
    const none = await run(["--manifest", PRODUCTION, "scale", "cache"]);
    expect(none.code).toBe(2);
    expect(none.err).toContain("Pass exactly one of --replicas <n> or --node-type <type>.");
  });
});

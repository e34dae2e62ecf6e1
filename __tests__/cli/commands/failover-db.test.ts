import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeDBInstancesCommand, PromoteReadReplicaCommand } from "@aws-sdk/client-rds";
import { cw, ecs, healthyRegion, mutatingCommands, rds, resetMocks, sentCommands } from "../aws-mocks";
import { PRODUCTION, run, STAGING, journalLines } from "../helpers";

const REPLICA = "skyline-production-euw1-db";
const replicaState = {
  DBInstanceIdentifier: REPLICA,
  DBInstanceStatus: "available",
  ReadReplicaSourceDBInstanceIdentifier: "arn:aws:rds:us-east-1:123456789012:db:skyline-production-use1-db",
  PendingModifiedValues: {},
};
const promoted = { ...replicaState, ReadReplicaSourceDBInstanceIdentifier: undefined };
const base = ["--manifest", PRODUCTION, "failover", "db", "--to", "eu-west-1"];

beforeEach(() => {
  resetMocks();
  healthyRegion();
});

function promotionSequence(): void {
  rds
    .on(DescribeDBInstancesCommand)
    .resolvesOnce({ DBInstances: [replicaState] }) // plan
    .resolvesOnce({ DBInstances: [{ ...replicaState, DBInstanceStatus: "modifying" }] })
    .resolvesOnce({ DBInstances: [{ ...promoted, DBInstanceStatus: "modifying" }] })
    .resolves({ DBInstances: [promoted] });
  rds.on(PromoteReadReplicaCommand).resolves({});
}

describe("failover db", () => {
  it("prints the plan, promotes, waits for change then settle, verifies and records the event", async () => {
    promotionSequence();
    const { code, out, err, rt } = await run([...base, "--yes"]);
    expect(code).toBe(0);
    expect(out).toContain(`Plan: Promote ${REPLICA} in eu-west-1 to a standalone writer`);
    expect(out).toContain("ok   replica lag within RPO: max ReplicaLag 5 s over 5 minutes (RPO 300 s)");
    expect(out.indexOf("Plan:")).toBeLessThan(out.indexOf("standalone writer (status available"));
    expect(out).toMatch(/Measured recovery time \d\d:\d\d \(RTO 30 min\)/);
    expect(out).toContain("skyline failover dns --to eu-west-1");
    expect(out).toContain("Fence the old primary");
    expect(out).toContain('stacks/config/environments/production.ts → primaryRegion = "eu-west-1"');
    expect(err).toMatch(
      /\[\d\d:\d\d\] database skyline-production-euw1-db \(eu-west-1\): modifying, still a replica/,
    );
    expect(err).toContain("change observed after");
    expect(rds.commandCalls(PromoteReadReplicaCommand)[0].args[0].input).toEqual({
      DBInstanceIdentifier: REPLICA,
    });
    const metrics = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    expect(metrics.map((m) => m.Namespace)).toEqual(["Skyline/Operations", "Skyline/Operations"]);
    expect(
      metrics.map((m) => m.MetricData?.[0].Dimensions?.find((d) => d.Name === "Outcome")?.Value),
    ).toEqual(["started", "succeeded"]);
    const audit = journalLines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(audit.map((l) => l.phase)).toEqual(["started", "sent", "outcome"]);
    const same = { command: "failover db", environment: "production", region: "eu-west-1", target: REPLICA };
    expect(audit[0]).toMatchObject({ ...same, check: `database ${REPLICA} (eu-west-1)` });
    expect(audit[1]).toMatchObject({ ...same, operation: "PromoteReadReplica" });
    expect(audit[2]).toMatchObject({
      ...same,
      outcome: "succeeded",
      sent: [expect.objectContaining({ operation: "PromoteReadReplica", status: "accepted" })],
    });
  });

  it("queries ReplicaLag as the 5-minute maximum of the replica in the target region", async () => {
    promotionSequence();
    await run([...base, "--dry-run"]);
    const input = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    const query = input.MetricDataQueries?.[0].MetricStat;
    expect(query?.Metric?.MetricName).toBe("ReplicaLag");
    expect(query?.Metric?.Dimensions).toEqual([{ Name: "DBInstanceIdentifier", Value: REPLICA }]);
    expect(query?.Stat).toBe("Maximum");
    expect((input.EndTime as Date).getTime() - (input.StartTime as Date).getTime()).toBe(5 * 60_000);
  });

  it("--dry-run prints the plan and makes only read calls", async () => {
    promotionSequence();
    const { code, out } = await run([...base, "--dry-run"]);
    expect(code).toBe(0);
    expect(out).toContain("Dry run: no changes made.");
    expect(sentCommands().length).toBeGreaterThan(0);
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses without --yes when stdin is not a terminal (exit 3)", async () => {
    promotionSequence();
    const { code, err } = await run(base);
    expect(code).toBe(3);
    expect(err).toContain("stdin is not a terminal");
    expect(err).toContain("--yes");
    expect(mutatingCommands()).toEqual([]);
  });

  it("asks on a terminal and proceeds on yes", async () => {
    promotionSequence();
    const { code, rt } = await run(base, { tty: true, answers: ["yes"] });
    expect(code).toBe(0);
    expect(rt.prompts[0]).toContain("Proceed with failover db");
    expect(rds.commandCalls(PromoteReadReplicaCommand)).toHaveLength(1);
  });

  it("stops on any answer but yes (exit 3, nothing changed)", async () => {
    promotionSequence();
    const { code, err } = await run(base, { tty: true, answers: ["no"] });
    expect(code).toBe(3);
    expect(err).toContain("Not confirmed");
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses when lag exceeds the RPO (exit 3)", async () => {
    promotionSequence();
    healthyRegion([10, 301]);
    const { code, out, err } = await run([...base, "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica lag within RPO: max ReplicaLag 301 s over 5 minutes (RPO 300 s)");
    expect(err).toContain("Refused: replica lag within RPO");
    expect(mutatingCommands()).toEqual([]);
  });

  it("fails closed when ReplicaLag has no datapoints", async () => {
    promotionSequence();
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: "lag", Values: [] }] });
    const { code, out } = await run([...base, "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL replica lag within RPO: source region us-east-1 unreachable: no ReplicaLag data in 5 minutes",
    );
    expect(mutatingCommands()).toEqual([]);
  });

  it("treats a ReplicaLag of -1 (replication stopped) as unknown", async () => {
    promotionSequence();
    healthyRegion([2, -1]);
    const { code } = await run([...base, "--yes"]);
    expect(code).toBe(3);
  });

  it("beyond the RPO, --accept-data-loss still needs the replica id typed", async () => {
    promotionSequence();
    healthyRegion([900]);
    const { code, err } = await run([...base, "--yes", "--accept-data-loss"]);
    expect(code).toBe(3);
    expect(err).toContain(`pass --confirm-replica-id ${REPLICA}`);
    expect(mutatingCommands()).toEqual([]);
  });

  it("beyond the RPO, a wrong typed id refuses", async () => {
    promotionSequence();
    healthyRegion([900]);
    const wrong = await run([
      ...base,
      "--yes",
      "--accept-data-loss",
      "--confirm-replica-id",
      "skyline-production-use1-db",
    ]);
    expect(wrong.code).toBe(3);
    expect(wrong.err).toContain("does not match");
    const typedWrong = await run([...base, "--accept-data-loss"], { tty: true, answers: ["nope"] });
    expect(typedWrong.code).toBe(3);
    expect(mutatingCommands()).toEqual([]);
  });

  it("beyond the RPO, --accept-data-loss plus the typed id proceeds", async () => {
    promotionSequence();
    healthyRegion([900]);
    const byFlag = await run([...base, "--yes", "--accept-data-loss", "--confirm-replica-id", REPLICA]);
    expect(byFlag.code).toBe(0);
    expect(byFlag.out).toContain("OVERRIDDEN replica lag within RPO");
    resetMocks();
    healthyRegion([900]);
    promotionSequence();
    const byPrompt = await run([...base, "--accept-data-loss"], { tty: true, answers: [REPLICA, "yes"] });
    expect(byPrompt.code).toBe(0);
    expect(byPrompt.rt.prompts[0]).toContain(`Type ${REPLICA}`);
  });

  it("--accept-data-loss does not override other failed checks", async () => {
    promotionSequence();
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: "skyline-production-euw1-api-5xx" }],
    });
    const { code, out } = await run([
      ...base,
      "--yes",
      "--accept-data-loss",
      "--confirm-replica-id",
      REPLICA,
    ]);
    expect(code).toBe(3);
    expect(out).toContain(
      "FAIL eu-west-1 can serve (no serving alarm in ALARM): skyline-production-euw1-api-5xx",
    );
  });

  it("refuses when the replica has pending modifications or is not available", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          ...replicaState,
          DBInstanceStatus: "backing-up",
          PendingModifiedValues: { DBInstanceClass: "db.r7g.large" },
        },
      ],
    });
    const { code, out } = await run([...base, "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL replica available: status backing-up");
    expect(out).toContain("FAIL no pending modifications: DBInstanceClass=db.r7g.large");
  });

  it("refuses when the target service is unhealthy", async () => {
    promotionSequence();
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ status: "ACTIVE", runningCount: 0, desiredCount: 2 }] });
    const { code, out } = await run([...base, "--yes"]);
    expect(code).toBe(3);
    expect(out).toContain("FAIL service healthy in eu-west-1");
  });

  it("times out with a clear message when the replica never changes, and audits the failure", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [replicaState] });
    rds.on(PromoteReadReplicaCommand).resolves({});
    const { code, err, rt } = await run([...base, "--yes"]);
    expect(code).toBe(1);
    expect(err).toMatch(
      /Timed out after 05:0\d: database skyline-production-euw1-db \(eu-west-1\) never showed the change/,
    );
    const line = journalLines(rt.env.SKYLINE_AUDIT_LOG as string).at(-1)!;
    expect(line).toMatchObject({ phase: "outcome", outcome: "failed" });
    expect(line.error).toContain("never showed the change");
    expect(cw.commandCalls(PutMetricDataCommand)[1].args[0].input.MetricData?.[0].Dimensions).toContainEqual({
      Name: "Outcome",
      Value: "failed",
    });
  });

  it("a long wait is never silent: a progress line at least every 30 s, with elapsed time, state and what it waits for", async () => {
    const modifying = { ...replicaState, DBInstanceStatus: "modifying" };
    let chain = rds.on(DescribeDBInstancesCommand).resolvesOnce({ DBInstances: [replicaState] });
    for (let i = 0; i < 40; i++) chain = chain.resolvesOnce({ DBInstances: [modifying] });
    chain.resolves({ DBInstances: [promoted] });
    rds.on(PromoteReadReplicaCommand).resolves({});
    const { code, err } = await run([...base, "--yes"]);
    expect(code).toBe(0);
    const stamps = [...err.matchAll(/^\[(\d\d):(\d\d)\]/gm)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    expect(stamps[stamps.length - 1]).toBeGreaterThanOrEqual(6 * 60); // a wait of more than 6 minutes
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30);
    expect(err).toMatch(
      /\[\d\d:\d\d\] database skyline-production-euw1-db \(eu-west-1\): still modifying, still a replica after \d\d:\d\d; waiting for available and standalone \(deadline 60 min\)/,
    );
  });

  it("times out when the replica changes but never settles", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [replicaState] })
      .resolves({ DBInstances: [{ ...replicaState, DBInstanceStatus: "modifying" }] });
    rds.on(PromoteReadReplicaCommand).resolves({});
    const { code, err } = await run([...base, "--yes"]);
    expect(code).toBe(1);
    expect(err).toContain(
      "waiting for database skyline-production-euw1-db (eu-west-1) to be available and standalone",
    );
    expect(err).toContain('last state "modifying, still a replica"');
  });

  it("rejects a --to region without a cross-region replica (exit 2)", async () => {
    const { code, err } = await run(["--manifest", PRODUCTION, "failover", "db", "--to", "us-east-1"]);
    expect(code).toBe(2);
    expect(err).toContain("--to us-east-1 has no cross-region replica");
    expect(err).toContain("eu-west-1, ap-south-1");
  });

  it("in an environment with no replica at all, says so and points at failover az (not 'choose a region with one ()')", async () => {
    const { code, err } = await run(["--manifest", STAGING, "failover", "db", "--to", "eu-west-1"]);
    expect(code).toBe(2);
    expect(err).toBe(
      "error: The staging environment has no cross-region replica in any region, so there is nothing to promote: " +
        "`failover db` needs a multi-region environment. To fail the writer over to its standby in another AZ, use `skyline failover az`.\n",
    );
    expect(err).not.toContain("()");
  });

  it("prints one JSON document with plan and result in --output json", async () => {
    promotionSequence();
    const { code, out } = await run([...base, "--yes", "--output", "json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      command: "failover db",
      environment: "production",
      outcome: "succeeded",
      plan: { region: "eu-west-1", target: REPLICA },
      result: { instance: REPLICA, standalone: true, maxReplicaLagSeconds: 5 },
    });
    expect(doc.plan.checks).toHaveLength(5);
  });
});

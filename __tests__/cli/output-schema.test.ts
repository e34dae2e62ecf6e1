/**
 * Issue 14, defect 5: `-o json` printed nothing for errors before the plan. Now every run prints
 * exactly one JSON document on stdout, for every outcome, and each one is validated here against
 * the documented schema (schemas/cli-output.schema.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RebootDBInstanceCommand,
} from "@aws-sdk/client-rds";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { ExitCode } from "../../cli/core/errors";
import { OUTCOMES } from "../../cli/core/report";
import { runCli } from "../../cli/program";
import { ec, healthyRegion, rds, resetMocks } from "./aws-mocks";
import { awsError, fakeRuntime, PRODUCTION, run, STAGING, tmpDir } from "./helpers";
import { documentOf, OUTPUT_SCHEMA as SCHEMA } from "./output-document";

const writer = {
  DBInstanceIdentifier: "skyline-production-use1-db",
  DBInstanceStatus: "available",
  DBInstanceClass: "db.r7g.large",
  MultiAZ: true,
  AvailabilityZone: "us-east-1a",
  SecondaryAvailabilityZone: "us-east-1b",
};
const J = ["--manifest", PRODUCTION, "-o", "json"];

beforeEach(() => {
  resetMocks();
  healthyRegion();
});

describe("the -o json document: one per run, for every outcome, valid against schemas/cli-output.schema.json", () => {
  it("the schema names exactly the outcomes and exit codes the code produces", () => {
    expect(SCHEMA.properties.outcome.enum).toEqual([...OUTCOMES]);
    expect([...SCHEMA.properties.exitCode.enum].sort()).toEqual(Object.values(ExitCode).sort());
  });

  it("succeeded (a mutating command): plan, result, duration and what was sent", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [writer] })
      .resolvesOnce({ DBInstances: [{ ...writer, DBInstanceStatus: "rebooting" }] })
      .resolves({ DBInstances: [{ ...writer, AvailabilityZone: "us-east-1b" }] });
    rds.on(RebootDBInstanceCommand).resolves({});
    const { code, out } = await run([...J, "failover", "az", "--yes"]);
    expect(code).toBe(0);
    expect(documentOf(out)).toMatchObject({
      schemaVersion: 1,
      command: "failover az",
      environment: "production",
      outcome: "succeeded",
      exitCode: 0,
      dryRun: false,
      plan: { target: "skyline-production-use1-db", region: "us-east-1" },
      result: { fromAz: "us-east-1a", toAz: "us-east-1b" },
      sent: [{ operation: "RebootDBInstance", status: "accepted" }],
    });
  });

  it("succeeded (read commands): status, snapshot list, runbook list and show", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: "available" }] });
    const status = await run([...J, "status"]);
    expect(status.code).toBe(0);
    expect(documentOf(status.out)).toMatchObject({ command: "status", outcome: "succeeded", unfinished: [] });
    const list = await run([...J, "snapshot", "list"]);
    expect(documentOf(list.out)).toMatchObject({ command: "snapshot list", snapshots: [] });
    const dir = tmpDir();
    mkdirSync(join(dir, "runbooks"));
    writeFileSync(join(dir, "runbooks", "scale.md"), "# Scale out\n");
    writeFileSync(join(dir, "manifest.json"), readFileSync(PRODUCTION, "utf8"));
    const manifest = join(dir, "manifest.json");
    const runbooks = await run(["--manifest", manifest, "-o", "json", "runbook", "list"]);
    expect(documentOf(runbooks.out)).toMatchObject({ runbooks: [{ name: "scale", title: "Scale out" }] });
    const show = await run(["--manifest", manifest, "-o", "json", "runbook", "show", "scale"]);
    expect(documentOf(show.out)).toMatchObject({ name: "scale", markdown: "# Scale out\n" });
  });

  it("dry-run", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    const { code, out } = await run([...J, "--dry-run", "failover", "az"]);
    expect(code).toBe(0);
    expect(documentOf(out)).toMatchObject({ outcome: "dry-run", exitCode: 0, dryRun: true, plan: {} });
  });

  it("no-op", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    const { code, out } = await run([...J, "scale", "db", "--class", "db.r7g.large", "--yes"]);
    expect(code).toBe(0);
    expect(documentOf(out)).toMatchObject({
      outcome: "no-op",
      exitCode: 0,
      result: { noop: "skyline-production-use1-db already is db.r7g.large" },
      plan: { noop: "skyline-production-use1-db already is db.r7g.large" },
    });
  });

  it("refused: a failed pre-check, and no --yes without a terminal", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...writer, MultiAZ: false }] });
    const check = await run([...J, "failover", "az", "--yes"]);
    expect(check.code).toBe(3);
    expect(documentOf(check.out)).toMatchObject({
      outcome: "refused",
      exitCode: 3,
      phase: "planning",
      error: { kind: "refused", message: expect.stringContaining("Multi-AZ with a standby") },
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    const noYes = await run([...J, "failover", "az"]);
    expect(documentOf(noYes.out)).toMatchObject({
      outcome: "refused",
      phase: "confirming",
      error: { message: expect.stringContaining("stdin is not a terminal") },
    });
  });

  it("refused: a manifest resource not found while planning, with the plan", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(awsError("DBInstanceNotFoundFault", "DBInstance not found", 404));
    const { code, out } = await run([...J, "failover", "az", "--yes"]);
    expect(code).toBe(3);
    expect(documentOf(out)).toMatchObject({
      outcome: "refused",
      exitCode: 3,
      plan: { checks: [{ name: "database skyline-production-use1-db (us-east-1) exists", ok: false }] },
      error: {
        kind: "not-found",
        awsError: "DBInstanceNotFoundFault",
        resource: "database skyline-production-use1-db (us-east-1)",
        operation: "DescribeDBInstances",
      },
    });
  });

  it("failed before the plan: no credentials, an AWS error", async () => {
    rds
      .on(DescribeDBInstancesCommand)
      .rejects(awsError("CredentialsProviderError", "Could not load credentials"));
    const creds = await run([...J, "failover", "az"]);
    expect(creds.code).toBe(1);
    expect(documentOf(creds.out)).toMatchObject({
      outcome: "failed",
      exitCode: 1,
      phase: "planning",
      error: { kind: "credentials", message: expect.stringContaining("No AWS credentials found") },
    });
    expect(documentOf(creds.out)).not.toHaveProperty("plan");
    rds.on(DescribeDBInstancesCommand).rejects(awsError("AccessDenied", "no", 403));
    const denied = await run([...J, "failover", "az"]);
    expect(documentOf(denied.out)).toMatchObject({
      outcome: "failed",
      error: { kind: "aws", awsError: "AccessDenied" },
    });
  });

  it("failed after the mutating call: the wait timed out, with the plan and what was sent", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    rds.on(RebootDBInstanceCommand).resolves({});
    const { code, out } = await run([...J, "failover", "az", "--yes"]);
    expect(code).toBe(1);
    expect(documentOf(out)).toMatchObject({
      outcome: "failed",
      exitCode: 1,
      phase: "waiting",
      plan: {},
      sent: [{ operation: "RebootDBInstance", status: "accepted" }],
      error: { kind: "timeout", message: expect.stringContaining("never showed the change") },
    });
  });

  it("usage-error: from commander, from a flag value, from the manifest, from an environment variable", async () => {
    const unknown = await run(["-o", "json", "status", "--bogus"]);
    expect(unknown.code).toBe(2);
    expect(documentOf(unknown.out)).toMatchObject({
      command: "status",
      outcome: "usage-error",
      exitCode: 2,
      error: { kind: "usage", message: "unknown option '--bogus'" },
    });
    const noCommand = await run(["--output=json", "frobnicate"]);
    expect(documentOf(noCommand.out)).toMatchObject({ command: null, outcome: "usage-error" });
    const bounds = await run(["-o", "json", "scale", "service", "--desired", "99999999999999999999"]);
    expect(documentOf(bounds.out)).toMatchObject({ command: "scale service", outcome: "usage-error" });
    const region = await run([...J, "--region", "us-west-2", "failover", "az"]);
    expect(documentOf(region.out)).toMatchObject({
      command: "failover az",
      outcome: "usage-error",
      error: { message: expect.stringContaining("--region us-west-2 is not a region of production") },
    });
    const manifest = await run(["-o", "json", "--manifest", join(tmpDir(), "none.json"), "status"]);
    expect(documentOf(manifest.out)).toMatchObject({ outcome: "usage-error", environment: null });
    const env = await run([...J, "status"], { env: { SKYLINE_CONNECT_TIMEOUT: "-1" } });
    expect(env.code).toBe(2);
    expect(documentOf(env.out)).toMatchObject({ command: "status", outcome: "usage-error" });
  });

  it("interrupted: at the prompt, and by a signal while the mutating call is in flight", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [writer] });
    const rt = fakeRuntime({ tty: true });
    rt.prompt = async () => {
      const { InterruptedError } = await import("../../cli/core/errors");
      throw new InterruptedError("Interrupted at the prompt (Ctrl-C): nothing was changed.");
    };
    expect(await runCli([...J, "failover", "az"], rt)).toBe(130);
    expect(documentOf(rt.out)).toMatchObject({ outcome: "interrupted", exitCode: 130, phase: "confirming" });

    rds.on(RebootDBInstanceCommand).callsFake(() => new Promise(() => undefined)); // never answers
    const signalled = fakeRuntime();
    void runCli([...J, "failover", "az", "--yes"], signalled);
    while (rds.commandCalls(RebootDBInstanceCommand).length === 0) await new Promise((r) => setTimeout(r, 5));
    await signalled.interrupt("SIGTERM");
    expect(documentOf(signalled.out)).toMatchObject({
      outcome: "interrupted",
      exitCode: 143,
      phase: "acting",
      sent: [{ operation: "RebootDBInstance", status: "awaiting answer" }],
      error: {
        kind: "interrupted",
        message: expect.stringContaining("Interrupted (SIGTERM) during the operation"),
      },
    });
  });

  it("text mode never prints a document", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(awsError("AccessDenied", "no", 403));
    const { out } = await run(["--manifest", PRODUCTION, "failover", "az"]);
    expect(out).toBe("");
    const staging = await run(["--manifest", STAGING, "status", "--bogus"]);
    expect(staging.out).toBe("");
  });
});

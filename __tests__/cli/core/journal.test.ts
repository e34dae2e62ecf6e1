import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { auditLogPath } from "../../../cli/core/audit";
import { Context } from "../../../cli/core/context";
import { cw, resetMocks } from "../aws-mocks";
import { awsError, fakeRuntime, PRODUCTION, tmpDir } from "../helpers";

const start = {
  command: "scale db",
  region: "eu-west-1",
  target: "skyline-production-euw1-db",
  check: "database skyline-production-euw1-db (eu-west-1)",
};

function context(env: Record<string, string> = {}) {
  const rt = fakeRuntime({ env });
  const ctx = new Context(
    { manifest: PRODUCTION, output: "text", yes: false, dryRun: false, color: false },
    rt,
    "scale db",
    ["scale", "db", "--class", "db.r7g.xlarge"],
  );
  ctx.manifest();
  return { rt, ctx };
}

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

const outcomeOf = (i: number) =>
  cw
    .commandCalls(PutMetricDataCommand)
    [i].args[0].input.MetricData?.[0].Dimensions?.find((d) => d.Name === "Outcome")?.Value;

beforeEach(() => resetMocks());

describe("journal", () => {
  it("defaults to ~/.skyline/audit.jsonl; SKYLINE_AUDIT_LOG overrides", () => {
    expect(auditLogPath({}, "/home/oncall")).toBe("/home/oncall/.skyline/audit.jsonl");
    expect(auditLogPath({ SKYLINE_AUDIT_LOG: "/var/log/s.jsonl" }, "/home/oncall")).toBe("/var/log/s.jsonl");
  });

  it("writes started before anything is sent, one line per mutating call, then the outcome with what was sent", async () => {
    const { rt, ctx } = context();
    ctx.journal.begin(start);
    ctx.journal.begin({ ...start, command: "ignored" }); // once per run
    const call = ctx.journal.sending("ModifyDBInstance", start.check);
    const afterSending = lines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(afterSending.map((l) => l.phase)).toEqual(["started", "sent"]);
    ctx.journal.settle(call, "accepted");
    rt.clock += 90_000;
    ctx.journal.finish("succeeded", { details: { to: "db.r7g.xlarge" } });
    ctx.journal.finish("failed"); // once per run
    await ctx.journal.flush(1000);
    const [started, sent, outcome] = lines(rt.env.SKYLINE_AUDIT_LOG as string);
    const same = {
      app: "skyline",
      environment: "production",
      command: "scale db",
      region: "eu-west-1",
      target: "skyline-production-euw1-db",
      check: "database skyline-production-euw1-db (eu-west-1)",
      pid: process.pid,
    };
    expect(started).toMatchObject({
      ...same,
      phase: "started",
      time: "2025-01-15T03:00:00.000Z",
      argv: ["scale", "db", "--class", "db.r7g.xlarge"],
    });
    expect(sent).toMatchObject({ ...same, phase: "sent", operation: "ModifyDBInstance", opId: started.opId });
    expect(outcome).toMatchObject({
      ...same,
      phase: "outcome",
      outcome: "succeeded",
      durationMs: 90_000,
      details: { to: "db.r7g.xlarge" },
      sent: [{ operation: "ModifyDBInstance", status: "accepted", at: "2025-01-15T03:00:00.000Z" }],
      opId: started.opId,
    });
    expect(lines(rt.env.SKYLINE_AUDIT_LOG as string)).toHaveLength(3);
    // The metric: started, then the outcome with its duration, in the region acted on.
    expect([outcomeOf(0), outcomeOf(1)]).toEqual(["started", "succeeded"]);
    const last = cw.commandCalls(PutMetricDataCommand)[1];
    expect(await (last.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe(
      "eu-west-1",
    );
    expect(last.args[0].input.MetricData?.[1]).toEqual({
      MetricName: "OperationDuration",
      Dimensions: [
        { Name: "Environment", Value: "production" },
        { Name: "Command", Value: "scale db" },
      ],
      Value: 90,
      Unit: "Seconds",
    });
  });

  it("never fails or blocks the operation: an unwritable file is one warning, a failing metric another", async () => {
    const blocker = join(tmpDir(), "file");
    writeFileSync(blocker, "");
    const { rt, ctx } = context({ SKYLINE_AUDIT_LOG: join(blocker, "sub", "audit.jsonl") });
    cw.on(PutMetricDataCommand).rejects(awsError("AccessDenied", "no", 403));
    expect(() => ctx.journal.begin(start)).not.toThrow();
    expect(() => ctx.journal.sending("ModifyDBInstance", start.check)).not.toThrow();
    expect(() => ctx.journal.finish("failed", { error: "boom" })).not.toThrow();
    await ctx.journal.flush(1000);
    expect(rt.err.match(/could not write the journal/g)).toHaveLength(1);
    expect(rt.err).toContain("the operation goes on unrecorded");
    expect(rt.err).toContain("could not record the Skyline/Operations metric: Access denied");
  });

  it("a metric that got a 5xx is not sent again and is one short warning", async () => {
    const { rt, ctx } = context();
    cw.on(PutMetricDataCommand).rejects(awsError("InternalFailure", "oops", 500));
    ctx.journal.begin(start);
    await ctx.journal.flush(1000);
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(1);
    expect(rt.err).toContain(
      "no answer from CloudWatch for the Skyline/Operations metric (started); it may or may not be recorded. The journal file has the record.",
    );
  });

  it("does not wait for a metric that never answers longer than the flush bound", async () => {
    const { ctx } = context();
    cw.on(PutMetricDataCommand).callsFake(() => new Promise(() => undefined));
    ctx.journal.begin(start);
    const t = Date.now();
    await ctx.journal.flush(200);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it("a mutating call sent through ctx.send is journaled even without a plan; reads are not", async () => {
    const { rt, ctx } = context();
    cw.on(PutMetricDataCommand).resolves({});
    const { DescribeDBInstancesCommand, RebootDBInstanceCommand } = await import("@aws-sdk/client-rds");
    const { rds } = await import("../aws-mocks");
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(RebootDBInstanceCommand).resolves({});
    await ctx.send(
      "database x (eu-west-1)",
      ctx.clients.rds("eu-west-1"),
      new DescribeDBInstancesCommand({}),
    );
    expect(ctx.journal.open).toBe(false);
    await ctx.send(
      "database x (eu-west-1)",
      ctx.clients.rds("eu-west-1"),
      new RebootDBInstanceCommand({ DBInstanceIdentifier: "x" }),
    );
    expect(ctx.journal.sent).toEqual([
      expect.objectContaining({ operation: "RebootDBInstance", status: "accepted" }),
    ]);
    expect(lines(rt.env.SKYLINE_AUDIT_LOG as string).map((l) => [l.phase, l.command, l.region])).toEqual([
      ["started", "scale db", "eu-west-1"],
      ["sent", "scale db", "eu-west-1"],
    ]);
    expect(ctx.phase).toBe("acting");
  });
});

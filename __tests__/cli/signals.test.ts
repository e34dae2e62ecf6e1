/**
 * Real signals to the real binary at each phase of a mutating command (issue 14, defect 2): the
 * journal says what was already sent, the exit code says which signal, and a run killed without
 * a chance to record (SIGKILL) shows in `skyline status` as an unfinished operation.
 * AWS is a fake endpoint on a local socket (support/fake-aws.ts) reached through --endpoint-url.
 */
import { join } from "node:path";
import { journalLines, STAGING, tmpDir } from "./helpers";
import { compiledCli, spawnCli, until } from "./support/compiled-cli";
import { dbInstanceXml, fakeAws, queryXml, type FakeAws } from "./support/fake-aws";

let bin: string;
let aws: FakeAws;
const DB = "skyline-staging-euw1-db";
const LABEL = `database ${DB} (eu-west-1)`;

const instance = (status: string, az: string) => dbInstanceXml(DB, status, az);

beforeAll(async () => {
  bin = compiledCli();
  aws = await fakeAws();
}, 120_000);

afterAll(() => aws.close());

beforeEach(() => {
  aws.reset();
  aws.on("PutMetricData", { json: {} });
});

function failoverAz() {
  const audit = join(tmpDir(), "audit.jsonl");
  const run = spawnCli(
    bin,
    ["--manifest", STAGING, "--endpoint-url", aws.endpoint, "-o", "json", "failover", "az", "--yes"],
    { SKYLINE_AUDIT_LOG: audit },
    tmpDir(),
  );
  return { run, audit };
}

const SIGNALS = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const;

describe.each(SIGNALS)("%s", (signal, exitCode) => {
  it("while planning (a read hangs): nothing sent, nothing journaled", async () => {
    aws.on("DescribeDBInstances", "hang");
    const { run, audit } = failoverAz();
    await until(() => aws.actions.includes("DescribeDBInstances"), "the plan's first read");
    run.child.kill(signal);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(exitCode);
    // -o json: the one document says so, even before a plan exists.
    expect(JSON.parse(stdout)).toMatchObject({
      command: "failover az",
      outcome: "interrupted",
      exitCode,
      phase: "planning",
      error: { kind: "interrupted" },
    });
    expect(JSON.parse(stdout)).not.toHaveProperty("sent");
    expect(stderr).toContain(
      `Interrupted (${signal}) while planning: nothing was sent to AWS, nothing changed.`,
    );
    expect(journalLines(audit)).toEqual([]);
    expect(aws.actions).not.toContain("RebootDBInstance");
  });

  it("after the mutating call went out (no answer yet): started, sent, interrupted with what was sent", async () => {
    aws.on("DescribeDBInstances", { xml: instance("available", "eu-west-1a") });
    aws.on("RebootDBInstance", "hang");
    const { run, audit } = failoverAz();
    await until(() => aws.actions.includes("RebootDBInstance"), "RebootDBInstance");
    run.child.kill(signal);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(exitCode);
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: "interrupted",
      exitCode,
      phase: "acting",
      plan: { target: DB },
      sent: [{ operation: "RebootDBInstance", status: "awaiting answer" }],
    });
    expect(stderr).toContain(
      `Interrupted (${signal}) during the operation: already sent RebootDBInstance to ${LABEL} (awaiting answer). ` +
        `The operation keeps running in AWS. Recorded as interrupted in ${audit}. Check \`skyline status\` before acting again.`,
    );
    const lines = journalLines(audit);
    expect(lines.map((l) => l.phase)).toEqual(["started", "sent", "outcome"]);
    expect(lines[0]).toMatchObject({ command: "failover az", target: DB, check: LABEL });
    expect(lines[1]).toMatchObject({ operation: "RebootDBInstance", resource: LABEL });
    expect(lines[2]).toMatchObject({
      outcome: "interrupted",
      signal,
      during: "acting",
      sent: [{ operation: "RebootDBInstance", resource: LABEL, status: "awaiting answer" }],
    });
  });

  it("during the wait: interrupted while waiting, the call recorded as accepted", async () => {
    aws.on("DescribeDBInstances", (n) => ({
      xml: instance(n === 1 ? "available" : "rebooting", "eu-west-1a"),
    }));
    aws.on("RebootDBInstance", {
      xml: queryXml(
        "RebootDBInstance",
        `<DBInstance><DBInstanceIdentifier>${DB}</DBInstanceIdentifier></DBInstance>`,
      ),
    });
    const { run, audit } = failoverAz();
    await until(() => run.stderr().includes("change observed"), "the wait to see the reboot");
    run.child.kill(signal);
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(exitCode);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: "interrupted", exitCode, phase: "waiting" });
    expect(stderr).toContain(
      `Interrupted (${signal}) while waiting for ${LABEL}: already sent RebootDBInstance to ${LABEL} (accepted).`,
    );
    const lines = journalLines(audit);
    expect(lines.map((l) => l.phase)).toEqual(["started", "sent", "outcome"]);
    expect(lines[2]).toMatchObject({
      outcome: "interrupted",
      signal,
      during: "waiting",
      sent: [{ operation: "RebootDBInstance", status: "accepted" }],
    });
  });
});

describe("SIGKILL", () => {
  it("leaves started with no outcome; skyline status then shows the unfinished operation and what to check", async () => {
    aws.on("DescribeDBInstances", (n) => ({
      xml: instance(n === 1 ? "available" : "rebooting", "eu-west-1a"),
    }));
    aws.on("RebootDBInstance", { xml: queryXml("RebootDBInstance", "<DBInstance></DBInstance>") });
    const { run, audit } = failoverAz();
    await until(() => run.stderr().includes("change observed"), "the wait to see the reboot");
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    const lines = journalLines(audit);
    expect(lines.map((l) => l.phase)).toEqual(["started", "sent"]);

    // The rest of the region, healthy, so status itself succeeds.
    aws.on("DescribeDBInstances", { xml: instance("available", "eu-west-1b") });
    aws.on("DescribeReplicationGroups", {
      xml: queryXml(
        "DescribeReplicationGroups",
        "<ReplicationGroups><ReplicationGroup><Status>available</Status></ReplicationGroup></ReplicationGroups>",
      ),
    });
    aws.on("DescribeServices", {
      json: {
        services: [
          { status: "ACTIVE", runningCount: 1, desiredCount: 1, pendingCount: 0, deployments: [{}] },
        ],
      },
    });
    aws.on("DescribeTargetGroups", {
      xml: queryXml(
        "DescribeTargetGroups",
        "<TargetGroups><member><TargetGroupName>tg</TargetGroupName><TargetGroupArn>arn:tg</TargetGroupArn></member></TargetGroups>",
      ),
    });
    aws.on("DescribeTargetHealth", {
      xml: queryXml(
        "DescribeTargetHealth",
        "<TargetHealthDescriptions><member><TargetHealth><State>healthy</State></TargetHealth></member></TargetHealthDescriptions>",
      ),
    });
    aws.on("DescribeAlarms", { json: { MetricAlarms: [], CompositeAlarms: [] } });
    // status reads the service's newest deployment too (none recorded here).
    aws.on("ListServiceDeployments", { json: { serviceDeployments: [] } });
    const status = spawnCli(
      bin,
      ["--manifest", STAGING, "--endpoint-url", aws.endpoint, "status"],
      { SKYLINE_AUDIT_LOG: audit },
      tmpDir(),
    );
    const { code, stdout } = await status.done;
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe(
      `unfinished operation: failover az at ${lines[0].time}, check database skyline-staging-euw1-db (eu-west-1) ` +
        `(sent RebootDBInstance; no outcome recorded; by ${lines[0].operator} on ${lines[0].host} pid ${lines[0].pid})`,
    );
    expect(stdout).toContain("  alb       skyline-staging-euw1-alb tg 1/1 healthy");
  });
});

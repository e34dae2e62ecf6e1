import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { auditLogPath, recordAudit } from "../../../cli/core/audit";
import { Context } from "../../../cli/core/context";
import { cw, resetMocks } from "../aws-mocks";
import { awsError, fakeRuntime, PRODUCTION, tmpDir } from "../helpers";

const event = {
  command: "scale db",
  region: "eu-west-1",
  target: "db",
  outcome: "succeeded" as const,
  durationMs: 90_000,
};

function context(env: Record<string, string> = {}) {
  const rt = fakeRuntime({ env });
  return {
    rt,
    ctx: new Context({ manifest: PRODUCTION, output: "text", yes: false, dryRun: false, color: false }, rt),
  };
}

beforeEach(() => resetMocks());

describe("audit", () => {
  it("defaults to ~/.skyline/audit.jsonl; SKYLINE_AUDIT_LOG overrides", () => {
    expect(auditLogPath({}, "/home/oncall")).toBe("/home/oncall/.skyline/audit.jsonl");
    expect(auditLogPath({ SKYLINE_AUDIT_LOG: "/var/log/s.jsonl" }, "/home/oncall")).toBe("/var/log/s.jsonl");
  });

  it("appends one JSON line and puts metrics in Skyline/Operations in the acted-on region", async () => {
    const { rt, ctx } = context();
    await recordAudit(ctx, event);
    await recordAudit(ctx, { ...event, outcome: "failed", error: "boom" });
    const lines = readFileSync(rt.env.SKYLINE_AUDIT_LOG as string, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      time: "2025-01-15T03:00:00.000Z",
      app: "skyline",
      environment: "production",
      ...event,
    });
    expect(lines[1]).toMatchObject({ outcome: "failed", error: "boom" });
    const call = cw.commandCalls(PutMetricDataCommand)[0];
    expect(await (call.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe(
      "eu-west-1",
    );
    expect(call.args[0].input).toEqual({
      Namespace: "Skyline/Operations",
      MetricData: [
        {
          MetricName: "Operations",
          Dimensions: [
            { Name: "Environment", Value: "production" },
            { Name: "Command", Value: "scale db" },
            { Name: "Outcome", Value: "succeeded" },
          ],
          Value: 1,
          Unit: "Count",
        },
        {
          MetricName: "OperationDuration",
          Dimensions: [
            { Name: "Environment", Value: "production" },
            { Name: "Command", Value: "scale db" },
          ],
          Value: 90,
          Unit: "Seconds",
        },
      ],
    });
  });

  it("warns, never fails, when the log or the metric cannot be written", async () => {
    const blocker = join(tmpDir(), "file");
    writeFileSync(blocker, "");
    const { rt, ctx } = context({ SKYLINE_AUDIT_LOG: join(blocker, "sub", "audit.jsonl") });
    cw.on(PutMetricDataCommand).rejects(awsError("AccessDenied", "no", 403));
    await expect(recordAudit(ctx, event)).resolves.toBeUndefined();
    expect(rt.err).toContain("could not write the audit log");
    expect(rt.err).toContain("could not record the Skyline/Operations metric: Access denied");
  });
});

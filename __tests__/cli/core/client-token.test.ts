/**
 * Client tokens where the API has them: a `token` operation carrying ctx.clientToken() is retried
 * after a 5xx with the same token (AWS runs it once); without a token it is sent once.
 */
import { BackupClient, StartCopyJobCommand } from "@aws-sdk/client-backup";
import { mockClient } from "aws-sdk-client-mock";
import { Context } from "../../../cli/core/context";
import { FailedError } from "../../../cli/core/errors";
import { resetMocks } from "../aws-mocks";
import { awsError, fakeRuntime, PRODUCTION, journalLines } from "../helpers";

const backup = mockClient(BackupClient);

function context() {
  const rt = fakeRuntime();
  const ctx = new Context(
    { manifest: PRODUCTION, output: "text", yes: true, dryRun: false, color: false },
    rt,
    "failover region",
  );
  ctx.manifest();
  return { rt, ctx };
}

const copy = (token?: string) =>
  new StartCopyJobCommand({
    SourceBackupVaultName: "skyline-production-use1-vault",
    DestinationBackupVaultArn:
      "arn:aws:backup:eu-west-1:123456789012:backup-vault:skyline-production-euw1-vault",
    RecoveryPointArn: "arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-1",
    IamRoleArn: "arn:aws:iam::123456789012:role/backup",
    ...(token ? { IdempotencyToken: token } : {}),
  });

beforeEach(() => {
  resetMocks();
  backup.reset();
});

describe("client tokens", () => {
  it("StartCopyJob with its IdempotencyToken: retried after a 5xx with the same token, and journaled with it", async () => {
    const { rt, ctx } = context();
    backup
      .on(StartCopyJobCommand)
      .rejectsOnce(awsError("ServiceUnavailableException", "busy", 503))
      .resolves({ CopyJobId: "copy-1" });
    const token = ctx.clientToken("copy-eu-west-1", { region: "eu-west-1", target: "recovery point job-1" });
    expect(token).toMatch(/^skyline-[a-z0-9]+-[0-9a-f]{8}-copy-eu-west-1$/);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(ctx.clientToken("copy-eu-west-1")).toBe(token); // stable within the run
    const out = await ctx.send("recovery point job-1", ctx.clients.backup("eu-west-1"), copy(token));
    expect(out.CopyJobId).toBe("copy-1");
    const calls = backup.commandCalls(StartCopyJobCommand);
    expect(calls.map((c) => c.args[0].input.IdempotencyToken)).toEqual([token, token]);
    const lines = journalLines(rt.env.SKYLINE_AUDIT_LOG as string);
    expect(lines.map((l) => l.phase)).toEqual(["started", "sent"]);
    expect(lines[1]).toMatchObject({ operation: "StartCopyJob", clientToken: token });
    expect(ctx.journal.sent).toEqual([expect.objectContaining({ clientToken: token, status: "accepted" })]);
  });

  it("StartCopyJob without a token is not idempotent: sent once, never again", async () => {
    const { ctx } = context();
    backup.on(StartCopyJobCommand).rejects(awsError("ServiceUnavailableException", "busy", 503));
    const error = await ctx
      .send("recovery point job-1", ctx.clients.backup("eu-west-1"), copy())
      .catch((e) => e);
    expect(error).toBeInstanceOf(FailedError);
    expect(error.kind).toBe("outcome-unknown");
    expect(backup.commandCalls(StartCopyJobCommand)).toHaveLength(1);
  });
});

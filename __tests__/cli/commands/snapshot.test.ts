import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DBSnapshot,
} from "@aws-sdk/client-rds";
import { selectForDeletion } from "../../../cli/commands/snapshot-prune";
import { snapshotName } from "../../../cli/core/snapshots";
import { awsError, PRODUCTION, run, T0 } from "../helpers";
import { mutatingCommands, rds, resetMocks } from "../aws-mocks";

const WRITER = "skyline-production-use1-db";
const NAME = `${WRITER}-20250115-030000`;
const ARN = `arn:aws:rds:us-east-1:123456789012:snapshot:${NAME}`;
const DAY = 86_400_000;
const tag = [{ Key: "skyline:created-by", Value: "skyline-cli" }];
const snap = (id: string, ageDays: number, extra: Partial<DBSnapshot> = {}): DBSnapshot => ({
  DBSnapshotIdentifier: id,
  SnapshotCreateTime: new Date(T0 - ageDays * DAY),
  Status: "available",
  SnapshotType: "manual",
  TagList: tag,
  ...extra,
});

beforeEach(() => {
  resetMocks();
  rds
    .on(DescribeDBInstancesCommand)
    .resolves({ DBInstances: [{ DBInstanceIdentifier: WRITER, DBInstanceStatus: "available" }] });
});

describe("snapshot names", () => {
  it("are deterministic and sort by time", () => {
    expect(snapshotName(WRITER, T0)).toBe(NAME);
    const later = snapshotName(WRITER, T0 + 3_600_000 * 10 + 5000);
    expect(later).toBe(`${WRITER}-20250115-130005`);
    expect([later, NAME].sort()).toEqual([NAME, later]);
  });
});

describe("snapshot create", () => {
  it("creates a tagged manual snapshot of the primary writer", async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "create",
      "--yes",
      "--reason",
      "pre-migration",
    ]);
    expect(code).toBe(0);
    expect(out).toContain(`Plan: Create manual snapshot ${NAME} of ${WRITER}`);
    const input = rds.commandCalls(CreateDBSnapshotCommand)[0].args[0].input;
    expect(input.DBSnapshotIdentifier).toBe(NAME);
    expect(input.DBInstanceIdentifier).toBe(WRITER);
    expect(input.Tags).toEqual(
      expect.arrayContaining([
        { Key: "skyline:created-by", Value: "skyline-cli" },
        { Key: "skyline:environment", Value: "production" },
        { Key: "skyline:reason", Value: "pre-migration" },
      ]),
    );
    expect(rds.commandCalls(DescribeDBSnapshotsCommand)).toHaveLength(0);
  });

  it("--copy-to waits for the snapshot, then copies it by ARN with the destination's KMS key", async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(awsError("DBSnapshotNotFoundFault"))
      .resolvesOnce({
        DBSnapshots: [{ DBSnapshotIdentifier: NAME, Status: "creating", PercentProgress: 40 }],
      })
      .resolves({
        DBSnapshots: [
          { DBSnapshotIdentifier: NAME, Status: "available", DBSnapshotArn: ARN, AllocatedStorage: 100 },
        ],
      });
    rds.on(CopyDBSnapshotCommand).resolves({});
    const { code, out, err } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "create",
      "--copy-to",
      "eu-west-1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(err).toContain("not visible yet");
    expect(err).toContain("creating 40%");
    const copy = rds.commandCalls(CopyDBSnapshotCommand)[0];
    expect(copy.args[0].input).toEqual({
      SourceDBSnapshotIdentifier: ARN,
      TargetDBSnapshotIdentifier: NAME,
      KmsKeyId: "alias/skyline-production-euw1-db",
      CopyTags: true,
    });
    expect(await (copy.thisValue as { config: { region: () => Promise<string> } }).config.region()).toBe(
      "eu-west-1",
    );
    expect(out).toContain("Copy to eu-west-1 started (KMS key alias/skyline-production-euw1-db).");
  });

  it("refuses when the instance is not available, and --dry-run makes no mutating call", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "storage-full" }] });
    const refused = await run(["--manifest", PRODUCTION, "snapshot", "create", "--yes"]);
    expect(refused.code).toBe(3);
    expect(refused.out).toContain("FAIL instance available: status storage-full");
    resetMocks();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceStatus: "available" }] });
    const dry = await run(["--manifest", PRODUCTION, "snapshot", "create", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(mutatingCommands()).toEqual([]);
  });

  it("rejects --copy-to of its own region or a role the region lacks (exit 2)", async () => {
    const own = await run(["--manifest", PRODUCTION, "snapshot", "create", "--copy-to", "us-east-1"]);
    expect(own.code).toBe(2);
    expect(own.err).toContain("--copy-to us-east-1 is the snapshot's own region");
    const role = await run(["--manifest", PRODUCTION, "snapshot", "create", "--role", "reader"]);
    expect(role.code).toBe(2);
    expect(role.err).toContain("No reader database instance in us-east-1 (it has: writer)");
  });

  it("maps an AWS error to one sentence and exit 1", async () => {
    rds.on(CreateDBSnapshotCommand).rejects(awsError("SnapshotQuotaExceededFault"));
    const { code, err } = await run(["--manifest", PRODUCTION, "snapshot", "create", "--yes"]);
    expect(code).toBe(1);
    expect(err).toContain(
      `error: The manual snapshot quota is reached while creating database ${WRITER} (us-east-1)`,
    );
  });
});

describe("snapshot list", () => {
  it("lists manual and automated snapshots newest first with age, size, encryption and copy state", async () => {
    rds.on(DescribeDBSnapshotsCommand).callsFake((input) => {
      if (input.Marker)
        return { DBSnapshots: [snap("older", 9, { SnapshotType: "automated", Encrypted: true })] };
      return {
        DBSnapshots: [
          snap("newer", 1, { Encrypted: true, AllocatedStorage: 100 }),
          snap("copying", 0, {
            Status: "copying",
            PercentProgress: 30,
            SourceRegion: "us-east-1",
            Encrypted: false,
          }),
        ],
        Marker: "next",
      };
    });
    const { code, out } = await run(["--manifest", PRODUCTION, "--region", "eu-west-1", "snapshot", "list"]);
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^REGION\s+SNAPSHOT\s+TYPE\s+AGE\s+SIZE\s+ENCRYPTED\s+STATUS\s+COPIED FROM$/);
    expect(lines[1]).toMatch(/^eu-west-1\s+copying\s+manual\s+0d\s+-\s+NO\s+copying 30%\s+us-east-1$/);
    expect(lines[2]).toMatch(/^eu-west-1\s+newer\s+manual\s+1d\s+100 GiB\s+yes\s+available/);
    expect(lines[3]).toMatch(/^eu-west-1\s+older\s+automated\s+9d/);
    const filters = rds.commandCalls(DescribeDBSnapshotsCommand)[0].args[0].input.Filters;
    expect(filters).toEqual([
      {
        Name: "db-instance-id",
        Values: [WRITER, "skyline-production-euw1-db", "skyline-production-aps1-db"],
      },
    ]);
  });

  it("in JSON lists every region with a database", async () => {
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [snap("s1", 2)] });
    const { out } = await run(["--manifest", PRODUCTION, "--output", "json", "snapshot", "list"]);
    const doc = JSON.parse(out);
    expect(doc.snapshots.map((s: { region: string }) => s.region)).toEqual([
      "us-east-1",
      "eu-west-1",
      "ap-south-1",
    ]);
    expect(doc.snapshots[0]).toMatchObject({
      id: "s1",
      type: "manual",
      ageDays: 2,
      createdBySkyline: true,
      encrypted: false,
    });
  });
});

describe("snapshot copy", () => {
  it("copies an available snapshot to a region that does not have it", async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({
        DBSnapshots: [{ DBSnapshotIdentifier: NAME, Status: "available", DBSnapshotArn: ARN }],
      })
      .rejectsOnce(awsError("DBSnapshotNotFoundFault"));
    rds.on(CopyDBSnapshotCommand).resolves({});
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "copy",
      NAME,
      "--to",
      "ap-south-1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(out).toContain(`Copy of ${NAME} to ap-south-1 started.`);
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0].args[0].input.KmsKeyId).toBe(
      "alias/skyline-production-aps1-db",
    );
  });

  it("is a no-op (exit 0, nothing sent) when the copy is already there; refuses over a failed one", async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: NAME, Status: "available", DBSnapshotArn: ARN }] });
    const args = ["--manifest", PRODUCTION, "snapshot", "copy", NAME, "--to", "ap-south-1", "--yes"];
    const { code, out } = await run(args);
    expect(code).toBe(0);
    expect(out).toContain(
      `Nothing to do: snapshot ${NAME} (ap-south-1) already exists (available). No change made.`,
    );
    expect(mutatingCommands()).toEqual([]);
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({
        DBSnapshots: [{ DBSnapshotIdentifier: NAME, Status: "available", DBSnapshotArn: ARN }],
      })
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: NAME, Status: "failed" }] });
    const failed = await run(args);
    expect(failed.code).toBe(3);
    expect(failed.out).toContain("FAIL no failed snapshot of that name in ap-south-1: exists (failed)");
    expect(mutatingCommands()).toEqual([]);
  });

  it("a source that does not exist is a failed pre-check: exit 3 with the plan, and how to find snapshots", async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(awsError("DBSnapshotNotFoundFault"));
    const { code, out, err } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "copy",
      "nope",
      "--to",
      "eu-west-1",
    ]);
    expect(code).toBe(3);
    expect(out).toContain(
      "Plan: snapshot copy: stopped while planning, snapshot nope (us-east-1) was not found",
    );
    expect(out).toContain(
      "    FAIL snapshot nope (us-east-1) exists: snapshot nope (us-east-1) was not found",
    );
    expect(err).toContain("skyline snapshot list --region us-east-1");
  });
});

describe("snapshot prune", () => {
  it("never selects the newest, keeps --keep-last and anything younger than --keep-days", () => {
    const list = [
      snap("a", 40),
      snap("b", 35),
      snap("c", 31),
      snap("d", 5),
      snap("e", 50, { Status: "copying" }),
    ];
    expect(selectForDeletion(list, T0, 30, 1).map((s) => s.DBSnapshotIdentifier)).toEqual(["b", "c"]);
    expect(selectForDeletion(list, T0, 30, 2).map((s) => s.DBSnapshotIdentifier)).toEqual(["c"]);
    expect(selectForDeletion(list, T0, 0, 0).map((s) => s.DBSnapshotIdentifier)).toEqual(["b", "c", "d"]);
    expect(selectForDeletion([snap("only", 400)], T0, 0, 1)).toEqual([]);
  });

  const listing = () =>
    rds.on(DescribeDBSnapshotsCommand, { SnapshotType: "manual" }).resolves({
      DBSnapshots: [snap("new", 1), snap("old-ours", 60), snap("old-theirs", 90, { TagList: [] })],
    });

  it("is a dry run by default and only considers snapshots skyline created", async () => {
    listing();
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "prune",
      "--keep-days",
      "30",
      "--keep-last",
      "1",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(out).toContain("Delete 1 of 2 skyline-created manual snapshots in us-east-1");
    expect(out).toContain("DeleteDBSnapshot old-ours");
    expect(out).not.toContain("old-theirs");
    expect(out).toContain("pass --execute to delete");
    expect(mutatingCommands()).toEqual([]);
  });

  it("--execute deletes and waits until each is gone", async () => {
    listing();
    rds.on(DeleteDBSnapshotCommand).resolves({});
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: "old-ours" })
      .resolvesOnce({ DBSnapshots: [snap("old-ours", 60, { Status: "deleting" })] })
      .rejects(awsError("DBSnapshotNotFoundFault"));
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "prune",
      "--keep-days",
      "30",
      "--keep-last",
      "1",
      "--execute",
      "--yes",
    ]);
    expect(code).toBe(0);
    expect(
      rds.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier),
    ).toEqual(["old-ours"]);
    expect(out).toContain("Deleted 1 snapshots: old-ours.");
  });

  it("with nothing to delete is a no-op: the plan, 'Nothing to do', exit 0, no prompt", async () => {
    listing();
    const { code, out } = await run([
      "--manifest",
      PRODUCTION,
      "snapshot",
      "prune",
      "--keep-days",
      "365",
      "--keep-last",
      "1",
    ]);
    expect(code).toBe(0);
    expect(out).toContain(
      "Nothing to do: all 2 skyline snapshots in us-east-1 are within --keep-last 1 / --keep-days 365. No change made.",
    );
    expect(mutatingCommands()).toEqual([]);
  });
});

/**
 * `skyline … | head`: the reader of stdout goes away before the command is done. The real binary
 * must neither crash with an unhandled EPIPE nor stop half way: the command runs to its end, records
 * what it did and exits with its own code.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STAGING, tmpDir } from "./helpers";
import { compiledCli, spawnCli, until } from "./support/compiled-cli";
import { dbInstanceXml, fakeAws, type FakeAws } from "./support/fake-aws";

let bin: string;
let aws: FakeAws;
const DB = "skyline-staging-euw1-db";

beforeAll(async () => {
  bin = compiledCli();
  aws = await fakeAws();
}, 120_000);

afterAll(() => aws.close());

beforeEach(() => {
  aws.reset();
  aws.on("PutMetricData", { json: {} });
});

it("a command whose reader left exits with its own code and no EPIPE crash", async () => {
  const run = spawnCli(bin, ["--help"], {}, tmpDir());
  run.child.stdout?.destroy(); // the reader is gone before the first line
  const { code, stderr } = await run.done;
  expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  expect(code).toBe(0);
});

it("a mutating command carries on after its reader left: the call is sent and journaled", async () => {
  const audit = join(tmpDir(), "audit.jsonl");
  aws.on("DescribeDBInstances", { xml: dbInstanceXml(DB, "available", "eu-west-1a") });
  aws.on("RebootDBInstance", "hang");
  const run = spawnCli(
    bin,
    ["--manifest", STAGING, "--endpoint-url", aws.endpoint, "failover", "az", "--yes"],
    { SKYLINE_AUDIT_LOG: audit },
    tmpDir(),
  );
  run.child.stdout?.destroy();
  await until(
    () => aws.actions.includes("RebootDBInstance") || run.child.exitCode !== null,
    "RebootDBInstance",
  );
  expect(run.stderr()).not.toMatch(/EPIPE|Unhandled 'error' event/);
  expect(aws.actions).toContain("RebootDBInstance");
  run.child.kill("SIGTERM");
  const { code } = await run.done;
  expect(code).toBe(143);
  expect(existsSync(audit)).toBe(true);
  const phases = readFileSync(audit, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).phase);
  expect(phases).toEqual(["started", "sent", "outcome"]);
});

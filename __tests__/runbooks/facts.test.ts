import { code, joinBlocks, shellBlock, table } from "../../runbooks/markdown";
import { alarmCategory, formatSeconds, RunbookFacts } from "../../runbooks/runbook-facts";
import { nextNodeType } from "../../runbooks/procedures/scale-out";
import { loadFixture, unknownRegions, unknownResourceNames, variant } from "./helpers";

describe("alarmCategory", () => {
  it.each([
    ["skyline-production-use1-db-cpu", "database"],
    ["skyline-production-use1-rds-db-replica-lag", "database"],
    ["skyline-production-use1-redis-cache-memory", "cache"],
    ["skyline-production-use1-api-5xx", "api"],
    ["skyline-production-use1-alb-p95-latency", "api"],
    ["skyline-production-use1-alb-no-healthy-hosts", "api"],
    ["skyline-production-use1-ecs-cpu", "capacity"],
    ["skyline-production-use1-weekly-report", "other"],
  ])("%s is a %s alarm", (name, category) => {
    expect(alarmCategory(name, "skyline-production-use1")).toBe(category);
  });

  it("ignores the name prefix, so an app called db does not make every alarm a database alarm", () => {
    expect(alarmCategory("db-prod-use1-api-5xx", "db-prod-use1")).toBe("api");
  });
});

describe("RunbookFacts", () => {
  it("orders regions primary first and finds DR targets by their cross-region replica", () => {
    const facts = new RunbookFacts(loadFixture("production"));
    expect(facts.regions).toEqual(["us-east-1", "eu-west-1", "ap-south-1"]);
    expect(facts.drTargets.map((d) => [d.region, d.replica.id])).toEqual([
      ["eu-west-1", "skyline-production-euw1-db"],
      ["ap-south-1", "skyline-production-aps1-db"],
    ]);
  });

  it("a secondary without a replica is no DR target", () => {
    const manifest = variant("production", (m) => {
      delete m.regions["eu-west-1"].database;
    });
    expect(new RunbookFacts(manifest).drTarget?.region).toBe("ap-south-1");
  });

  it("puts the region-unhealthy composite first only when asked", () => {
    const facts = new RunbookFacts(loadFixture("staging"));
    expect(facts.alarms("eu-west-1", ["database"]).map((a) => a.name)).toEqual([
      "skyline-staging-euw1-db-cpu",
    ]);
    expect(facts.alarms("eu-west-1", ["database"], true).map((a) => a.name)).toEqual([
      "skyline-staging-euw1-region-unhealthy",
      "skyline-staging-euw1-db-cpu",
    ]);
  });

  it("spells skyline lines with --env and an optional --region", () => {
    const facts = new RunbookFacts(loadFixture("staging"));
    expect(facts.skyline("status")).toBe("skyline --env staging status");
    expect(facts.skyline("status", "eu-west-1")).toBe("skyline --env staging --region eu-west-1 status");
  });

  it("continues long aws lines with backslashes and keeps short ones on one line", () => {
    const facts = new RunbookFacts(loadFixture("staging"));
    expect(
      facts.aws("rds wait db-instance-available", [["--db-instance-identifier", "x"]], "eu-west-1"),
    ).toEqual(["aws rds wait db-instance-available --db-instance-identifier x --region eu-west-1"]);
    const long = facts.aws("rds modify-db-instance", [
      ["--db-instance-identifier", "x".repeat(80)],
      ["--apply-immediately"],
    ]);
    expect(long).toEqual([
      "aws rds modify-db-instance \\",
      `  --db-instance-identifier ${"x".repeat(80)} \\`,
      "  --apply-immediately",
    ]);
    expect(facts.awsInline("rds modify-db-instance", [["--apply-immediately"]], "eu-west-1")).toBe(
      "aws rds modify-db-instance --apply-immediately --region eu-west-1",
    );
  });
});

describe("small formatters", () => {
  it("formatSeconds shows minutes beside seconds from one minute on", () => {
    expect(formatSeconds(45)).toBe("45 s");
    expect(formatSeconds(300)).toBe("300 s (5 min)");
    expect(formatSeconds(90)).toBe("90 s (1.5 min)");
  });

  it.each([
    ["cache.r7g.large", "cache.r7g.xlarge"],
    ["cache.t4g.small", "cache.t4g.medium"],
    ["cache.t4g.medium", undefined],
    ["cache.r7g.16xlarge", undefined],
    ["cache.weird", undefined],
  ])("nextNodeType(%s) is %s", (from, to) => {
    expect(nextNodeType(from)).toBe(to);
  });

  it("code() refuses a backtick, which would break the Markdown", () => {
    expect(() => code("a`b")).toThrow('code(): "a`b" contains a backtick; reword it.');
  });

  it("table, shellBlock and joinBlocks produce plain Markdown", () => {
    expect(table(["A", "B"], [["1", "2"]])).toEqual(["| A | B |", "| --- | --- |", "| 1 | 2 |"]);
    expect(shellBlock([])).toEqual([]);
    expect(joinBlocks([["# T"], [], ["x"]])).toBe("# T\n\nx\n");
  });
});

describe("the name checkers the runbook tests rely on", () => {
  const manifest = loadFixture("production");

  it("flag an invented resource name and accept manifest names inside ARNs and aliases", () => {
    const text =
      "`skyline-production-use1-db-restore` arn:aws:rds:us-east-1:1:db:skyline-production-euw1-db " +
      "alias/skyline-production-aps1-db skyline-staging-euw1-db";
    expect(unknownResourceNames(text, manifest)).toEqual([
      "skyline-production-use1-db-restore",
      "skyline-staging-euw1-db",
    ]);
  });

  it("flag a region that is not in the manifest", () => {
    expect(unknownRegions("us-east-1 us-west-2 eu-west-1", manifest)).toEqual(["us-west-2"]);
  });
});

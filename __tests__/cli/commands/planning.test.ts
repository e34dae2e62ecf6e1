/**
 * `skyline capacity` and `skyline cost` on environments synthesized here: text and JSON, the exit
 * codes (0, 1 for an incomplete estimate, 2 for bad input, 3 for a config that cannot carry its
 * target) and no AWS call at all.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { PRICE_TABLE_PATH } from "../../../planning/cost/price-table";
import { DEFAULT_PROFILE_PATH } from "../../../planning/profile";
import { synthesizeInto, withQueue } from "../../planning/synth";
import { resetMocks, sentCommands } from "../aws-mocks";
import { run, tmpDir } from "../helpers";

const synth = synthesizeInto([
  withQueue("staging", "ecs", "staging"),
  withQueue("production", "ecs", "production"),
]);
// The CLI runs from a directory holding cdktf.out, as it would from a checkout after `npm run synth`.
const cwd = join(synth.outdir, "..");

const ajv = new Ajv2020({ strict: true, allErrors: true, strictRequired: false, strictTypes: false });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const validate = ajv.compile(
  JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "schemas", "cli-output.schema.json"), "utf8")),
);
function documentOf(stdout: string): Record<string, any> {
  const doc: Record<string, any> = JSON.parse(stdout);
  if (!validate(doc)) throw new Error(`not valid against the schema: ${ajv.errorsText(validate.errors)}`);
  return doc;
}

beforeEach(() => resetMocks());
afterEach(() => expect(sentCommands()).toEqual([]));

describe("skyline capacity", () => {
  it("staging carries its targets: a table per region, the profile used, exit 0", async () => {
    const r = await run(["--env", "staging", "capacity"], { cwd });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "skyline staging: capacity for 1,000 users, 5,000 requests/s, 500 submissions/min",
    );
    expect(r.out).toContain("targets from: stacks/config/environments/staging.ts targets (via the manifest)");
    expect(r.out).toContain(`profile: ${DEFAULT_PROFILE_PATH}: measured `);
    expect(r.out).toContain("; the committed default");
    expect(r.out).toMatch(
      /^ {2}api tasks +\d+ +\d+ +4 +tasks +.* ok +service\.maxTasks: 4 tasks of 0\.5 vCPU$/m,
    );
    expect(r.out.trimEnd().split("\n").at(-1)).toBe(
      "verdict: staging carries the peak (target + 30 %) in every region",
    );
  });

  it("-o json: one document with the report, valid against the CLI's schema", async () => {
    const r = await run(["--env", "staging", "capacity", "-o", "json"], { cwd });
    const doc = documentOf(r.out);
    expect(doc).toMatchObject({
      command: "capacity",
      environment: "staging",
      outcome: "succeeded",
      exitCode: 0,
    });
    expect(doc.capacity.verdict).toEqual({
      ok: true,
      fields: [],
      summary: "carries the peak (target + 30 %) in every region",
    });
    expect(doc.capacity.profile).toMatchObject({
      path: DEFAULT_PROFILE_PATH,
      chosenBy: "the committed default",
    });
    expect(doc.capacity.regions[0].tiers.map((t: any) => t.tier)).toContain("queue workers");
  });

  it("a target the config cannot carry: exit 3 naming the config field, text and JSON", async () => {
    const r = await run(["--env", "staging", "capacity", "--rps", "50000"], { cwd });
    expect(r.code).toBe(3);
    expect(r.out).toContain("  ✗ api tasks: raise service.maxTasks to at least ");
    expect(r.err).toMatch(
      /^error: staging cannot carry the peak \(target \+ 30 %\): change service\.maxTasks.* in stacks\/config\/environments\/staging\.ts \(us-east-1 api tasks: needs \d+ tasks, allows 4/,
    );
    const json = await run(["--env", "staging", "capacity", "--rps", "50000", "-o", "json"], { cwd });
    expect(json.code).toBe(3);
    const doc = documentOf(json.out);
    expect(doc).toMatchObject({ outcome: "refused", exitCode: 3, error: { kind: "refused" } });
    expect(doc.capacity.verdict.fields).toContain("service.maxTasks");
    expect(doc.capacity.targetsFrom.requestsPerSecond).toBe("--rps");
  });

  it("the shipped production config cannot carry the product's goals: exit 3 naming service.maxTasks", async () => {
    const r = await run(["--env", "production", "capacity", "-o", "json"], { cwd });
    expect(r.code).toBe(3);
    const doc = documentOf(r.out);
    expect(doc.capacity.targets).toEqual({
      concurrentUsers: 100_000,
      requestsPerSecond: 500_000,
      submissionsPerMinute: 50_000,
      headroomPercent: 30,
    });
    expect(doc.capacity.verdict.fields).toContain("service.maxTasks");
    expect(doc.capacity.quotas.some((q: any) => q.code === "L-3032A538" && q.aboveDefault)).toBe(true);
  });

  it("--bench-profile: the figures of that file, and the report says so", async () => {
    const dir = tmpDir("skyline-bench-");
    const profile = JSON.parse(readFileSync(DEFAULT_PROFILE_PATH, "utf8"));
    profile.figures.cachedReadsPerSecondPerVcpu.value = 1;
    writeFileSync(join(dir, "slow.json"), JSON.stringify(profile));
    const r = await run(
      ["--env", "staging", "capacity", "--bench-profile", join(dir, "slow.json"), "-o", "json"],
      { cwd },
    );
    const doc = documentOf(r.out);
    expect(doc.capacity.profile.chosenBy).toBe("--bench-profile");
    expect(r.code).toBe(3); // one read per vCPU-second cannot carry 5,000 requests/s
  });

  it("the benchmark's latest profile (bench/results/profile.json) wins over the committed default", async () => {
    const root = tmpDir("skyline-root-");
    cpSync(synth.outdir, join(root, "cdktf.out"), { recursive: true });
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    cpSync(DEFAULT_PROFILE_PATH, join(root, "bench", "results", "profile.json"));
    const r = await run(["--env", "staging", "capacity"], { cwd: root });
    expect(r.out).toContain("profile: bench/results/profile.json: measured ");
    expect(r.out).toContain("; the benchmark's latest run");
  });

  it("bad input is exit 2 with what to fix: a flag value, a profile, missing stacks, submissions above requests", async () => {
    const notNumber = await run(["--env", "staging", "capacity", "--rps", "lots"], { cwd });
    expect(notNumber.code).toBe(2);
    expect(notNumber.err).toContain('--rps needs a whole number from 1 to 100000000, not "lots".');
    const zero = await run(["--env", "staging", "capacity", "--users", "0"], { cwd });
    expect(zero.code).toBe(2);
    const dir = tmpDir("skyline-bad-");
    writeFileSync(join(dir, "p.json"), "{}");
    const badProfile = await run(["--env", "staging", "capacity", "--bench-profile", join(dir, "p.json")], {
      cwd,
    });
    expect(badProfile.code).toBe(2);
    expect(badProfile.err).toContain(`error: Invalid profile ${join(dir, "p.json")}:`);
    expect(badProfile.err).toContain("Pass --bench-profile <file>, or re-run the benchmark");
    const noStacks = await run(["--env", "staging", "capacity", "--stacks", join(dir, "none")], { cwd });
    expect(noStacks.code).toBe(2);
    expect(noStacks.err).toContain(
      `error: No synthesized stacks at ${join(dir, "none")}: run \`npm run synth\``,
    );
    const writes = await run(
      ["--env", "staging", "capacity", "--rps", "10", "--submissions-per-minute", "6000"],
      { cwd },
    );
    expect(writes.code).toBe(2);
    expect(writes.err).toContain("6000 submissions per minute is more than 10 requests/s");
  });

  it("a manifest from before the targets section: exit 2 asking for a re-synth or the flags", async () => {
    const dir = tmpDir("skyline-old-");
    const manifest = JSON.parse(readFileSync(synth.manifestPath("staging"), "utf8"));
    delete manifest.targets.load;
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    const args = ["--manifest", join(dir, "manifest.json"), "capacity", "--stacks", synth.stacksDir];
    const r = await run(args, { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain("The manifest has no load targets (it predates the config's `targets` section)");
    const flags = await run(
      [...args, "--users", "100", "--rps", "100", "--submissions-per-minute", "60", "--headroom", "0"],
      { cwd },
    );
    expect(flags.code).toBe(0);
  });
});

describe("skyline cost", () => {
  it("text: an estimate per resource, stack and service, at min, target and max, labelled as one", async () => {
    const r = await run(["--env", "staging", "cost"], { cwd });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "skyline staging: monthly cost ESTIMATE in USD (on-demand list prices; not a quote, not a bill)",
    );
    expect(r.out).toMatch(
      /^ {2}├─ Database instance \(on-demand, Single-AZ, db\.t4g\.medium\) +730 +hours +\$47\.45 +\$47\.45 +\$47\.45$/m,
    );
    expect(r.out).toContain("Per 1,000 users at the target (1,000 users): ");
    expect(r.out).toContain("assumptions");
    expect(r.out.trimEnd().split("\n").at(-1)).toMatch(
      /^estimate: \$[\d,.]+ a month at minimum capacity, \$[\d,.]+ at the target, \$[\d,.]+ at the ceiling$/,
    );
  });

  it("-o json: the estimate in one document, valid against the CLI's schema", async () => {
    const r = await run(["--env", "production", "cost", "-o", "json"], { cwd });
    expect(r.code).toBe(0);
    const doc = documentOf(r.out);
    expect(doc).toMatchObject({ command: "cost", environment: "production", outcome: "succeeded" });
    expect(doc.cost.estimate).toBe(true);
    expect(doc.cost.priceTable.regions).toEqual({
      "us-east-1": "2026-12-04",
      "eu-west-1": "2026-12-04",
      "ap-south-1": "2026-12-04",
    });
    expect(doc.cost.total.min).toBeGreaterThan(1000);
    expect(doc.cost.stacks.map((s: any) => s.stack)).toContain("skyline-production-global");
    expect(doc.cost.comparison.map((c: any) => c.line)).toEqual([
      "ECS",
      "RDS",
      "ElastiCache",
      "CloudFront",
      "S3",
      "Everything else (not in the product's table)",
      "Total",
    ]);
  });

  it("--rps moves the traffic-driven lines and the target's task counts", async () => {
    const low = documentOf(
      (
        await run(
          ["--env", "staging", "cost", "--rps", "100", "--submissions-per-minute", "60", "-o", "json"],
          { cwd },
        )
      ).out,
    );
    const high = documentOf((await run(["--env", "staging", "cost", "-o", "json"], { cwd })).out);
    expect(low.cost.total.min).toBe(high.cost.total.min);
    expect(low.cost.total.target).toBeLessThan(high.cost.total.target);
  });

  it("a resource the table cannot price: the estimate is incomplete, exit 1 naming it", async () => {
    const root = tmpDir("skyline-root-");
    cpSync(synth.outdir, join(root, "cdktf.out"), { recursive: true });
    const file = join(root, "cdktf.out", "stacks", "skyline-staging-us-east-1", "cdk.tf.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.resource.aws_db_instance[Object.keys(json.resource.aws_db_instance)[0]].instance_class =
      "db.t3.micro";
    writeFileSync(file, JSON.stringify(json));
    const r = await run(["--env", "staging", "cost", "-o", "json"], { cwd: root });
    expect(r.code).toBe(1);
    const doc = documentOf(r.out);
    expect(doc).toMatchObject({ outcome: "failed", exitCode: 1 });
    expect(doc.cost.missing[0].why).toBe("no rds price for db.t3.micro in us-east-1 in the price table");
    expect(r.err).toContain(
      `error: The estimate is incomplete: 1 price is missing from ${PRICE_TABLE_PATH} (listed above); add them.`,
    );
  });
});

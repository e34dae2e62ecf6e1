/**
 * Every AWS CLI line of every runbook names an operation the AWS SDK has, and only flags that are
 * input members of that operation (or global options): checked against the SDK's own schemas, so a
 * flag like `--enable-iam-database-authentication` cannot be misspelt or invented. Also: every
 * `--region` is a region of the manifest.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest, type OpsManifest } from "../../manifest/schema";
import { renderRunbookFiles } from "../../runbooks/runbooks";
import { eksManifestJson } from "../cli/eks-manifest";
import { queueManifest } from "../cli/queue-manifests";
import { awsInvocations, awsLines, checkInvocation, shellWords } from "./aws-cli";
import { loadFixture } from "./helpers";

const synthesized = parseManifest(
  JSON.parse(
    readFileSync(join(__dirname, "..", "..", "docs", "examples", "manifest.production.json"), "utf8"),
  ),
  "docs/examples/manifest.production.json",
);

const manifests: [string, OpsManifest][] = [
  ["production fixture", loadFixture("production")],
  ["staging fixture", loadFixture("staging")],
  ["EKS", parseManifest(eksManifestJson(), "eks manifest")],
  ["synthesized production", synthesized],
  ["queue tier on ECS", queueManifest("ecs").manifest],
  ["queue tier on EKS", queueManifest("eks").manifest],
];

describe.each(manifests)("AWS CLI lines of the %s runbooks", (_name, manifest) => {
  const runbooks = renderRunbookFiles(manifest);

  it("use only operations and flags the AWS SDK defines", () => {
    let checked = 0;
    const problems: string[] = [];
    for (const runbook of runbooks) {
      for (const line of awsLines(runbook.markdown)) {
        for (const { tokens } of awsInvocations(line)) {
          checked++;
          for (const p of checkInvocation(tokens))
            problems.push(`${runbook.name}: ${tokens.join(" ")}: ${p}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(15);
  });

  it("name only regions of the manifest", () => {
    const regions = new Set(Object.keys(manifest.regions));
    for (const runbook of runbooks) {
      for (const line of awsLines(runbook.markdown)) {
        for (const { tokens } of awsInvocations(line)) {
          const i = tokens.indexOf("--region");
          if (i >= 0) expect({ line, region: regions.has(tokens[i + 1]) }).toEqual({ line, region: true });
        }
      }
    }
  });
});

describe("the checker", () => {
  const check = (line: string) => awsInvocations(line).flatMap((i) => checkInvocation(i.tokens));

  it("accepts real flags, booleans, their --no- forms, waiters and captured output", () => {
    expect(
      check(
        "aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier a --target-db-instance-identifier b " +
          "--enable-iam-database-authentication --no-multi-az --db-parameter-group-name p --region us-east-1",
      ),
    ).toEqual([]);
    expect(check("aws rds wait db-instance-available --db-instance-identifier a")).toEqual([]);
    expect(
      check(
        "X=$(aws rds describe-db-instances --db-instance-identifier a --query 'DBInstances[0]' --output text)",
      ),
    ).toEqual([]);
    expect(check("aws ecs update-service --cluster c --service s --force-new-deployment")).toEqual([]);
  });

  it("fails a flag the operation does not have, a made-up operation, a boolean given a value, a value flag without one", () => {
    expect(check("aws rds restore-db-instance-to-point-in-time --iam-auth")).toEqual([
      "--iam-auth is not a parameter of aws rds restore-db-instance-to-point-in-time",
    ]);
    expect(check("aws rds promote-replica --db-instance-identifier a")).toEqual([
      '@aws-sdk/client-rds has no operation "promote-replica"',
    ]);
    expect(check("aws rds modify-db-instance --db-instance-identifier a --apply-immediately yes")).toEqual([
      '--apply-immediately is a boolean switch; "yes" would be read as a separate argument',
      '"yes" is not a flag (a value without one?)',
    ]);
    expect(check("aws rds modify-db-instance --db-instance-identifier")).toEqual([
      "--db-instance-identifier needs a value",
    ]);
    expect(check("aws rds wait db-exploded --db-instance-identifier a")).toEqual([
      'unknown waiter "aws rds wait db-exploded"',
    ]);
    expect(check("aws lambda invoke --function-name f")).toEqual([
      'no SDK client is known for service "lambda"',
    ]);
  });

  it("reads words as the shell does", () => {
    expect(shellWords(`a --q 'x y' "z w" $(aws b --c 'd e')`)).toEqual([
      "a",
      "--q",
      "x y",
      "z w",
      "$(aws b --c 'd e')",
    ]);
  });
});

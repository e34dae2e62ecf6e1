import { TerraformStack, Testing } from "../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupSelection, type BackupSelectionConfig } from "@cdktf/provider-aws/lib/backup-selection";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { findingsOf, newStack } from "./helpers";

const RULE = "SKY-RDS-011";

function db(stack: TerraformStack, tags: Record<string, string> = { backup: "daily" }) {
  return new DbInstance(stack, "db", { instanceClass: "db.t4g.micro", engine: "postgres", tags });
}

function selection(stack: TerraformStack, config: Partial<BackupSelectionConfig>) {
  return new BackupSelection(stack, "selection", {
    name: "s",
    planId: "plan",
    iamRoleArn: "arn:aws:iam::111122223333:role/backup",
    ...config,
  });
}

describe("SKY-RDS-011 backup coverage", () => {
  it("accepts a selection by tag (selection_tag)", () => {
    const { stack } = newStack();
    db(stack);
    selection(stack, { selectionTag: [{ type: "STRINGEQUALS", key: "backup", value: "daily" }] });
    expect(findingsOf(stack, RULE)).toEqual([]);
  });

  it("rejects a selection whose tag does not match the database", () => {
    const { stack } = newStack();
    db(stack, { backup: "none" });
    selection(stack, { selectionTag: [{ type: "STRINGEQUALS", key: "backup", value: "daily" }] });
    expect(findingsOf(stack, RULE)).toHaveLength(1);
  });

  it("matches tags coming from the provider's default_tags", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "s");
    new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: [{ tags: { backup: "daily" } }] });
    db(stack, {});
    selection(stack, { selectionTag: [{ type: "STRINGEQUALS", key: "backup", value: "daily" }] });
    expect(findingsOf(stack, RULE)).toEqual([]);
  });

  it("accepts a wildcard resource with matching conditions and rejects non-matching ones", () => {
    const matching = newStack().stack;
    db(matching, { env: "production" });
    selection(matching, {
      resources: ["arn:aws:rds:*:*:db:*"],
      condition: [{ stringEquals: [{ key: "aws:ResourceTag/env", value: "production" }] }],
    });
    expect(findingsOf(matching, RULE)).toEqual([]);

    const other = newStack().stack;
    db(other, { env: "staging" });
    selection(other, {
      resources: ["arn:aws:rds:*:*:db:*"],
      condition: [{ stringLike: [{ key: "aws:ResourceTag/env", value: "prod*" }] }],
    });
    expect(findingsOf(other, RULE)).toHaveLength(1);
  });

  it("respects not_resources", () => {
    const { stack } = newStack();
    const instance = db(stack);
    selection(stack, { resources: ["*"], notResources: [instance.arn] });
    expect(findingsOf(stack, RULE)).toHaveLength(1);
  });

  it.each([
    ["after synth", true],
    ["without synth", false],
  ])("follows a cross-stack reference to a selection in another stack (%s)", (_label, synth) => {
    const app = Testing.app();
    const regional = new TerraformStack(app, "production-eu-west-1");
    new AwsProvider(regional, "aws", { region: "eu-west-1" });
    const covered = db(regional, {});
    const uncovered = new DbInstance(regional, "other-db", {
      instanceClass: "db.t4g.micro",
      engine: "postgres",
    });
    const backup = new TerraformStack(app, "production-backup");
    new AwsProvider(backup, "aws", { region: "eu-west-1" });
    selection(backup, { resources: [covered.arn] });
    if (synth) app.synth();
    expect(findingsOf(regional, RULE).map((f) => f.constructPath)).toEqual([uncovered.node.path]);
  });

  it("does not require a selection for read replicas (their source is backed up)", () => {
    const { stack } = newStack();
    new DbInstance(stack, "replica", {
      instanceClass: "db.t4g.micro",
      replicateSourceDb: "arn:aws:rds:eu-west-1:111122223333:db:app",
    });
    expect(findingsOf(stack, RULE)).toEqual([]);
  });

  it("does not apply to stacks without databases", () => {
    const { stack } = newStack();
    selection(stack, { resources: ["*"] });
    expect(findingsOf(stack, RULE)).toEqual([]);
  });
});

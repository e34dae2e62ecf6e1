import { TerraformStack } from "../../../engine";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupPlan, type BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { findingsOf, newStack, ruleCase } from "../helpers";
import { key } from "../fixtures";

/** Vault in this region, vault in the copy region (second provider), and a plan copying between them. */
function plan(stack: TerraformStack, rule: Partial<BackupPlanRule> = {}, copyRegion = "eu-central-1") {
  const copyProvider = new AwsProvider(stack, "copy-region", { region: copyRegion, alias: "copy" });
  const local = new BackupVault(stack, "vault", { name: "local", kmsKeyArn: key(stack).arn });
  const remote = new BackupVault(stack, "copy-vault", {
    name: "copy",
    kmsKeyArn: "arn:aws:kms:eu-central-1:111122223333:key/x",
    provider: copyProvider,
  });
  return new BackupPlan(stack, "plan", {
    name: "daily",
    rule: [
      {
        ruleName: "daily",
        targetVaultName: local.name,
        schedule: "cron(0 3 * * ? *)",
        lifecycle: { deleteAfter: 35 },
        copyAction: [{ destinationVaultArn: remote.arn, lifecycle: { deleteAfter: 35 } }],
        ...rule,
      },
    ],
  });
}

ruleCase("SKY-BACKUP-001", {
  pass: (stack) => new BackupVault(stack, "vault", { name: "v", kmsKeyArn: key(stack).arn }),
  fail: (stack) => new BackupVault(stack, "vault", { name: "v" }),
});

ruleCase("SKY-BACKUP-002", {
  pass: (stack) => plan(stack),
  fail: (stack) => plan(stack, { copyAction: undefined }),
});

describe("SKY-BACKUP-002 same-region copies", () => {
  it("flags a copy to a vault in the plan's own region", () => {
    const { stack } = newStack();
    plan(stack, {}, "eu-west-1");
    expect(findingsOf(stack, "SKY-BACKUP-002")[0].message).toContain("copies only within eu-west-1");
  });
  it("reads the region of a literal vault ARN", () => {
    const { stack } = newStack();
    plan(stack, {
      copyAction: [{ destinationVaultArn: "arn:aws:backup:eu-west-1:111122223333:backup-vault:x" }],
    });
    expect(findingsOf(stack, "SKY-BACKUP-002")).toHaveLength(1);
  });
  it("accepts a literal vault ARN in another region", () => {
    const { stack } = newStack();
    plan(stack, {
      copyAction: [{ destinationVaultArn: "arn:aws:backup:us-east-1:111122223333:backup-vault:x" }],
    });
    expect(findingsOf(stack, "SKY-BACKUP-002")).toEqual([]);
  });
});

ruleCase("SKY-BACKUP-003", {
  pass: (stack) => plan(stack),
  fail: (stack) => plan(stack, { lifecycle: { deleteAfter: 3 } }),
});

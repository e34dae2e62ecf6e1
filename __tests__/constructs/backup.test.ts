import { TerraformOutput, TerraformVariable } from "../../engine";
import {
  Backup,
  BACKUP_SERVICE_ROLE_POLICIES,
  DEFAULT_NOTIFICATION_EVENTS,
  type BackupProps,
} from "../../constructs/backup/backup";
import { RULE_DEFAULTS } from "../../constructs/backup/backup-rules";
import {
  POLICY_CHANGE_ACTIONS,
  RECOVERY_POINT_DESTRUCTIVE_ACTIONS,
} from "../../constructs/backup/vault-policy";
import { Guardrails } from "../../guardrails";
import { only, resources, synthJson, testStack } from "../helpers/synth";

const DR_VAULT = "arn:aws:backup:eu-west-1:123456789012:backup-vault:app-prod-euw1-vault";

function synthBackup(overrides: Partial<BackupProps> = {}) {
  const { stack } = testStack("us-east-1");
  const backup = new Backup(stack, "backup", {
    name: "app-prod-use1",
    region: "us-east-1",
    copyDestinationVaultArn: DR_VAULT,
    ...overrides,
  });
  return { json: synthJson(stack), stack, backup };
}

function ruleByName(json: ReturnType<typeof synthJson>, name: string): Record<string, any> {
  return only(json, "aws_backup_plan").rule.find((r: any) => r.rule_name === name);
}

describe("Backup", () => {
  const { json, stack, backup } = synthBackup();

  it("encrypts the vault with a new rotating customer key and never force-destroys it", () => {
    const vault = only(json, "aws_backup_vault");
    expect(vault).toMatchObject({ name: "app-prod-use1-vault", force_destroy: false });
    expect(vault.kms_key_arn).toMatch(/^\$\{aws_kms_key\.backup_key_\w+\.arn\}$/);
    expect(only(json, "aws_kms_key").enable_key_rotation).toBe(true);
    expect(only(json, "aws_kms_alias").name).toBe("alias/app-prod-use1-backup");
  });

  it("uses a given customer key instead of creating one", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/abcd";
    const { json: given } = synthBackup({ kmsKeyArn: key });
    expect(only(given, "aws_backup_vault").kms_key_arn).toBe(key);
    expect(resources(given, "aws_kms_key")).toHaveLength(0);
  });

  it("has daily (35 d), weekly (90 d) and monthly (365 d, cold after 90 d) rules in UTC", () => {
    const plan = only(json, "aws_backup_plan");
    expect(plan.name).toBe("app-prod-use1-plan");
    expect(plan.rule.map((r: any) => [r.rule_name, r.schedule, r.lifecycle])).toEqual([
      ["daily", RULE_DEFAULTS.daily.schedule, { delete_after: 35 }],
      ["weekly", RULE_DEFAULTS.weekly.schedule, { delete_after: 90 }],
      ["monthly", RULE_DEFAULTS.monthly.schedule, { delete_after: 365, cold_storage_after: 90 }],
    ]);
    for (const rule of plan.rule) {
      expect(rule).toMatchObject({
        schedule_expression_timezone: "Etc/UTC",
        start_window: 60,
        completion_window: 480,
      });
      expect(rule.target_vault_name).toMatch(/aws_backup_vault\.backup_vault_\w+\.name/);
    }
  });

  it("copies every rule to the DR vault with the rule's own lifecycle", () => {
    for (const rule of only(json, "aws_backup_plan").rule) {
      expect(rule.copy_action).toEqual([{ destination_vault_arn: DR_VAULT, lifecycle: rule.lifecycle }]);
    }
  });

  it("turns on continuous backup (point-in-time restore) on the daily rule only, unless disabled", () => {
    expect(ruleByName(json, "daily").enable_continuous_backup).toBe(true);
    expect(ruleByName(json, "weekly").enable_continuous_backup).toBe(false);
    expect(ruleByName(json, "monthly").enable_continuous_backup).toBe(false);
    const { json: off } = synthBackup({ enableContinuousBackup: false });
    expect(ruleByName(off, "daily").enable_continuous_backup).toBe(false);
  });

  it("applies custom schedules, retentions and windows", () => {
    const { json: custom } = synthBackup({
      daily: { schedule: "cron(30 2 ? * * *)", deleteAfterDays: 14 },
      monthly: { deleteAfterDays: 730, coldStorageAfterDays: 180 },
      startWindowMinutes: 120,
      completionWindowMinutes: 600,
    });
    expect(ruleByName(custom, "daily")).toMatchObject({
      schedule: "cron(30 2 ? * * *)",
      lifecycle: { delete_after: 14 },
      start_window: 120,
      completion_window: 600,
    });
    expect(ruleByName(custom, "monthly").copy_action[0].lifecycle).toEqual({
      delete_after: 730,
      cold_storage_after: 180,
    });
  });

  it("drops the monthly cold-storage transition when it is explicitly undefined", () => {
    const { json: warm } = synthBackup({ monthly: { coldStorageAfterDays: undefined } });
    expect(ruleByName(warm, "monthly").lifecycle).toEqual({ delete_after: 365 });
  });

  it("selects resources by the skyline:backup=true tag with a role AWS Backup assumes", () => {
    const selection = only(json, "aws_backup_selection");
    expect(selection).toMatchObject({ name: "app-prod-use1-tagged" });
    expect(selection.selection_tag).toEqual([{ type: "STRINGEQUALS", key: "skyline:backup", value: "true" }]);
    expect(selection.resources).toBeUndefined();
    expect(selection.plan_id).toMatch(/aws_backup_plan\.backup_plan_\w+\.id/);
    expect(selection.iam_role_arn).toMatch(/aws_iam_role\.backup_role_\w+\.arn/);
    const custom = synthBackup({ selectionTag: { key: "backup", value: "daily" } }).json;
    expect(only(custom, "aws_backup_selection").selection_tag[0]).toMatchObject({
      key: "backup",
      value: "daily",
    });
  });

  it("gives AWS Backup a role with only the backup and restore service policies", () => {
    const role = only(json, "aws_iam_role");
    expect(role.name).toBe("app-prod-use1-backup");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const attached = resources(json, "aws_iam_role_policy_attachment").map(([, a]) => a.policy_arn);
    expect(attached.sort()).toEqual([...BACKUP_SERVICE_ROLE_POLICIES].sort());
  });

  it("denies deleting recovery points and changing their lifecycle to every principal by default", () => {
    const policy = JSON.parse(only(json, "aws_backup_vault_policy").policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyRecoveryPointDeletion",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: [...RECOVERY_POINT_DESTRUCTIVE_ACTIONS],
        Resource: "*",
      },
    ]);
  });

  it("exempts break-glass principals and, when admins are named, denies policy changes to everyone else", () => {
    const breakGlass = "arn:aws:iam::123456789012:role/break-glass";
    const deployer = "arn:aws:iam::123456789012:role/deploy";
    const { json: exempt } = synthBackup({
      vaultPolicy: { recoveryPointAdminArns: [breakGlass], policyAdminArns: [deployer] },
    });
    const [deletion, changes] = JSON.parse(only(exempt, "aws_backup_vault_policy").policy).Statement;
    expect(deletion.Condition).toEqual({ ArnNotLike: { "aws:PrincipalArn": [breakGlass] } });
    expect(changes).toMatchObject({
      Sid: "DenyVaultPolicyChanges",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: [...POLICY_CHANGE_ACTIONS],
      Condition: { ArnNotLike: { "aws:PrincipalArn": [deployer] } },
    });
  });

  it("omits the vault policy only when vaultPolicy is false", () => {
    expect(resources(synthBackup({ vaultPolicy: false }).json, "aws_backup_vault_policy")).toHaveLength(0);
  });

  it("has no vault lock unless asked", () => {
    expect(resources(json, "aws_backup_vault_lock_configuration")).toHaveLength(0);
    expect(backup.vaultLock).toBeUndefined();
  });

  it("locks the vault in compliance mode (changeable_for_days set) when asked", () => {
    const { json: locked } = synthBackup({ vaultLock: {} });
    expect(only(locked, "aws_backup_vault_lock_configuration")).toMatchObject({
      changeable_for_days: 3,
      min_retention_days: 7,
    });
    const { json: custom } = synthBackup({
      vaultLock: { changeableForDays: 14, minRetentionDays: 30, maxRetentionDays: 400 },
    });
    expect(only(custom, "aws_backup_vault_lock_configuration")).toMatchObject({
      changeable_for_days: 14,
      min_retention_days: 30,
      max_retention_days: 400,
    });
  });

  it("exposes deterministic names and the plan's attributes", () => {
    expect(backup.vaultName).toBe("app-prod-use1-vault");
    expect(backup.planName).toBe("app-prod-use1-plan");
    const { stack: outStack } = testStack("us-east-1");
    const exposed = new Backup(outStack, "backup", {
      name: "app-prod-use1",
      region: "us-east-1",
      copyDestinationVaultArn: DR_VAULT,
    });
    new TerraformOutput(outStack, "vault_arn", { value: exposed.vaultArn });
    new TerraformOutput(outStack, "plan_id", { value: exposed.planId });
    const outputs = (synthJson(outStack) as any).output;
    expect(outputs.vault_arn.value).toMatch(/^\$\{aws_backup_vault\.backup_vault_\w+\.arn\}$/);
    expect(outputs.plan_id.value).toMatch(/^\$\{aws_backup_plan\.backup_plan_\w+\.id\}$/);
  });

  it("in vault-only mode creates the encrypted, protected vault and no plan, selection or role", () => {
    const { json: dr, backup: drBackup } = synthBackup({
      name: "app-prod-euw1",
      region: "eu-west-1",
      vaultOnly: true,
      copyDestinationVaultArn: undefined,
      vaultLock: { minRetentionDays: 30 },
    });
    expect(only(dr, "aws_backup_vault").name).toBe("app-prod-euw1-vault");
    expect(only(dr, "aws_backup_vault").kms_key_arn).toBeDefined();
    expect(resources(dr, "aws_backup_vault_policy")).toHaveLength(1);
    expect(resources(dr, "aws_backup_vault_lock_configuration")).toHaveLength(1);
    for (const type of ["aws_backup_plan", "aws_backup_selection", "aws_iam_role"]) {
      expect(resources(dr, type)).toHaveLength(0);
    }
    expect(drBackup.planId).toBeUndefined();
    expect(drBackup.planName).toBeUndefined();
  });

  it("sends no job notifications unless a topic is given", () => {
    expect(resources(json, "aws_backup_vault_notifications")).toHaveLength(0);
  });

  it("notifies a topic of finished backup jobs and failed copies, or of the events asked for", () => {
    const topic = "arn:aws:sns:us-east-1:123456789012:app-prod-use1-alerts";
    const notified = only(
      synthBackup({ notificationTopicArn: topic }).json,
      "aws_backup_vault_notifications",
    );
    expect(notified).toMatchObject({
      sns_topic_arn: topic,
      backup_vault_events: [...DEFAULT_NOTIFICATION_EVENTS],
    });
    expect(notified.backup_vault_name).toMatch(/aws_backup_vault\.backup_vault_\w+\.name/);
    expect(DEFAULT_NOTIFICATION_EVENTS).toEqual(["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"]);
    const custom = synthBackup({ notificationTopicArn: topic, notificationEvents: ["COPY_JOB_FAILED"] }).json;
    expect(only(custom, "aws_backup_vault_notifications").backup_vault_events).toEqual(["COPY_JOB_FAILED"]);
  });

  it("passes every guardrail (customer key, cross-region copies, retention)", () => {
    const errors = Guardrails.check(stack).findings.filter(
      (f) => f.severity === "error" || f.ruleId.startsWith("SKY-BACKUP"),
    );
    expect(errors).toEqual([]);
  });

  it("keeps recovery points in-region only when singleRegion is explicit", () => {
    const { json: single } = synthBackup({ copyDestinationVaultArn: undefined, singleRegion: true });
    const rules = only(single, "aws_backup_plan").rule;
    expect(rules).toHaveLength(3);
    expect(rules.every((r: any) => r.copy_action === undefined)).toBe(true);
  });

  describe("validation", () => {
    const cases: [string, Partial<BackupProps>, RegExp][] = [
      [
        "missing copy destination",
        { copyDestinationVaultArn: undefined },
        /copyDestinationVaultArn is required.*vaultOnly: true/,
      ],
      [
        "single region together with a copy destination",
        { singleRegion: true },
        /copyDestinationVaultArn is set but singleRegion is true/,
      ],
      [
        "copy destination not a vault ARN",
        { copyDestinationVaultArn: "arn:aws:s3:::bucket" },
        /copyDestinationVaultArn .* is not a backup vault ARN/,
      ],
      [
        "copy destination in the same region",
        { copyDestinationVaultArn: "arn:aws:backup:us-east-1:123456789012:backup-vault:other-vault" },
        /copyDestinationVaultArn is in us-east-1, the vault's own region/,
      ],
      [
        "vault-only with a copy destination",
        { vaultOnly: true },
        /copyDestinationVaultArn is set but vaultOnly is true/,
      ],
      ["vault name AWS refuses", { name: "x".repeat(50) }, /name gives .* AWS Backup refuses/],
      [
        "schedule not cron",
        { daily: { schedule: "rate(1 day)" } },
        /daily\.schedule "rate\(1 day\)" is not an AWS cron expression/,
      ],
      ["five-field cron", { weekly: { schedule: "cron(0 5 * * SUN)" } }, /weekly\.schedule .* six fields/],
      [
        "retention below a day",
        { weekly: { deleteAfterDays: 0 } },
        /weekly\.deleteAfterDays must be a whole number/,
      ],
      [
        "fractional retention",
        { weekly: { deleteAfterDays: 1.5 } },
        /weekly\.deleteAfterDays must be a whole number/,
      ],
      [
        "cold storage of zero days",
        { monthly: { coldStorageAfterDays: 0 } },
        /monthly\.coldStorageAfterDays must be a whole number/,
      ],
      [
        "retention shorter than cold storage + 90 days",
        { monthly: { deleteAfterDays: 150, coldStorageAfterDays: 90 } },
        /monthly\.deleteAfterDays \(150\) must be at least coldStorageAfterDays \+ 90 \(180\)/,
      ],
      [
        "continuous backup over 35 days",
        { daily: { deleteAfterDays: 36 } },
        /daily\.deleteAfterDays \(36\) exceeds the 35-day limit of continuous backups/,
      ],
      [
        "cold storage with continuous backup",
        { daily: { coldStorageAfterDays: 7, deleteAfterDays: 30 } },
        /daily\.coldStorageAfterDays cannot be used with continuous backup/,
      ],
      [
        "start window under an hour",
        { startWindowMinutes: 30 },
        /startWindowMinutes must be a whole number of at least 60/,
      ],
      [
        "completion window too close to the start window",
        { startWindowMinutes: 120, completionWindowMinutes: 150 },
        /completionWindowMinutes \(150\) must be at least startWindowMinutes \+ 60 \(180\)/,
      ],
      [
        "empty selection tag",
        { selectionTag: { key: "", value: "true" } },
        /selectionTag needs a non-empty key and value/,
      ],
      [
        "lock changeable under 3 days",
        { vaultLock: { changeableForDays: 2 } },
        /vaultLock\.changeableForDays must be a whole number of at least 3/,
      ],
      [
        "lock minimum of zero",
        { vaultLock: { minRetentionDays: 0 } },
        /vaultLock\.minRetentionDays must be a whole number of at least 1/,
      ],
      [
        "lock maximum below minimum",
        { vaultLock: { minRetentionDays: 30, maxRetentionDays: 20 } },
        /vaultLock\.maxRetentionDays \(20\) must be a whole number between minRetentionDays \(30\) and 36500/,
      ],
      [
        "lock maximum over 100 years",
        { vaultLock: { maxRetentionDays: 40000 } },
        /vaultLock\.maxRetentionDays \(40000\)/,
      ],
      [
        "lock minimum longer than a rule",
        { vaultLock: { minRetentionDays: 60 } },
        /vaultLock\.minRetentionDays \(60\) is longer than daily\.deleteAfterDays \(35\)/,
      ],
      [
        "lock maximum shorter than a rule",
        { vaultLock: { maxRetentionDays: 100 } },
        /vaultLock\.maxRetentionDays \(100\) is shorter than monthly\.deleteAfterDays \(365\)/,
      ],
    ];
    it.each(cases)("rejects %s, naming the prop", (_label, overrides, message) => {
      expect(() => synthBackup(overrides)).toThrow(message);
    });

    it("accepts a copy destination that is only known at apply time (a token)", () => {
      const { stack: tokenStack } = testStack("us-east-1");
      const arn = new TerraformVariable(tokenStack, "dr_vault_arn", { type: "string" }).stringValue;
      new Backup(tokenStack, "backup", {
        name: "app-prod-use1",
        region: "us-east-1",
        copyDestinationVaultArn: arn,
      });
      expect(
        only(synthJson(tokenStack), "aws_backup_plan").rule[0].copy_action[0].destination_vault_arn,
      ).toBe("${var.dr_vault_arn}");
    });

    it("accepts 36 days of daily retention once continuous backup is off", () => {
      expect(() =>
        synthBackup({ daily: { deleteAfterDays: 36 }, enableContinuousBackup: false }),
      ).not.toThrow();
    });
  });
});

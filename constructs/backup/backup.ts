import { BackupPlan, type BackupPlanRule } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { BackupVaultLockConfiguration } from "@cdktf/provider-aws/lib/backup-vault-lock-configuration";
import { BackupVaultNotifications } from "@cdktf/provider-aws/lib/backup-vault-notifications";
import { BackupVaultPolicy } from "@cdktf/provider-aws/lib/backup-vault-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Token, type TerraformProvider } from "../../engine";
import { Construct } from "constructs";
import { EncryptionKey } from "../encryption-key/encryption-key";
import {
  checkWindows,
  isPositiveInteger,
  resolveRules,
  type BackupRuleSettings,
  type ResolvedBackupRule,
} from "./backup-rules";
import { vaultPolicyDocument, type BackupVaultPolicySettings } from "./vault-policy";
import { serviceTrustPolicy } from "../iam/assume-role";

/** Tag the plan's selection matches; the stacks put it on every database. */
export const DEFAULT_BACKUP_SELECTION_TAG = { key: "skyline:backup", value: "true" } as const;

/** AWS managed policies that let AWS Backup snapshot, copy and restore the supported services. */
export const BACKUP_SERVICE_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
] as const;

/**
 * Job outcomes worth a notification: every backup job's end (its `State` message attribute says
 * COMPLETED, FAILED, EXPIRED…; subscribers filter on it) and failed copies to the DR vault, which
 * would otherwise silently leave the DR region without recent recovery points.
 */
export const DEFAULT_NOTIFICATION_EVENTS = ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"] as const;

export interface BackupVaultLockSettings {
  /**
   * Days before the lock becomes immutable (AWS Backup's compliance mode): until then it can still
   * be changed or removed; afterwards not even the account root can. AWS requires at least 3.
   * @default 3
   */
  readonly changeableForDays?: number;
  /** Jobs that would keep a recovery point for fewer days are refused. @default 7 */
  readonly minRetentionDays?: number;
  /** Jobs that would keep a recovery point for more days are refused. @default no maximum */
  readonly maxRetentionDays?: number;
}

export interface BackupProps {
  /** Name prefix, e.g. `skyline-production-use1`: vault `<name>-vault`, plan `<name>-plan`. */
  readonly name: string;
  /** Region of this vault (the stack's or the provider's region); copies must leave it. */
  readonly region: string;
  /**
   * Create only the vault (with its key, policy and lock), no plan: for a DR region that receives
   * copies from the primary's plan. The copy actions need this vault to exist.
   * @default false
   */
  readonly vaultOnly?: boolean;
  /**
   * ARN of the DR region's vault every rule copies to, with the same lifecycle, e.g.
   * `arn:aws:backup:eu-west-1:123456789012:backup-vault:skyline-production-euw1-vault`.
   * Required unless `vaultOnly`.
   */
  readonly copyDestinationVaultArn?: string;
  /**
   * Keep recovery points in this region only, without a copy: for an environment that has no DR
   * region (staging). Explicit, because a plan without a cross-region copy does not survive the
   * loss of the region. @default false
   */
  readonly singleRegion?: boolean;
  /** Resources carrying this tag are backed up. @default `skyline:backup` = `true` */
  readonly selectionTag?: { readonly key: string; readonly value: string };
  /** Customer KMS key for the vault. @default a new key `<name>-backup` with yearly rotation */
  readonly kmsKeyArn?: string;
  /** Daily rule (also the continuous-backup rule). @default 05:00 UTC, kept 35 days */
  readonly daily?: BackupRuleSettings;
  /** @default Sundays 05:00 UTC, kept 90 days */
  readonly weekly?: BackupRuleSettings;
  /** @default the 1st at 05:00 UTC, cold storage after 90 days, kept 365 days */
  readonly monthly?: BackupRuleSettings;
  /**
   * Continuous backup (point-in-time restore to any second, which is what meets a 5-minute RPO
   * from backups) on the daily rule for RDS and other supported services. AWS keeps continuous
   * backups at most 35 days; copies to the DR vault are snapshots.
   * @default true
   */
  readonly enableContinuousBackup?: boolean;
  /** Minutes after the scheduled time within which a job must start (AWS minimum 60). @default 60 */
  readonly startWindowMinutes?: number;
  /** Minutes after the scheduled time within which a job must finish. @default 480 */
  readonly completionWindowMinutes?: number;
  /** Vault lock in compliance mode. @default no lock */
  readonly vaultLock?: BackupVaultLockSettings;
  /**
   * Vault access policy, or `false` for none.
   * @default deny deleting recovery points and changing their lifecycle to everyone
   */
  readonly vaultPolicy?: BackupVaultPolicySettings | false;
  /**
   * SNS topic (in this region) told about the vault's jobs. Its policy must let
   * `backup.amazonaws.com` publish: Monitoring's `additionalTopicPublishers` does that.
   * @default no notifications
   */
  readonly notificationTopicArn?: string;
  /** Vault events sent to `notificationTopicArn`. @default BACKUP_JOB_COMPLETED and COPY_JOB_FAILED */
  readonly notificationEvents?: readonly string[];
  /** Provider for a vault in another region. @default the stack's provider */
  readonly provider?: TerraformProvider;
}

// Vault and plan names: 2-50 letters, digits, hyphens and underscores (AWS Backup's pattern).
const BACKUP_NAME = /^[A-Za-z0-9_-]{2,50}$/;
const VAULT_ARN = /^arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:([A-Za-z0-9_-]{2,50})$/;
const MIN_LOCK_CHANGEABLE_DAYS = 3;
const MAX_RETENTION_LIMIT_DAYS = 36500;

/**
 * AWS Backup for one region: a vault encrypted with a customer key, a policy against deleting
 * recovery points, an optional compliance-mode vault lock and, unless `vaultOnly`, a plan with
 * daily (continuous), weekly and monthly rules that each copy to the DR region's vault, selecting
 * resources by tag with a role AWS Backup assumes.
 */
export class Backup extends Construct {
  readonly vault: BackupVault;
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly kmsKeyArn: string;
  /** The key created for the vault; undefined when `kmsKeyArn` was passed. */
  readonly key?: EncryptionKey;
  readonly vaultPolicy?: BackupVaultPolicy;
  readonly vaultLock?: BackupVaultLockConfiguration;
  readonly notifications?: BackupVaultNotifications;
  /** Plan, selection and role exist unless `vaultOnly`. */
  readonly plan?: BackupPlan;
  readonly planId?: string;
  readonly planName?: string;
  readonly selection?: BackupSelection;
  readonly role?: IamRole;
  /** The plan's rules with defaults applied (empty when `vaultOnly`). */
  readonly rules: readonly ResolvedBackupRule[];

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    const { name, provider } = props;
    const owner = `Backup ${name}`;
    this.vaultName = `${name}-vault`;
    checkName(owner, "name", this.vaultName);
    const vaultOnly = props.vaultOnly ?? false;
    if (vaultOnly && props.copyDestinationVaultArn) {
      throw new Error(
        `${owner}: copyDestinationVaultArn is set but vaultOnly is true, so there is no plan to copy from; remove one of them`,
      );
    }
    this.rules = vaultOnly ? [] : planRules(owner, props);
    if (props.vaultLock) checkLock(owner, props.vaultLock, this.rules);

    if (props.kmsKeyArn) {
      this.kmsKeyArn = props.kmsKeyArn;
    } else {
      this.key = new EncryptionKey(this, "key", {
        name: `${name}-backup`,
        description: `AWS Backup vault ${this.vaultName}`,
        provider,
      });
      this.kmsKeyArn = this.key.arn;
    }
    this.vault = new BackupVault(this, "vault", {
      provider,
      name: this.vaultName,
      kmsKeyArn: this.kmsKeyArn,
      // Terraform must never empty a vault of recovery points to delete it.
      forceDestroy: false,
    });
    this.vaultArn = this.vault.arn;

    if (props.vaultPolicy !== false) {
      this.vaultPolicy = new BackupVaultPolicy(this, "policy", {
        provider,
        backupVaultName: this.vault.name,
        policy: JSON.stringify(vaultPolicyDocument(props.vaultPolicy ?? {})),
      });
    }
    if (props.vaultLock) {
      this.vaultLock = new BackupVaultLockConfiguration(this, "lock", {
        provider,
        backupVaultName: this.vault.name,
        // Setting changeable_for_days is what makes the lock compliance mode rather than governance.
        changeableForDays: props.vaultLock.changeableForDays ?? MIN_LOCK_CHANGEABLE_DAYS,
        minRetentionDays: props.vaultLock.minRetentionDays ?? 7,
        maxRetentionDays: props.vaultLock.maxRetentionDays,
      });
    }
    if (props.notificationTopicArn) {
      const events = [...(props.notificationEvents ?? DEFAULT_NOTIFICATION_EVENTS)];
      if (events.length === 0) {
        throw new Error(
          `${owner}: notificationEvents is empty; omit it for the defaults or omit notificationTopicArn`,
        );
      }
      this.notifications = new BackupVaultNotifications(this, "notifications", {
        provider,
        backupVaultName: this.vault.name,
        snsTopicArn: props.notificationTopicArn,
        backupVaultEvents: events,
      });
    }
    if (vaultOnly) return;

    // Shorter than the vault name, so the vault's check covers it.
    this.planName = `${name}-plan`;
    const windows = {
      startWindowMinutes: props.startWindowMinutes ?? 60,
      completionWindowMinutes: props.completionWindowMinutes ?? 480,
    };
    checkWindows(owner, windows);
    const destination = props.singleRegion ? undefined : props.copyDestinationVaultArn!;
    this.plan = new BackupPlan(this, "plan", {
      provider,
      name: this.planName,
      rule: this.rules.map((rule) => planRule(rule, this.vault.name, destination, windows)),
    });
    this.planId = this.plan.id;

    this.role = new IamRole(this, "role", {
      provider,
      name: `${name}-backup`,
      description: `AWS Backup creates, copies and restores recovery points for ${this.planName}`,
      assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com"),
    });
    BACKUP_SERVICE_ROLE_POLICIES.forEach((policyArn) => {
      new IamRolePolicyAttachment(this, `role-${policyArn.endsWith("ForBackup") ? "backup" : "restores"}`, {
        provider,
        role: this.role!.name,
        policyArn,
      });
    });

    const tag = props.selectionTag ?? DEFAULT_BACKUP_SELECTION_TAG;
    if (!tag.key || !tag.value) {
      throw new Error(`${owner}: selectionTag needs a non-empty key and value (e.g. skyline:backup = true)`);
    }
    this.selection = new BackupSelection(this, "selection", {
      provider,
      name: `${name}-tagged`,
      planId: this.plan.id,
      iamRoleArn: this.role.arn,
      selectionTag: [{ type: "STRINGEQUALS", key: tag.key, value: tag.value }],
    });
  }
}

function planRules(owner: string, props: BackupProps): ResolvedBackupRule[] {
  const destination = props.copyDestinationVaultArn;
  if (props.singleRegion && destination) {
    throw new Error(`${owner}: copyDestinationVaultArn is set but singleRegion is true; remove one of them`);
  }
  if (!destination && !props.singleRegion) {
    throw new Error(
      `${owner}: copyDestinationVaultArn is required (the DR region's vault, arn:aws:backup:<dr-region>:<account>:backup-vault:<dr-prefix>-vault), set vaultOnly: true for a vault that only receives copies, or singleRegion: true for an environment without a DR region`,
    );
  }
  if (destination && !Token.isUnresolved(destination)) {
    const match = VAULT_ARN.exec(destination);
    if (!match) {
      throw new Error(
        `${owner}: copyDestinationVaultArn "${destination}" is not a backup vault ARN; expected arn:aws:backup:<region>:<account>:backup-vault:<name>`,
      );
    }
    if (match[1] === props.region) {
      throw new Error(
        `${owner}: copyDestinationVaultArn is in ${props.region}, the vault's own region; copies must go to the DR region's vault to survive a regional outage`,
      );
    }
  }
  return resolveRules(owner, {
    daily: props.daily,
    weekly: props.weekly,
    monthly: props.monthly,
    enableContinuousBackup: props.enableContinuousBackup ?? true,
  });
}

function planRule(
  rule: ResolvedBackupRule,
  vaultName: string,
  destinationVaultArn: string | undefined,
  windows: { startWindowMinutes: number; completionWindowMinutes: number },
): BackupPlanRule {
  const lifecycle = {
    deleteAfter: rule.deleteAfterDays,
    ...(rule.coldStorageAfterDays !== undefined ? { coldStorageAfter: rule.coldStorageAfterDays } : {}),
  };
  return {
    ruleName: rule.name,
    targetVaultName: vaultName,
    schedule: rule.schedule,
    scheduleExpressionTimezone: "Etc/UTC",
    startWindow: windows.startWindowMinutes,
    completionWindow: windows.completionWindowMinutes,
    enableContinuousBackup: rule.continuous,
    lifecycle,
    // The DR copy keeps the same history as the original, so a lost region loses nothing.
    copyAction: destinationVaultArn ? [{ destinationVaultArn, lifecycle }] : undefined,
    recoveryPointTags: { "skyline:backup-rule": rule.name },
  };
}

function checkName(owner: string, prop: string, value: string): void {
  if (!BACKUP_NAME.test(value)) {
    throw new Error(
      `${owner}: ${prop} gives "${value}", which AWS Backup refuses (2-50 letters, digits, - or _); shorten the app or environment name`,
    );
  }
}

function checkLock(owner: string, lock: BackupVaultLockSettings, rules: readonly ResolvedBackupRule[]): void {
  const changeable = lock.changeableForDays ?? MIN_LOCK_CHANGEABLE_DAYS;
  const min = lock.minRetentionDays ?? 7;
  const max = lock.maxRetentionDays;
  if (!Number.isInteger(changeable) || changeable < MIN_LOCK_CHANGEABLE_DAYS) {
    throw new Error(
      `${owner}: vaultLock.changeableForDays must be a whole number of at least 3 (got ${changeable}); AWS enforces a 72-hour cooling-off period before the lock is immutable`,
    );
  }
  if (!isPositiveInteger(min)) {
    throw new Error(`${owner}: vaultLock.minRetentionDays must be a whole number of at least 1 (got ${min})`);
  }
  if (max !== undefined && (!isPositiveInteger(max) || max > MAX_RETENTION_LIMIT_DAYS || max < min)) {
    throw new Error(
      `${owner}: vaultLock.maxRetentionDays (${max}) must be a whole number between minRetentionDays (${min}) and ${MAX_RETENTION_LIMIT_DAYS}`,
    );
  }
  // A rule outside the lock's range would fail every job, silently losing the backups it makes.
  for (const rule of rules) {
    if (rule.deleteAfterDays < min) {
      throw new Error(
        `${owner}: vaultLock.minRetentionDays (${min}) is longer than ${rule.name}.deleteAfterDays (${rule.deleteAfterDays}); the vault would refuse that rule's backups`,
      );
    }
    if (max !== undefined && rule.deleteAfterDays > max) {
      throw new Error(
        `${owner}: vaultLock.maxRetentionDays (${max}) is shorter than ${rule.name}.deleteAfterDays (${rule.deleteAfterDays}); the vault would refuse that rule's backups`,
      );
    }
  }
}

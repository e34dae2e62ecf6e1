/**
 * The backup plan's rules as plain data: defaults, the AWS constraints they must satisfy, and the
 * error messages that name the offending prop. Kept apart from the construct so the rules can be
 * checked (and tested) without synthesizing anything.
 */

/** One rule of the plan. Every field is optional; the defaults depend on the rule. */
export interface BackupRuleSettings {
  /**
   * When the rule runs: an AWS cron expression with six fields, evaluated in UTC.
   * @default daily `cron(0 5 ? * * *)`, weekly `cron(0 5 ? * SUN *)`, monthly `cron(0 5 1 * ? *)`
   */
  readonly schedule?: string;
  /** Days a recovery point (and its copy in the DR vault) is kept. @default daily 35, weekly 90, monthly 365 */
  readonly deleteAfterDays?: number;
  /**
   * Days before a recovery point moves to cold storage; AWS then keeps it at least 90 more days.
   * Resource types without cold storage (RDS among them) ignore it. Pass `undefined` explicitly to
   * turn the monthly rule's transition off.
   * @default monthly 90, none for daily and weekly
   */
  readonly coldStorageAfterDays?: number;
}

export type BackupRuleName = "daily" | "weekly" | "monthly";

/** A rule with every default applied. */
export interface ResolvedBackupRule {
  readonly name: BackupRuleName;
  readonly schedule: string;
  readonly deleteAfterDays: number;
  readonly coldStorageAfterDays?: number;
  /** Continuous backup (point-in-time restore) for supported resources such as RDS. */
  readonly continuous: boolean;
}

export const RULE_DEFAULTS: Readonly<
  Record<BackupRuleName, { schedule: string; deleteAfterDays: number; coldStorageAfterDays?: number }>
> = {
  daily: { schedule: "cron(0 5 ? * * *)", deleteAfterDays: 35 },
  weekly: { schedule: "cron(0 5 ? * SUN *)", deleteAfterDays: 90 },
  monthly: { schedule: "cron(0 5 1 * ? *)", deleteAfterDays: 365, coldStorageAfterDays: 90 },
};

/** AWS keeps continuous (point-in-time) backups for at most 35 days. */
export const MAX_CONTINUOUS_RETENTION_DAYS = 35;
/** A recovery point in cold storage must stay there at least 90 days. */
export const MIN_COLD_STORAGE_DAYS = 90;
/** AWS Backup refuses start windows shorter than an hour. */
export const MIN_START_WINDOW_MINUTES = 60;

// AWS Backup cron: six space-separated fields (minutes hours day-of-month month day-of-week year).
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

export interface RuleInputs {
  readonly daily?: BackupRuleSettings;
  readonly weekly?: BackupRuleSettings;
  readonly monthly?: BackupRuleSettings;
  readonly enableContinuousBackup: boolean;
}

/** Applies the defaults and checks every constraint AWS would otherwise reject at apply time. */
export function resolveRules(owner: string, inputs: RuleInputs): ResolvedBackupRule[] {
  return (["daily", "weekly", "monthly"] as const).map((name) => {
    const given = inputs[name] ?? {};
    const defaults = RULE_DEFAULTS[name];
    const rule: ResolvedBackupRule = {
      name,
      schedule: given.schedule ?? defaults.schedule,
      deleteAfterDays: given.deleteAfterDays ?? defaults.deleteAfterDays,
      coldStorageAfterDays:
        "coldStorageAfterDays" in given ? given.coldStorageAfterDays : defaults.coldStorageAfterDays,
      continuous: name === "daily" && inputs.enableContinuousBackup,
    };
    checkRule(owner, rule);
    return rule;
  });
}

function checkRule(owner: string, rule: ResolvedBackupRule): void {
  const prop = (field: string) => `${owner}: ${rule.name}.${field}`;
  if (!CRON.test(rule.schedule)) {
    throw new Error(
      `${prop("schedule")} "${rule.schedule}" is not an AWS cron expression; use six fields in UTC, e.g. "cron(0 5 ? * * *)"`,
    );
  }
  if (!isPositiveInteger(rule.deleteAfterDays)) {
    throw new Error(
      `${prop("deleteAfterDays")} must be a whole number of days of at least 1 (got ${rule.deleteAfterDays})`,
    );
  }
  if (rule.continuous) {
    if (rule.deleteAfterDays > MAX_CONTINUOUS_RETENTION_DAYS) {
      throw new Error(
        `${prop("deleteAfterDays")} (${rule.deleteAfterDays}) exceeds the ${MAX_CONTINUOUS_RETENTION_DAYS}-day limit of continuous backups; ` +
          `lower it, keep longer history in the weekly/monthly rules, or set enableContinuousBackup: false`,
      );
    }
    if (rule.coldStorageAfterDays !== undefined) {
      throw new Error(
        `${prop("coldStorageAfterDays")} cannot be used with continuous backup (point-in-time recovery points never move to cold storage); remove it or set enableContinuousBackup: false`,
      );
    }
  }
  if (rule.coldStorageAfterDays !== undefined) {
    if (!isPositiveInteger(rule.coldStorageAfterDays)) {
      throw new Error(
        `${prop("coldStorageAfterDays")} must be a whole number of days of at least 1 (got ${rule.coldStorageAfterDays})`,
      );
    }
    if (rule.deleteAfterDays < rule.coldStorageAfterDays + MIN_COLD_STORAGE_DAYS) {
      throw new Error(
        `${prop("deleteAfterDays")} (${rule.deleteAfterDays}) must be at least coldStorageAfterDays + ${MIN_COLD_STORAGE_DAYS} ` +
          `(${rule.coldStorageAfterDays + MIN_COLD_STORAGE_DAYS}): AWS keeps cold recovery points 90 days; raise deleteAfterDays or lower coldStorageAfterDays`,
      );
    }
  }
}

export interface BackupWindows {
  readonly startWindowMinutes: number;
  readonly completionWindowMinutes: number;
}

/**
 * The completion window counts from the scheduled time, not from the start, so it must leave room
 * after the latest start: at least an hour more than the start window.
 */
export function checkWindows(owner: string, windows: BackupWindows): void {
  const { startWindowMinutes: start, completionWindowMinutes: completion } = windows;
  if (!Number.isInteger(start) || start < MIN_START_WINDOW_MINUTES) {
    throw new Error(
      `${owner}: startWindowMinutes must be a whole number of at least ${MIN_START_WINDOW_MINUTES} (got ${start}); AWS Backup rejects shorter windows`,
    );
  }
  if (!Number.isInteger(completion) || completion < start + 60) {
    throw new Error(
      `${owner}: completionWindowMinutes (${completion}) must be at least startWindowMinutes + 60 (${start + 60}): it counts from the scheduled time, so a job that starts late needs room to finish`,
    );
  }
}

export function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value >= 1;
}

/**
 * What every runbook needs to know about an environment, derived once from the ops manifest:
 * which region is primary, which regions can take over, which alarms watch what, and how to
 * spell a `skyline` or `aws` command for it. Pure: no cdktf, no AWS SDK, no clock.
 */
import type { DatabaseInstanceManifest, OpsManifest, RegionManifest } from "../manifest/schema";

/** What an alarm watches, guessed from its name (the manifest lists names, not metrics). */
export type AlarmCategory = "region" | "queue" | "database" | "cache" | "api" | "capacity" | "other";

export interface RegionAlarm {
  readonly region: string;
  readonly name: string;
  readonly category: AlarmCategory;
}

/** A region whose cross-region replica can be promoted to the writer. */
export interface DrTarget {
  readonly region: string;
  readonly entry: RegionManifest;
  readonly replica: DatabaseInstanceManifest;
}

const CATEGORY_PATTERNS: readonly [AlarmCategory, RegExp][] = [
  // First: `worker-none-running` must not read as a capacity alarm of the API service.
  ["queue", /^(queue|worker)-/],
  ["database", /(^|-)(rds|db|database)(-|$)|replica-lag|free-storage|connections/],
  ["cache", /(^|-)(redis|valkey|cache|elasticache)(-|$)|evictions/],
  ["api", /5xx|4xx|latency|healthy-hosts|(^|-)(alb|api|targets?)(-|$)/],
  ["capacity", /(^|-)(ecs|service|tasks?)(-|$)|cpu|memory/],
];

export const CATEGORY_LABELS: Readonly<Record<AlarmCategory, string>> = {
  region: "the whole region (composite)",
  queue: "submission queue and workers",
  database: "database",
  cache: "cache",
  api: "API errors and latency",
  capacity: "service capacity",
  other: "other",
};

/**
 * Classifies an alarm by the part of its name after the region's prefix, so an app or environment
 * called "db" does not make every alarm a database alarm.
 */
export function alarmCategory(name: string, prefix: string): AlarmCategory {
  const suffix = name.startsWith(`${prefix}-`) ? name.slice(prefix.length + 1) : name;
  return CATEGORY_PATTERNS.find(([, pattern]) => pattern.test(suffix))?.[0] ?? "other";
}

/** Formats a duration target the way on-call reads it: `300 s (5 min)`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = seconds / 60;
  return `${seconds} s (${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min)`;
}

/** One `aws` argument: a flag with its value, or a bare flag such as `--apply-immediately`. */
export type AwsArg = readonly [flag: string, value?: string];

function awsParts(args: readonly AwsArg[], region?: string): string[] {
  return [...args, ...(region ? [["--region", region] as const] : [])].map(([flag, value]) =>
    value === undefined ? flag : `${flag} ${value}`,
  );
}

export class RunbookFacts {
  readonly app: string;
  readonly env: string;
  readonly primaryRegion: string;
  readonly primary: RegionManifest;
  /** Every region, the primary first, the others in manifest order (the config's failover order). */
  readonly regions: readonly string[];
  /** Regions other than the primary. */
  readonly secondaries: readonly string[];
  /** Secondaries holding a cross-region replica, in failover order. */
  readonly drTargets: readonly DrTarget[];

  constructor(readonly manifest: OpsManifest) {
    this.app = manifest.app;
    this.env = manifest.environment;
    this.primaryRegion = manifest.primaryRegion;
    this.primary = manifest.regions[manifest.primaryRegion];
    this.secondaries = Object.keys(manifest.regions).filter((r) => r !== manifest.primaryRegion);
    this.regions = [manifest.primaryRegion, ...this.secondaries];
    this.drTargets = this.secondaries.flatMap((region) => {
      const entry = manifest.regions[region];
      const replica = entry.database?.instances.find((i) => i.role === "cross-region-replica");
      return replica ? [{ region, entry, replica }] : [];
    });
  }

  region(name: string): RegionManifest {
    return this.manifest.regions[name];
  }

  /** The preferred DR region: the first standby, which also holds the SECONDARY DNS record. */
  get drTarget(): DrTarget | undefined {
    return this.drTargets[0];
  }

  /** The writer instance of a region, if it has one. */
  writer(region: string): DatabaseInstanceManifest | undefined {
    return this.region(region).database?.instances.find((i) => i.role === "writer");
  }

  /** Regions with a cache, the primary first. */
  get cacheRegions(): readonly string[] {
    return this.regions.filter((r) => this.region(r).cache !== undefined);
  }

  /** The name prefix of a region's resources, `<app>-<env>-<region-code>`. */
  prefix(region: string): string {
    return `${this.app}-${this.env}-${this.region(region).regionCode}`;
  }

  /** The region's alarms of the given categories, the composite region-unhealthy alarm first if asked. */
  alarms(region: string, categories: readonly AlarmCategory[], withRegionUnhealthy = false): RegionAlarm[] {
    const { alarms } = this.region(region);
    const prefix = this.prefix(region);
    const picked = alarms.names
      .map((name) => ({ region, name, category: alarmCategory(name, prefix) }))
      .filter((a) => categories.includes(a.category));
    return withRegionUnhealthy
      ? [{ region, name: alarms.regionUnhealthy, category: "region" as const }, ...picked]
      : picked;
  }

  /** `skyline --env <env> [--region <region>] <args…>`: the exact line on-call types. */
  skyline(args: string, region?: string): string {
    return `skyline --env ${this.env}${region ? ` --region ${region}` : ""} ${args}`;
  }

  /** An `aws` CLI line, continued over several lines when long so it stays readable. */
  aws(command: string, args: readonly AwsArg[], region?: string): string[] {
    const parts = awsParts(args, region);
    const oneLine = `aws ${command} ${parts.join(" ")}`;
    if (oneLine.length <= 100) return [oneLine];
    return [`aws ${command} \\`, ...parts.map((p, i) => `  ${p}${i < parts.length - 1 ? " \\" : ""}`)];
  }

  /** The same `aws` command on one line, for inline code in prose. */
  awsInline(command: string, args: readonly AwsArg[], region?: string): string {
    return `aws ${command} ${awsParts(args, region).join(" ")}`;
  }

  /** `arn:aws:rds:<region>:<account>:db:<id>`. */
  dbArn(region: string, id: string): string {
    return `arn:aws:rds:${region}:${this.manifest.accountId}:db:${id}`;
  }

  /**
   * An `aws` command whose text output is captured in a shell variable:
   * `VAR=$(aws … --output text)`, continued over lines when long.
   */
  awsCapture(
    variable: string,
    command: string,
    args: readonly AwsArg[],
    region?: string,
    output: "text" | "json" = "text",
  ): string[] {
    const lines = this.aws(command, [...args, ["--output", output]], region);
    const last = lines.length - 1;
    return lines.map((l, i) => `${i === 0 ? `${variable}=$(` : ""}${l}${i === last ? ")" : ""}`);
  }

  /** Minutes of the RTO budgeted for one step of a regional failover. */
  budget(step: keyof OpsManifest["targets"]["failoverBudgetMinutes"]): number {
    return this.manifest.targets.failoverBudgetMinutes[step];
  }

  /** `https://<public hostname><path>`, what users reach; undefined without a global stack. */
  publicUrl(path: string): string | undefined {
    const host = this.manifest.global?.publicHostname;
    return host ? `https://${host}${path}` : undefined;
  }
}

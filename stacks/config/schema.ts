import { z } from "zod";
import { cidrsOverlap, parseCidr } from "../../constructs/network/cidr";
import { cacheConfigSchema, databaseConfigSchema, validateDataTier } from "./data-tier-schema";
import { deploymentConfigSchema, validateDeployment } from "./deployment-schema";
import { eksConfigSchema } from "./eks-schema";
import { queueConfigSchema, validateQueue } from "./queue-schema";
import { loadTargetsSchema, validateLoadTargets } from "./targets-schema";
import { FARGATE_CPU_UNITS, fargateMemoryOptions } from "./fargate-sizes";
import { isKnownRegion, REGIONS, regionInfo } from "./regions";
import { describeUnknownKeys } from "./suggest";

/**
 * The one schema for an environment. Environment files (environments/*.ts) are typed against
 * `EnvironmentInput`; `parseEnvironment` fills defaults and checks everything that AWS would
 * otherwise reject halfway through an apply.
 */

const slug = (what: string) =>
  z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,18}[a-z0-9]$/, `${what} must be 3-20 lowercase letters, digits or hyphens`);

const region = z.string().refine(isKnownRegion, (value) => ({
  message: `unknown AWS region "${value}"; use one of ${Object.keys(REGIONS).join(", ")} (or add it to stacks/config/regions.ts)`,
}));

const regionNetwork = z
  .object({
    /** VPC CIDR; /16 to /20. Must not overlap another region's, so VPCs can be peered or joined by TGW. */
    vpcCidr: z.string(),
    /** Availability zones used, taken in order from the region's AZ letters. */
    azCount: z.number().int().min(1),
  })
  .strict();

const service = z
  .object({
    /** Fargate CPU units (256 = 0.25 vCPU). */
    cpu: z.number().int(),
    /** Task memory in MiB; must be a size Fargate accepts for `cpu`. */
    memoryMiB: z.number().int(),
    minTasks: z.number().int().min(1, "minTasks must be at least 1"),
    maxTasks: z.number().int().min(1),
    /** Container port of the reference API. */
    containerPort: z.number().int().min(1024).max(65535).default(8080),
    /** How releases reach users (stacks/config/deployment-schema.ts): strategy, bake time, test listener. */
    deployment: deploymentConfigSchema.default({}),
  })
  .strict();

export const environmentSchema = z
  .object({
    /** Application name, the first part of every resource name. */
    app: slug("app"),
    /** Environment name: `staging`, `production`, … */
    environment: slug("environment"),
    /** Production turns on Multi-AZ everything, deletion protection and longer retention. */
    tier: z.enum(["production", "non-production"]),
    /** AWS accounts the provider may act in (`allowed_account_ids`): a guard against the wrong profile. */
    accountIds: z
      .array(z.string().regex(/^\d{12}$/, "an AWS account id is exactly 12 digits"))
      .min(1, "list at least one AWS account id"),
    primaryRegion: region,
    /** Warm-standby regions. Empty for a single-region environment. */
    drRegions: z.array(region).default([]),
    /** Network layout per region; must name exactly the primary and DR regions. */
    regions: z.record(z.string(), regionNetwork),
    /** Apex domain of the product, e.g. `example.com`; the hosted zone must exist. */
    domainName: z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        "domainName must be a lowercase DNS name like example.com (no scheme, no trailing dot)",
      ),
    image: z
      .object({
        /** Image repository URI, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/skyline-api`. */
        repository: z.string().min(1),
        /** Immutable tag or digest; `latest` is refused so a deploy is reproducible. */
        tag: z
          .string()
          .min(1)
          .refine((t) => t !== "latest", "pin an immutable image tag or digest, not `latest`"),
      })
      .strict(),
    service,
    tags: z
      .object({
        owner: z.string().min(1),
        costCenter: z.string().min(1),
      })
      .catchall(z.string()),
    stateBackend: z
      .object({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid S3 bucket name"),
        region,
      })
      .strict(),
    network: z
      .object({
        /** One NAT gateway per AZ (survives an AZ loss) or one shared. @default per AZ in production */
        natGatewayPerAz: z.boolean().optional(),
        /** Interface endpoints for ECR, CloudWatch Logs and Secrets Manager. @default true */
        interfaceEndpoints: z.boolean().default(true),
        /** Days to keep VPC flow logs. @default 365 in production, 90 otherwise */
        flowLogRetentionDays: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    edge: z
      .object({
        /** ALBs admit only CloudFront's origin-facing ranges on 443. @default true */
        behindCloudFront: z.boolean().default(true),
        /** WAF rate limit per client IP per 5 minutes on each ALB. @default 2000 */
        wafRateLimitPer5Min: z.number().int().min(100).max(2_000_000_000).default(2000),
      })
      .strict()
      .default({}),
    /** RDS PostgreSQL (stacks/config/data-tier-schema.ts): tier defaults apply to unset fields. */
    database: databaseConfigSchema.default({}),
    /** ElastiCache (stacks/config/data-tier-schema.ts): tier defaults apply to unset fields. */
    cache: cacheConfigSchema.default({}),
    /** Where the API runs: ECS Fargate, or EKS through the Kubernetes stacks. @default "ecs" */
    compute: z.enum(["ecs", "eks"]).default("ecs"),
    /** EKS cluster and workload settings (stacks/config/eks-schema.ts), used when compute is "eks". */
    eks: eksConfigSchema.default({}),
    /** Asynchronous submissions: SQS queue and workers (stacks/config/queue-schema.ts). */
    queue: queueConfigSchema.default({}),
    /** The load to carry (stacks/config/targets-schema.ts): `skyline capacity` and `skyline cost` read it. */
    targets: loadTargetsSchema.default({}),
    /**
     * Warm-standby sizing of the DR regions while they take no traffic; `skyline failover region`
     * scales the target up to the primary's size when it moves traffic there.
     */
    standby: z
      .object({
        /** ECS tasks a DR region runs. @default service.minTasks */
        minTasks: z.number().int().min(1).optional(),
      })
      .strict()
      .default({}),
    /**
     * An optional small DR region for failover drills (`skyline drill`) on a non-production
     * environment: when enabled it is added to drRegions with its network, standby.minTasks
     * (default 1) and a regional cache (no Global Datastore, which needs M or R nodes). Off by
     * default: a second region roughly doubles the environment's cost while it exists.
     */
    drillRegion: z
      .object({
        enabled: z.boolean().default(false),
        region,
        vpcCidr: z.string(),
        azCount: z.number().int().min(1).default(2),
        /** Tasks the drill region runs while it takes no traffic. @default 1 */
        minTasks: z.number().int().min(1).default(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .transform(withDrillRegion)
  .superRefine((env, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    const production = env.tier === "production";
    const maxTasks = env.service.maxTasks;

    env.drRegions.forEach((dr, i) => {
      if (dr === env.primaryRegion) {
        issue(["drRegions", i], `DR region ${dr} is the primary region; pick a different region`);
      }
      if (env.drRegions.indexOf(dr) !== i) issue(["drRegions", i], `DR region ${dr} is listed twice`);
    });

    if (env.drillRegion && production) {
      issue(
        ["drillRegion"],
        "drillRegion is for non-production environments; production's DR regions are drRegions, and it is drilled with a game day (runbook game-day)",
      );
    }
    if (env.standby.minTasks !== undefined && env.standby.minTasks > maxTasks) {
      issue(
        ["standby", "minTasks"],
        `standby.minTasks (${env.standby.minTasks}) is greater than maxTasks (${maxTasks})`,
      );
    }

    const wanted = [env.primaryRegion, ...env.drRegions];
    for (const r of wanted) {
      if (!env.regions[r]) issue(["regions"], `missing network settings for ${r}; add regions["${r}"]`);
    }
    const cidrs: { region: string; cidr: ReturnType<typeof parseCidr> }[] = [];
    for (const [r, net] of Object.entries(env.regions)) {
      if (!wanted.includes(r)) {
        issue(
          ["regions", r],
          `${r} is neither the primary region nor a DR region; remove it or add it to drRegions`,
        );
        continue;
      }
      try {
        const cidr = parseCidr(net.vpcCidr);
        if (cidr.prefix < 16 || cidr.prefix > 20) {
          issue(["regions", r, "vpcCidr"], `${net.vpcCidr}: use a /16 to /20 VPC block`);
        }
        for (const other of cidrs) {
          if (cidrsOverlap(cidr, other.cidr)) {
            issue(
              ["regions", r, "vpcCidr"],
              `${net.vpcCidr} overlaps ${other.region}'s ${env.regions[other.region].vpcCidr}; give each region its own range`,
            );
          }
        }
        cidrs.push({ region: r, cidr });
      } catch (e) {
        issue(["regions", r, "vpcCidr"], (e as Error).message);
      }
      if (isKnownRegion(r)) {
        const available = regionInfo(r).azLetters.length;
        if (net.azCount > available) {
          issue(
            ["regions", r, "azCount"],
            `${r} has ${available} availability zones; azCount ${net.azCount} is too many`,
          );
        }
      }
      if (production && net.azCount < 2) {
        issue(["regions", r, "azCount"], `production needs at least 2 availability zones in ${r}`);
      }
    }

    const { cpu, memoryMiB, minTasks } = env.service;
    if (!FARGATE_CPU_UNITS.includes(cpu)) {
      issue(["service", "cpu"], `Fargate accepts cpu ${FARGATE_CPU_UNITS.join(", ")}; got ${cpu}`);
    } else if (!fargateMemoryOptions(cpu).includes(memoryMiB)) {
      const options = fargateMemoryOptions(cpu);
      issue(
        ["service", "memoryMiB"],
        `Fargate does not accept ${memoryMiB} MiB with cpu ${cpu}; use ${options[0]} to ${options[options.length - 1]} MiB in steps of ${options[1] - options[0]}`,
      );
    }
    if (minTasks > maxTasks) {
      issue(["service", "minTasks"], `minTasks (${minTasks}) is greater than maxTasks (${maxTasks})`);
    }
    if (production && minTasks < 2) {
      issue(["service", "minTasks"], "production needs at least 2 tasks so one AZ can fail");
    }
    validateDataTier(env, issue);
    validateQueue(env, issue);
    validateLoadTargets(env, issue);
    validateDeployment(env, issue);
  });

type ParsedEnvironment = {
  drRegions: string[];
  regions: Record<string, { vpcCidr: string; azCount: number }>;
  standby: { minTasks?: number };
  cache: { globalDatastore?: boolean };
  drillRegion?: { enabled: boolean; region: string; vpcCidr: string; azCount: number; minTasks: number };
};

/** An enabled drill region becomes a small DR region (see drillRegion); otherwise nothing changes. */
function withDrillRegion<T extends ParsedEnvironment>(env: T): T {
  const drill = env.drillRegion;
  if (!drill?.enabled || env.drRegions.includes(drill.region)) return env;
  return {
    ...env,
    drRegions: [...env.drRegions, drill.region],
    regions: { ...env.regions, [drill.region]: { vpcCidr: drill.vpcCidr, azCount: drill.azCount } },
    standby: { ...env.standby, minTasks: env.standby.minTasks ?? drill.minTasks },
    cache: { ...env.cache, globalDatastore: env.cache.globalDatastore ?? false },
  };
}

/** What an environment file writes (defaults optional). */
export type EnvironmentInput = z.input<typeof environmentSchema>;
/** A validated environment with every default filled in. */
export type EnvironmentConfig = z.output<typeof environmentSchema>;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Validates one environment; throws a ConfigError listing every problem with its field path. */
export function parseEnvironment(input: unknown, source: string): EnvironmentConfig {
  const result = environmentSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    source,
    result.error.issues.flatMap((i) =>
      i.code === z.ZodIssueCode.unrecognized_keys
        ? describeUnknownKeys(environmentSchema, i.path, i.keys)
        : [`${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`],
    ),
  );
}

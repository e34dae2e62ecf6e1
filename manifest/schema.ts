/**
 * The ops manifest: every identifier on-call needs, by region and role.
 *
 * Synth writes it to `cdktf.out/skyline/<env>/manifest.json`; the `skyline` CLI reads it so nobody
 * types a resource name from memory. This file is the contract between the two, so it imports
 * neither cdktf nor any AWS SDK. `schemas/manifest.schema.json` is generated from it
 * (`npx tsx scripts/generate-manifest-schema.ts`); a test fails when that file is stale.
 *
 * Names are deterministic from the config (`<app>-<env>-<region-code>-<role>`), never generated
 * suffixes, because the CLI acts on them directly.
 */
import { z } from "zod/v4";

/** The manifest format version. Bump on any breaking change; the CLI refuses other versions. */
export const MANIFEST_SCHEMA_VERSION = 1;

const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, "must be an AWS region name such as us-east-1")
  .describe("An AWS region name, e.g. `us-east-1`.");

/** Lowercase letters, digits and single hyphens: the shape every skyline resource name takes. */
const resourceName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, "must be lowercase letters, digits and single hyphens")
  .max(255);

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const targetsSchema = z
  .object({
    rpoSeconds: positiveInt.describe(
      "Recovery point objective in seconds. `failover db` refuses when replica lag exceeds it.",
    ),
    rtoMinutes: positiveInt.describe(
      "Recovery time objective in minutes; failover reports measured time against it.",
    ),
    availabilityPercent: z
      .number()
      .gt(0)
      .lt(100)
      .describe("Availability target in percent, e.g. 99.95 (drives alarm thresholds)."),
    p95LatencyMs: positiveInt.describe("p95 latency objective of the API in milliseconds."),
    failoverBudgetMinutes: z
      .object({
        detect: positiveInt.describe("Notice the outage, decide and declare it (before any command runs)."),
        fence: positiveInt.describe("Stop the old primary's writers where it is reachable."),
        promoteDatabase: positiveInt.describe("Promote the target region's replica to the writer."),
        repointWriter: positiveInt.describe(
          "Repoint the service's writer connection (secrets) and roll the service.",
        ),
        cache: positiveInt.describe("Fail the Global Datastore over (or detach the target)."),
        traffic: positiveInt.describe("Move traffic with the data-plane switch."),
        verify: positiveInt.describe("Read and write through the public hostname."),
      })
      .describe(
        "Time budget of each step of a regional failover, in minutes; they sum to rtoMinutes. " +
          "`failover region` and `drill` print each step's measured time against its budget; the runbooks show them.",
      ),
    load: z
      .object({
        concurrentUsers: positiveInt.describe("Users active at the same time."),
        requestsPerSecond: positiveInt.describe(
          "API requests per second at the target, submissions included.",
        ),
        submissionsPerMinute: nonNegativeInt.describe("Test submissions (writes) per minute."),
        headroomPercent: nonNegativeInt.describe(
          "Peak above the target every tier must also carry: target × (1 + headroomPercent / 100).",
        ),
      })
      .optional()
      .describe(
        "The load the environment must carry (the config's `targets`): `skyline capacity` and `skyline cost` default to it.",
      ),
  })
  .refine((t) => Object.values(t.failoverBudgetMinutes).reduce((a, b) => a + b, 0) === t.rtoMinutes, {
    message: "the failover step budgets must sum to rtoMinutes",
    path: ["failoverBudgetMinutes"],
  })
  .describe("Service-level targets from the environment config.");

export const databaseInstanceSchema = z
  .object({
    id: resourceName.describe("RDS DB instance identifier, e.g. `skyline-production-use1-db`."),
    role: z
      .enum(["writer", "reader", "cross-region-replica"])
      .describe(
        "writer: the read-write instance; reader: an in-region read replica; " +
          "cross-region-replica: a read replica of another region's writer (the failover target).",
      ),
    sourceRegion: awsRegion
      .optional()
      .describe("Region of the source instance. Required for a cross-region-replica."),
    sourceId: resourceName.optional().describe("Source DB instance identifier for a replica."),
  })
  .refine((i) => i.role !== "cross-region-replica" || i.sourceRegion !== undefined, {
    message: "a cross-region-replica needs sourceRegion",
    path: ["sourceRegion"],
  });

export const databaseSchema = z
  .object({
    engine: z.string().min(1).describe("RDS engine, e.g. `postgres`."),
    multiAz: z.boolean().describe("Whether the writer is Multi-AZ (`failover az` needs it)."),
    instances: z.array(databaseInstanceSchema).min(1).describe("DB instances in this region, by role."),
    proxy: z
      .object({
        name: resourceName.describe("RDS Proxy name."),
        writerEndpointName: resourceName
          .optional()
          .describe("Proxy endpoint for writes, if not the default."),
        readerEndpointName: resourceName.optional().describe("Proxy endpoint for reads."),
      })
      .optional()
      .describe("RDS Proxy in front of the database, if any."),
    kmsKeyAlias: z
      .string()
      .regex(/^alias\/[A-Za-z0-9/_-]+$/, "must be a KMS alias such as alias/skyline-production-use1-db")
      .describe(
        "KMS key alias that encrypts this region's database and snapshots (used for snapshot copies).",
      ),
    secretName: z
      .string()
      .min(1)
      .optional()
      .describe("Secrets Manager secret holding the connection settings."),
    replicatedBackups: z
      .object({
        sourceRegion: awsRegion,
        sourceId: resourceName.describe("The instance whose automated backups are replicated here."),
      })
      .optional()
      .describe(
        "This region receives the source writer's automated backups (cross-region backup replication): " +
          "a point-in-time restore here works while the source region is down.",
      ),
    iamAuthentication: z
      .boolean()
      .describe(
        "Whether the API logs in with IAM database authentication (a restored instance must enable it too).",
      ),
  })
  .describe("The region's relational database (RDS DB instances).");

export const cacheSchema = z
  .object({
    replicationGroupId: resourceName.max(40).describe("ElastiCache replication group id."),
    engine: z.enum(["redis", "valkey"]).describe("Cache engine."),
    globalDatastoreId: z
      .string()
      .min(1)
      .optional()
      .describe("Global Datastore id when the cache spans regions (`failover cache --to`)."),
    numReplicas: nonNegativeInt.describe("Replicas per shard the config asks for."),
    nodeType: z.string().regex(/^cache\./, "must be an ElastiCache node type such as cache.t4g.small"),
  })
  .describe("The region's ElastiCache replication group.");

export const deploymentSchema = z
  .object({
    strategy: z
      .enum(["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"])
      .describe("How ECS releases a new task definition (config service.deployment.strategy)."),
    bakeTimeMinutes: nonNegativeInt.describe(
      "Minutes ECS keeps blue after all traffic is on green, watching the alarms (0 for ROLLING).",
    ),
    canary: z
      .object({ percent: z.number().positive().max(100), intervalMinutes: nonNegativeInt })
      .optional()
      .describe("CANARY: the share green takes first and for how long."),
    linear: z
      .object({ stepPercent: z.number().positive().max(100), intervalMinutes: nonNegativeInt })
      .optional()
      .describe("LINEAR: the share added per step and the minutes between steps."),
    alarms: z
      .array(z.string().min(1))
      .describe("CloudWatch alarms ECS watches during a deployment; one in ALARM rolls it back."),
    alternateTargetGroup: z
      .string()
      .min(1)
      .max(32)
      .optional()
      .describe("Green's target group (every strategy but ROLLING)."),
    testListener: z
      .object({
        port: positiveInt.describe("HTTPS port of the ALB's test listener."),
        allowedCidrs: z.array(z.string().min(1)).describe("The only ranges that may reach it."),
      })
      .optional()
      .describe("Where green answers before the switch (every strategy but ROLLING)."),
    releaseGate: z
      .object({
        functionName: resourceName.max(64).describe("Lambda function ECS calls as the lifecycle hook."),
        lifecycleStage: z
          .literal("POST_TEST_TRAFFIC_SHIFT")
          .describe("Where the gate holds a release: green on the test listener, production all on blue."),
        verdictParameter: z
          .string()
          .regex(/^\/[A-Za-z0-9_.\-/]+$/, "must be an SSM parameter path such as /<name>/api/release-verdict")
          .describe(
            "SSM parameter the pipeline (or an operator) writes: `<service deployment ARN> passed|failed`.",
          ),
        waitMinutes: positiveInt.describe(
          "Minutes the gate waits for a verdict before it fails the release.",
        ),
      })
      .optional()
      .describe(
        "The release gate (every strategy but ROLLING): ECS holds each release at POST_TEST_TRAFFIC_SHIFT until the verdict parameter names it passed (go on) or failed (roll back).",
      ),
  })
  .describe("How the API service takes a release: `skyline deploy status` and `deploy rollback` read it.");

export const serviceSchema = z
  .object({
    cluster: resourceName.describe("ECS cluster name."),
    service: resourceName.describe("ECS service name."),
    containerName: z.string().min(1).describe("Main container name in the task definition."),
    taskFamily: resourceName.describe(
      "Task definition family of the API, e.g. `skyline-production-use1-api`.",
    ),
    autoscaling: z
      .object({
        resourceId: z
          .string()
          .regex(/^service\/[^/]+\/[^/]+$/, "must be service/<cluster>/<service>")
          .describe("Application Auto Scaling resource id: `service/<cluster>/<service>`."),
        scalableDimension: z.literal("ecs:service:DesiredCount"),
        minCapacity: nonNegativeInt.describe("Minimum tasks the config asks for."),
        maxCapacity: positiveInt.describe("Maximum tasks the config asks for."),
      })
      .refine((a) => a.minCapacity <= a.maxCapacity, {
        message: "minCapacity must not exceed maxCapacity",
        path: ["minCapacity"],
      })
      .optional()
      .describe("Auto-scaling target, when the service scales on load."),
    deployment: deploymentSchema.optional(),
  })
  .describe("The region's ECS service running the API.");

export const kubernetesSchema = z
  .object({
    cluster: resourceName.max(100).describe("EKS cluster name, e.g. `skyline-production-use1-eks`."),
    namespace: resourceName.max(63).describe("Namespace of the API's workload."),
    deployment: resourceName.max(253).describe("Deployment running the API's pods."),
    horizontalPodAutoscaler: resourceName
      .max(253)
      .describe("HorizontalPodAutoscaler that owns the Deployment's replica count."),
    minReplicas: positiveInt.describe("Fewest pods the config asks for."),
    maxReplicas: positiveInt.describe("Most pods the config asks for."),
  })
  .refine((k) => k.minReplicas <= k.maxReplicas, {
    message: "minReplicas must not exceed maxReplicas",
    path: ["minReplicas"],
  })
  .describe(
    "The region's API on EKS (compute eks): act on it with kubectl; the ALB target group holds its pods.",
  );

export const queueSchema = z
  .object({
    name: resourceName
      .max(80)
      .describe("SQS queue of asynchronous submissions, e.g. `skyline-production-use1-submissions`."),
    url: z
      .string()
      .startsWith("https://")
      .describe("The queue's URL (deterministic from account, region and name)."),
    deadLetterQueue: z
      .object({
        name: resourceName.max(80),
        url: z.string().startsWith("https://"),
        arn: z.string().startsWith("arn:"),
      })
      .describe("Where messages go after maxReceiveCount receives; `skyline queue redrive` moves them back."),
    maxReceiveCount: positiveInt.describe("Receives before a message is dead-lettered."),
    visibilityTimeoutSeconds: positiveInt.describe(
      "How long a received message stays hidden from other workers.",
    ),
    backlogPerWorkerTarget: positiveInt.describe(
      "Visible messages per running worker that autoscaling keeps.",
    ),
    workers: z
      .discriminatedUnion("kind", [
        z.object({
          kind: z.literal("ecs"),
          cluster: resourceName.max(255),
          service: resourceName.max(255),
          taskFamily: resourceName.max(255),
          autoscaling: z.object({
            resourceId: z.string().startsWith("service/"),
            scalableDimension: z.literal("ecs:service:DesiredCount"),
            minCapacity: positiveInt,
            maxCapacity: positiveInt,
          }),
        }),
        z.object({
          kind: z.literal("eks"),
          cluster: resourceName.max(100),
          namespace: resourceName.max(63),
          deployment: resourceName.max(253),
          scaledObject: resourceName
            .max(253)
            .describe("KEDA ScaledObject that owns the Deployment's replicas."),
          minReplicas: positiveInt,
          maxReplicas: positiveInt,
        }),
      ])
      .describe("The workers that consume the queue: an ECS service, or a Deployment scaled by KEDA."),
  })
  .describe("The region's submission queue and its workers (queue tier on).");

export const regionSchema = z
  .object({
    role: z.enum(["primary", "secondary"]).describe("primary holds the writer; secondaries hold replicas."),
    regionCode: z
      .string()
      .regex(/^[a-z]{2,5}\d$/, "must be a short region code such as use1")
      .describe("Short code used in names, e.g. `use1`."),
    stack: z.string().min(1).describe("CDKTF stack name of this region."),
    database: databaseSchema.optional(),
    cache: cacheSchema.optional(),
    service: serviceSchema
      .optional()
      .describe(
        "The region's ECS service running the API (compute ecs). Exactly one of service, kubernetes.",
      ),
    kubernetes: kubernetesSchema.optional(),
    queue: queueSchema.optional(),
    loadBalancer: z
      .object({
        name: z.string().min(1).max(32).describe("ALB name."),
        targetGroups: z
          .array(z.string().min(1).max(32))
          .min(1)
          .describe("Target group names behind the ALB."),
      })
      .describe("The region's Application Load Balancer."),
    backup: z
      .object({
        vaultName: z.string().min(1).describe("Backup vault in this region (DR regions: where copies land)."),
        planName: z
          .string()
          .min(1)
          .optional()
          .describe("Backup plan; absent in a region whose vault only receives copies."),
      })
      .optional()
      .describe("AWS Backup vault and plan, if backups use AWS Backup."),
    alarms: z
      .object({
        regionUnhealthy: z.string().min(1).describe("Composite alarm that means 'this region is unhealthy'."),
        names: z.array(z.string().min(1)).describe("Every other alarm in the region, shown by status."),
        canServe: z
          .array(z.string().min(1))
          .describe(
            "The alarms (a subset of names) that say whether this region can serve; the failover gates read " +
              "them with regionUnhealthy. Replica lag is not among them: it is a fact about the source region.",
          ),
      })
      .describe("CloudWatch alarm names."),
  })
  .describe("Everything skyline runs in one region.");

export const globalSchema = z
  .object({
    stack: z.string().min(1).describe("CDKTF stack name of the global stack."),
    hostedZoneName: z.string().min(1).describe("Route 53 public hosted zone, e.g. `example.com`."),
    apiRecordName: z
      .string()
      .min(1)
      .describe("Fully qualified API record with failover routing, e.g. `api.example.com`."),
    healthChecks: z
      .record(
        awsRegion,
        z.object({
          name: z.string().min(1).describe("Value of the health check's Name tag."),
          resourcePath: z.string().startsWith("/").describe("Path the health check requests, e.g. `/ready`."),
        }),
      )
      .describe("Route 53 health checks by region; the API record's set identifier is the region name."),
    publicHostname: z
      .string()
      .min(1)
      .describe(
        "The name users reach the product on (the CloudFront alias), e.g. `example.com`: post-failover checks " +
          "read and write through https://<publicHostname>. The origin name admits only CloudFront and Route 53's checkers.",
      ),
    failoverOrder: z
      .array(awsRegion)
      .min(1)
      .describe("The regions in the order Route 53 fails over through them (the primary first)."),
    trafficSwitch: z
      .object({
        namespace: z.string().min(1).describe("CloudWatch namespace of the switch metric."),
        metricName: z.string().min(1).describe("Metric whose value 1 forces a region out, 0 lets it serve."),
        dimension: z.string().min(1).describe("Dimension naming the switch; its value is `dimensionValue`."),
        regions: z
          .record(
            awsRegion,
            z.object({
              alarmName: z.string().min(1).describe("The switch alarm, the same name in every host region."),
              dimensionValue: z.string().min(1),
              hostRegions: z
                .array(awsRegion)
                .min(1)
                .describe(
                  "Regions that keep a copy of this region's switch: every other region of the chain.",
                ),
            }),
          )
          .describe("Each region's switch, by the region it takes out of the chain."),
      })
      .optional()
      .describe(
        "The data-plane traffic switch (two or more regions): a region is forced out while any copy of its " +
          "alarm is in ALARM; skyline sets it with PutMetricData and SetAlarmState in regions that are up.",
      ),
    distributionComment: z
      .string()
      .optional()
      .describe("CloudFront distribution comment, if a CDN fronts the API."),
    ecrRepository: z.string().optional().describe("ECR repository of the API image."),
  })
  .describe("Resources of the environment's global stack.");

export const stateBackendSchema = z
  .object({
    bucket: z.string().min(1).describe("S3 bucket every stack keeps its state in."),
    region: awsRegion.describe("Region of the bucket."),
    replica: z
      .object({ bucket: z.string().min(1), region: awsRegion })
      .optional()
      .describe(
        "The bucket's replica in the first DR region (S3 replication): plan and apply from it while the bucket's region is down.",
      ),
    stacks: z
      .record(z.string().min(1), z.string().min(1))
      .describe("State object key of each stack, by stack name (the same key in the replica)."),
  })
  .describe("Where Terraform state lives, for applying during an outage of the bucket's region.");

/**
 * Config paths the CLI names in its drift notice: a change made by `skyline scale` is reverted by the
 * next deploy unless this config field changes too. Values read like `service.minTasks`.
 */
export const configFieldsSchema = z
  .object({
    file: z
      .string()
      .min(1)
      .describe("Config file of the environment, e.g. `stacks/config/environments/production.ts`."),
    primaryRegion: z.string().min(1).describe("Field naming the primary region."),
    serviceMinTasks: z.string().min(1),
    serviceMaxTasks: z.string().min(1),
    serviceDesiredTasks: z.string().min(1),
    databaseInstanceClass: z.string().min(1),
    cacheNumReplicas: z.string().min(1),
    cacheNodeType: z.string().min(1),
    queueWorkerMinTasks: z
      .string()
      .min(1)
      .optional()
      .describe("Minimum queue workers (`skyline scale workers`); present when the queue tier is on."),
    queueWorkerMaxTasks: z.string().min(1).optional(),
  })
  .describe("Where each knob the CLI can change lives in the config.");

export const opsManifestSchema = z
  .object({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION).describe("Manifest format version."),
    app: resourceName.describe("Application name, the first part of every resource name."),
    environment: resourceName.describe("Environment name, e.g. `production`."),
    primaryRegion: awsRegion.describe("The region that holds the writer."),
    generatedAt: z.string().optional().describe("ISO-8601 time synth wrote the manifest."),
    accountId: z
      .string()
      .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
      .describe("The AWS account the environment runs in (ARNs in the runbooks name it)."),
    tier: z
      .enum(["production", "non-production"])
      .describe("The environment's tier: `skyline drill` runs on non-production environments only."),
    targets: targetsSchema,
    regions: z
      .record(awsRegion, regionSchema)
      .describe("Every region of the environment, keyed by region name."),
    global: globalSchema.optional(),
    stateBackend: stateBackendSchema,
    secrets: z
      .object({
        ownerRegion: awsRegion.describe("Region that owns the shared secrets (the primary at synth)."),
        replicated: z
          .array(z.string().min(1))
          .describe(
            "Secrets the owner replicates to every other region. After a regional failover the target promotes " +
              "its replicas (StopReplicationToReplica) so they can be changed while the owner is down.",
          ),
      })
      .describe("Secrets Manager secrets every region shares."),
    configFields: configFieldsSchema,
  })
  .superRefine((m, ctx) => {
    const primary = m.regions[m.primaryRegion];
    if (!primary) {
      ctx.addIssue({
        code: "custom",
        path: ["primaryRegion"],
        message: `"${m.primaryRegion}" is not a key of regions`,
      });
    } else if (primary.role !== "primary") {
      ctx.addIssue({
        code: "custom",
        path: ["regions", m.primaryRegion, "role"],
        message: "must be primary",
      });
    }
    for (const [name, region] of Object.entries(m.regions)) {
      if (name !== m.primaryRegion && region.role === "primary") {
        ctx.addIssue({
          code: "custom",
          path: ["regions", name, "role"],
          message: "only primaryRegion may be primary",
        });
      }
      // The API runs on exactly one of ECS and EKS; the CLI picks its checks by which one is present.
      if ((region.service === undefined) === (region.kubernetes === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["regions", name, region.service ? "kubernetes" : "service"],
          message: region.service
            ? "a region runs the API on ECS (service) or EKS (kubernetes), not both; remove one"
            : "missing: give the region's API as service (ECS) or kubernetes (EKS)",
        });
      }
      (region.database?.instances ?? []).forEach((instance, index) => {
        if (instance.sourceRegion !== undefined && !m.regions[instance.sourceRegion]) {
          ctx.addIssue({
            code: "custom",
            path: ["regions", name, "database", "instances", index, "sourceRegion"],
            message: `"${instance.sourceRegion}" is not a key of regions`,
          });
        }
      });
    }
    for (const [index, region] of (m.global?.failoverOrder ?? []).entries()) {
      if (!m.regions[region]) {
        ctx.addIssue({
          code: "custom",
          path: ["global", "failoverOrder", index],
          message: `"${region}" is not a key of regions`,
        });
      }
    }
    for (const [region, sw] of Object.entries(m.global?.trafficSwitch?.regions ?? {})) {
      for (const [index, host] of sw.hostRegions.entries()) {
        if (!m.regions[host] || host === region) {
          ctx.addIssue({
            code: "custom",
            path: ["global", "trafficSwitch", "regions", region, "hostRegions", index],
            message:
              host === region
                ? "a region's switch lives in the other regions"
                : `"${host}" is not a key of regions`,
          });
        }
      }
    }
    for (const region of Object.keys(m.global?.healthChecks ?? {})) {
      if (!m.regions[region]) {
        ctx.addIssue({
          code: "custom",
          path: ["global", "healthChecks", region],
          message: "not a key of regions",
        });
      }
    }
  })
  .describe("skyline ops manifest: every identifier on-call needs, by region and role.");

export type OpsManifest = z.infer<typeof opsManifestSchema>;
export type RegionManifest = z.infer<typeof regionSchema>;
export type DatabaseManifest = z.infer<typeof databaseSchema>;
export type DatabaseInstanceManifest = z.infer<typeof databaseInstanceSchema>;
export type CacheManifest = z.infer<typeof cacheSchema>;
export type ServiceManifest = z.infer<typeof serviceSchema>;
export type DeploymentManifest = z.infer<typeof deploymentSchema>;
export type KubernetesManifest = z.infer<typeof kubernetesSchema>;
export type QueueManifest = z.infer<typeof queueSchema>;

/** Thrown by parseManifest; `issues` lists every bad field as `path: message`. */
export class ManifestError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid ops manifest ${source}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "ManifestError";
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(root)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

/**
 * Validates a parsed manifest (the result of JSON.parse) and returns it typed.
 * @param json the parsed JSON value
 * @param source where it came from (a file path), quoted in the error
 * @throws ManifestError listing every invalid field path
 */
export function parseManifest(json: unknown, source: string): OpsManifest {
  const result = opsManifestSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ManifestError(
    source,
    result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  );
}

/** The JSON Schema (draft 2020-12) of the manifest, as written to schemas/manifest.schema.json. */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://skyline.dev/schemas/manifest.schema.json",
    title: "skyline ops manifest",
    ...z.toJSONSchema(opsManifestSchema, {
      io: "input",
      override: (ctx) => {
        // Refinements do not reach JSON Schema: say "exactly one of service, kubernetes" in its terms.
        if (ctx.zodSchema === regionSchema) {
          ctx.jsonSchema.oneOf = [{ required: ["service"] }, { required: ["kubernetes"] }];
        }
      },
    }),
  };
}

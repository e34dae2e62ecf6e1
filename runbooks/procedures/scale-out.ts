/**
 * Scale out for a traffic spike: more API tasks, a bigger database class, more cache replicas or
 * bigger cache nodes. Every change is reverted by the next deploy unless the config changes too.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";
import { kubeconfig, kubectl, kubernetesOf, workloadName } from "./kubernetes";

/** Node sizes in order; the next one up is the runbook's suggestion for a bigger node. */
const SIZES = [
  "micro",
  "small",
  "medium",
  "large",
  "xlarge",
  "2xlarge",
  "4xlarge",
  "8xlarge",
  "12xlarge",
  "16xlarge",
];
/** ElastiCache's replicas-per-shard limit. */
const MAX_REPLICAS = 5;

/** `cache.r7g.large` → `cache.r7g.xlarge`; undefined when there is no known bigger size of the family. */
export function nextNodeType(nodeType: string): string | undefined {
  const [prefix, family, size] = nodeType.split(".");
  const index = SIZES.indexOf(size ?? "");
  if (!family || index < 0 || index === SIZES.length - 1) return undefined;
  // Burstable families (t3, t4g) stop at medium.
  if (family.startsWith("t") && SIZES[index + 1] === "large") return undefined;
  return `${prefix}.${family}.${SIZES[index + 1]}`;
}

/** EKS: the HorizontalPodAutoscaler owns the pod count; widen its range. */
function podsStep(f: RunbookFacts, region: string): RunbookStep {
  const k = kubernetesOf(f, region)!;
  const fields = f.manifest.configFields;
  const min = k.minReplicas * 2;
  const max = Math.max(min, k.maxReplicas * 2);
  const range = JSON.stringify({ spec: { minReplicas: min, maxReplicas: max } });
  return {
    title: `More API pods in ${region}`,
    text: [
      `The HorizontalPodAutoscaler ${code(k.horizontalPodAutoscaler)} keeps ${workloadName(k)} between ` +
        `${k.minReplicas} and ${k.maxReplicas} pods. If it sits at the maximum, double the range (here to ${min}–${max}) ` +
        `with ${kubectl(k, `patch hpa ${k.horizontalPodAutoscaler} -p '${range}'`)}; check it with ` +
        `${kubectl(k, `get hpa,deployment ${k.deployment}`)}. (${code("scale service")} acts on ECS services only.)`,
      "More pods need node capacity: pods stuck in Pending mean the node group is at its maximum size " +
        "(raise it in the EKS console or the config's node sizes).",
      `Drift: the next deploy resets this unless ${code(fields.file)} → ${code(fields.serviceMinTasks)} / ` +
        `${code(fields.serviceMaxTasks)} change too.`,
    ],
    skyline: [f.skyline("status", region)],
    aws: kubeconfig(f, k, region),
  };
}

function serviceStep(f: RunbookFacts, region: string): RunbookStep {
  const entry = f.region(region);
  if (!entry.service) return podsStep(f, region);
  const { cluster, service, autoscaling } = entry.service;
  const fields = f.manifest.configFields;
  if (!autoscaling) {
    return {
      title: `More API tasks in ${region}`,
      text: [
        `${code(service)} has no autoscaling target: read its running count, then set the task count ` +
          `directly with ${code("scale service --desired <tasks>")} (about twice the running count).`,
        `Drift: change ${code(fields.file)} → ${code(fields.serviceDesiredTasks)} too.`,
      ],
      skyline: [f.skyline("status", region)],
      aws: [
        ...f.aws(
          "ecs describe-services",
          [
            ["--cluster", cluster],
            ["--services", service],
            ["--query", "'services[0].[runningCount,desiredCount]'"],
          ],
          region,
        ),
        ...f.aws(
          "ecs update-service",
          [
            ["--cluster", cluster],
            ["--service", service],
            ["--desired-count", "<tasks>"],
          ],
          region,
        ),
      ],
    };
  }
  const min = Math.max(1, autoscaling.minCapacity * 2);
  const max = Math.max(min, autoscaling.maxCapacity * 2);
  return {
    title: `More API tasks in ${region}`,
    text: [
      `Autoscaling keeps ${code(service)} between ${autoscaling.minCapacity} and ${autoscaling.maxCapacity} ` +
        `tasks. If it sits at the maximum, double the range (here to ${min}–${max}); raise the desired ` +
        "count too when the spike is faster than autoscaling (it must stay inside the range).",
      `Drift: the next deploy resets this unless ${code(fields.file)} → ${code(fields.serviceMinTasks)} / ` +
        `${code(fields.serviceMaxTasks)} change too.`,
    ],
    skyline: [
      f.skyline(`scale service --min ${min} --max ${max} --dry-run`, region),
      f.skyline(`scale service --min ${min} --max ${max}`, region),
      f.skyline(`scale service --desired ${min}`, region),
    ],
    aws: [
      ...f.aws(
        "application-autoscaling register-scalable-target",
        [
          ["--service-namespace", "ecs"],
          ["--resource-id", autoscaling.resourceId],
          ["--scalable-dimension", autoscaling.scalableDimension],
          ["--min-capacity", String(min)],
          ["--max-capacity", String(max)],
        ],
        region,
      ),
      ...f.aws(
        "ecs update-service",
        [
          ["--cluster", cluster],
          ["--service", service],
          ["--desired-count", String(min)],
        ],
        region,
      ),
      ...f.aws(
        "ecs wait services-stable",
        [
          ["--cluster", cluster],
          ["--services", service],
        ],
        region,
      ),
    ],
  };
}

function databaseStep(f: RunbookFacts, region: string): RunbookStep[] {
  const database = f.region(region).database;
  const writer = f.writer(region);
  if (!database || !writer) return [];
  const fields = f.manifest.configFields;
  return [
    {
      title: `A bigger database class in ${region}`,
      text: [
        `When ${code(writer.id)} is CPU- or connection-bound. The manifest does not hold the current class: read it, ` +
          `then pick the next size up (e.g. ${code("db.r7g.xlarge")} → ${code("db.r7g.2xlarge")}).`,
        database.multiAz
          ? "Multi-AZ: RDS resizes the standby, then fails over to it: about a minute of errors."
          : "Single-AZ: the instance is unavailable while it is resized (several minutes). Prefer off-peak.",
        `Drift: change ${code(fields.file)} → ${code(fields.databaseInstanceClass)} too.`,
        ...(f.drTargets.length > 0
          ? [
              "Resize the cross-region replicas to the same class afterwards, or a failover lands on too small an instance.",
            ]
          : []),
      ],
      skyline: [
        f.skyline("scale db --class <db-instance-class> --dry-run", region),
        f.skyline("scale db --class <db-instance-class>", region),
        ...f.drTargets.map((d) =>
          f.skyline("scale db --class <db-instance-class> --role cross-region-replica", d.region),
        ),
      ],
      aws: [
        ...f.aws(
          "rds describe-db-instances",
          [
            ["--db-instance-identifier", writer.id],
            ["--query", "'DBInstances[0].[DBInstanceClass,PendingModifiedValues]'"],
          ],
          region,
        ),
        ...f.aws(
          "rds modify-db-instance",
          [
            ["--db-instance-identifier", writer.id],
            ["--db-instance-class", "<db-instance-class>"],
            ["--apply-immediately"],
          ],
          region,
        ),
        ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", writer.id]], region),
      ],
    },
  ];
}

function cacheStep(f: RunbookFacts, region: string): RunbookStep[] {
  const cache = f.region(region).cache;
  if (!cache) return [];
  const id = cache.replicationGroupId;
  const fields = f.manifest.configFields;
  const replicas = Math.min(cache.numReplicas + 1, MAX_REPLICAS);
  const bigger = nextNodeType(cache.nodeType);
  const node = bigger ?? "<cache-node-type>";
  const text = [
    `Read-heavy load: add a replica (${cache.numReplicas} → ${replicas}). Memory or CPU per node: ` +
      (bigger
        ? `move from ${code(cache.nodeType)} to ${code(bigger)}.`
        : `${code(cache.nodeType)} is the largest size of its family: pick a bigger family.`) +
      " Node replacement resets connections briefly.",
    `Drift: change ${code(fields.file)} → ${code(fields.cacheNumReplicas)} / ${code(fields.cacheNodeType)} too.`,
    ...(cache.globalDatastoreId
      ? [
          `${code(id)} is a member of the Global Datastore ${code(cache.globalDatastoreId)}: a node type ` +
            "change applies to every member and goes through the Global Datastore (the AWS CLI line below).",
        ]
      : []),
  ];
  return [
    {
      title: `More cache capacity in ${region}`,
      text,
      skyline: [
        ...(cache.numReplicas < MAX_REPLICAS
          ? [f.skyline(`scale cache --replicas ${replicas}`, region)]
          : []),
        ...(cache.globalDatastoreId ? [] : [f.skyline(`scale cache --node-type ${node}`, region)]),
      ],
      aws: [
        ...(cache.numReplicas < MAX_REPLICAS
          ? f.aws(
              "elasticache increase-replica-count",
              [
                ["--replication-group-id", id],
                ["--new-replica-count", String(replicas)],
                ["--apply-immediately"],
              ],
              region,
            )
          : []),
        ...(cache.globalDatastoreId
          ? f.aws(
              "elasticache modify-global-replication-group",
              [
                ["--global-replication-group-id", cache.globalDatastoreId],
                ["--cache-node-type", node],
                ["--apply-immediately"],
              ],
              region,
            )
          : f.aws(
              "elasticache modify-replication-group",
              [["--replication-group-id", id], ["--cache-node-type", node], ["--apply-immediately"]],
              region,
            )),
      ],
    },
  ];
}

function deployCheck(f: RunbookFacts, region: string): RunbookStep {
  const text =
    "Rule out a bad deploy and a retry storm: compare the start of the spike with the last deploy " +
    "and with request counts per client.";
  const service = f.primary.service;
  const k = kubernetesOf(f, region);
  if (!service && k) {
    return {
      text: [`${text} On EKS: ${kubectl(k, `rollout history deployment ${k.deployment}`)}.`],
      aws: kubeconfig(f, k, region),
    };
  }
  return {
    text: [text],
    aws: service
      ? f.aws(
          "ecs describe-services",
          [
            ["--cluster", service.cluster],
            ["--services", service.service],
            ["--query", "'services[0].[runningCount,desiredCount,deployments[0].createdAt]'"],
          ],
          region,
        )
      : [],
  };
}

export function scaleOutRunbook(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  const t = f.manifest.targets;
  const alarms = f.regions.flatMap((r) => f.alarms(r, ["api", "capacity", "database", "cache"]));
  return {
    name: "scale-out",
    title: `Scale out for a traffic spike (${f.env})`,
    summary:
      "Add capacity where the spike saturates: API tasks, the database class, cache replicas or node size.",
    symptoms: [
      `API p95 latency above ${t.p95LatencyMs} ms or 5xx from timeouts while traffic is well above normal.`,
      "ECS tasks at the autoscaling maximum or high CPU; database CPU or connections high; cache CPU, " +
        "memory or evictions high.",
      "Not after a deploy: errors that start with a deploy are deploy-rollback, not scale-out.",
    ],
    alarms,
    preChecks: [
      {
        text: [
          `Find the saturated tier in the region that takes traffic (${code(region)} unless DNS was failed over).`,
        ],
        skyline: [f.skyline("status", region)],
        aws: f.aws(
          "cloudwatch describe-alarms",
          [
            ["--alarm-name-prefix", f.prefix(region)],
            ["--state-value", "ALARM"],
            ["--query", "'MetricAlarms[].AlarmName'"],
          ],
          region,
        ),
      },
      deployCheck(f, region),
    ],
    procedure: [serviceStep(f, region), ...databaseStep(f, region), ...cacheStep(f, region)],
    postChecks: [
      {
        text: [
          `Running tasks equal desired, alarms back to OK, p95 latency under ${t.p95LatencyMs} ms for 15 minutes.`,
        ],
        skyline: [f.skyline("status", region)],
      },
    ],
    followUps: [
      `Every ${code("scale")} change is reverted by the next deploy: put the new values in ` +
        `${code(f.manifest.configFields.file)} (the drift notice names each field), or scale back on purpose.`,
      "Scale back down once traffic is normal for a day; check cost.",
      "Review the autoscaling policy and alarm thresholds if they reacted late.",
      ...(f.secondaries.length > 0
        ? [
            `Standby regions (${f.secondaries.map((r) => code(r)).join(", ")}) must be able to carry the ` +
              "new load after a failover: scale them to match.",
          ]
        : []),
    ],
    related: ["deploy-rollback", "cache-failover"],
    values: f.writer(region)
      ? [
          {
            placeholder: "<db-instance-class>",
            meaning:
              "The next size up from the class describe-db-instances shows, e.g. db.r7g.2xlarge after db.r7g.xlarge.",
          },
        ]
      : [],
  };
}

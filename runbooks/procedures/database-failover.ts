/**
 * Regional database failover: promote the cross-region replica in the DR region to the writer.
 * An environment without a DR region gets the same runbook saying so, with its in-region options.
 */
import { code, table } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { DrTarget, RunbookFacts } from "../runbook-facts";
import { kubeconfig, kubectl, kubernetesOf, workloadName } from "./kubernetes";

const NAME = "database-failover";

function title(f: RunbookFacts): string {
  return `Database failover to a DR region (${f.env})`;
}

/** Commands that stop the old primary region's API from writing: scale its service to zero. */
function fenceService(f: RunbookFacts): RunbookStep {
  const region = f.primaryRegion;
  const k = kubernetesOf(f, region);
  if (k || !f.primary.service) return fencePods(f, region);
  const { cluster, service, autoscaling } = f.primary.service;
  return {
    text: [
      `If ${code(region)} is still partly up, stop its API from writing to the old writer first, so ` +
        `nothing is written there after the promotion (split brain): scale ${code(service)} to 0 tasks.`,
    ],
    skyline: [
      ...(autoscaling ? [f.skyline("scale service --min 0 --max 1", region)] : []),
      f.skyline("scale service --desired 0", region),
    ],
    aws: [
      ...(autoscaling
        ? f.aws(
            "application-autoscaling register-scalable-target",
            [
              ["--service-namespace", "ecs"],
              ["--resource-id", autoscaling.resourceId],
              ["--scalable-dimension", autoscaling.scalableDimension],
              ["--min-capacity", "0"],
              ["--max-capacity", "1"],
            ],
            region,
          )
        : []),
      ...f.aws(
        "ecs update-service",
        [
          ["--cluster", cluster],
          ["--service", service],
          ["--desired-count", "0"],
        ],
        region,
      ),
    ],
  };
}

/** EKS: scale the Deployment to zero; the HPA leaves a Deployment at 0 replicas alone. */
function fencePods(f: RunbookFacts, region: string): RunbookStep {
  const k = kubernetesOf(f, region)!;
  return {
    text: [
      `If ${code(region)} is still partly up, stop its API from writing to the old writer first, so ` +
        `nothing is written there after the promotion (split brain): scale ${workloadName(k)} to 0 pods ` +
        `with ${kubectl(k, `scale deployment ${k.deployment} --replicas 0`)} (the HorizontalPodAutoscaler ` +
        "does not scale a Deployment that is at 0). The cluster API must still answer.",
    ],
    aws: kubeconfig(f, k, region),
  };
}

/** The name of the region's API, ECS service or EKS Deployment, as inline code. */
function apiName(f: RunbookFacts, region: string): string {
  const entry = f.region(region);
  return entry.service ? code(entry.service.service) : workloadName(entry.kubernetes!);
}

/** Restart the API in the promoted region so its connection pools reopen against the new writer. */
function reconnectStep(f: RunbookFacts, target: DrTarget): RunbookStep {
  const to = target.region;
  const db = target.entry.database;
  const reads =
    `The API in ${code(to)} already connects to ${code(target.replica.id)} itself` +
    (db?.proxy ? ` through ${code(db.proxy.name)}` : "") +
    ` with its IAM login, so nothing is repointed; until now every write it tried failed (a read replica).`;
  const service = target.entry.service;
  const k = target.entry.kubernetes;
  if (!service && k) {
    return {
      title: "Reconnect the API in the new region",
      budgetMinutes: f.budget("repointWriter"),
      text: [
        `${reads} Restart its pods so connection pools reopen against the writer: ` +
          `${kubectl(k, `rollout restart deployment ${k.deployment}`)}, then ` +
          `${kubectl(k, `rollout status deployment ${k.deployment}`)}.`,
      ],
      aws: kubeconfig(f, k, to),
    };
  }
  return {
    title: "Reconnect the API in the new region",
    budgetMinutes: f.budget("repointWriter"),
    text: [`${reads} Restart its tasks so connection pools reopen against the writer.`],
    aws: service
      ? [
          ...f.aws(
            "ecs update-service",
            [["--cluster", service.cluster], ["--service", service.service], ["--force-new-deployment"]],
            to,
          ),
          ...f.aws(
            "ecs wait services-stable",
            [
              ["--cluster", service.cluster],
              ["--services", service.service],
            ],
            to,
          ),
        ]
      : [],
  };
}

function withoutDrRegion(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  const writer = f.writer(region);
  const multiAz = f.primary.database?.multiAz === true;
  const inRegion: RunbookStep = multiAz
    ? {
        title: "Fail over within the region",
        text: [
          `${code(writer?.id ?? "The writer")} is Multi-AZ: fail it over to its standby (no data loss, a ` +
            "minute or two of errors).",
        ],
        skyline: [f.skyline("failover az --dry-run", region), f.skyline("failover az", region)],
        aws: writer
          ? f.aws(
              "rds reboot-db-instance",
              [["--db-instance-identifier", writer.id], ["--force-failover"]],
              region,
            )
          : [],
      }
    : {
        title: "No in-region standby either",
        text: [
          `${code(writer?.id ?? "The writer")} is single-AZ, so ${code("failover az")} refuses too. ` +
            "Recover by restoring from a snapshot or a point in time: see snapshot-and-restore.",
        ],
        skyline: [f.skyline("runbook show snapshot-and-restore")],
      };
  return {
    name: NAME,
    title: title(f),
    summary:
      `${f.env} runs in ${region} only: it has no DR region and no cross-region replica, so there is ` +
      "no regional database failover. This runbook lists what to do instead.",
    symptoms: [
      `The writer ${code(writer?.id ?? "of the database")} in ${code(region)} is unavailable or the region is impaired.`,
      `${f.env} has no DR region: ${code("failover db")} has no target here.`,
    ],
    alarms: f.alarms(region, ["database"], true),
    preChecks: [
      {
        text: ["See what is down and whether it is the database."],
        skyline: [f.skyline("status", region)],
      },
    ],
    procedure: [
      {
        title: "No DR region",
        text: [
          `${f.env} has no DR region, so there is no replica to promote. Wait for the region to ` +
            `recover if that fits the RTO of ${f.manifest.targets.rtoMinutes} min; otherwise recover in place.`,
        ],
      },
      inRegion,
    ],
    postChecks: [
      {
        text: [`The writer is available and the API in ${code(region)} is ready.`],
        skyline: [f.skyline("status", region)],
      },
    ],
    followUps: [
      `If ${f.env} must survive a regional outage, add a DR region to ${code(f.manifest.configFields.file)}.`,
    ],
    related: ["snapshot-and-restore", "dns-failover"],
  };
}

/** A procedure step listing the other DR regions, when there are any. */
function otherTargets(f: RunbookFacts, target: DrTarget): RunbookStep[] {
  const others = f.drTargets.filter((d) => d !== target);
  if (others.length === 0) return [];
  return [
    {
      title: `If ${target.region} cannot take over`,
      text: [
        "Other DR regions hold a replica too." +
          (f.manifest.global
            ? ` Route 53 falls through the regions in order (${f.manifest.global.failoverOrder.map(code).join(", ")}); ` +
              `to serve from a later one, promote its replica and send traffic there with ${code("failover dns --to")} ` +
              "that region, which forces every region ahead of it out."
            : ""),
        table(
          ["Region", "Replica", "Command"],
          others.map((d) => [
            code(d.region),
            code(d.replica.id),
            code(f.skyline(`failover db --to ${d.region}`)),
          ]),
        ).join("\n"),
      ],
    },
  ];
}

export function databaseFailoverRunbook(f: RunbookFacts): RunbookDocument {
  const target = f.drTarget;
  if (!target) return withoutDrRegion(f);
  const from = f.primaryRegion;
  const to = target.region;
  const replica = target.replica.id;
  const oldWriter = target.replica.sourceId ?? f.writer(from)?.id;
  const rpo = f.manifest.targets.rpoSeconds;
  const multiAz = f.primary.database?.multiAz === true;
  const cacheGlobal = f.primary.cache?.globalDatastoreId && target.entry.cache?.globalDatastoreId;
  const otherReplicas = f.drTargets.filter((d) => d !== target);

  return {
    name: NAME,
    title: title(f),
    summary:
      `Promote the cross-region replica ${replica} in ${to} to the writer when the writer in ${from} ` +
      "or the whole region is lost and will not be back within the RTO.",
    symptoms: [
      `The writer ${code(oldWriter ?? "")} in ${code(from)} is unreachable or failing, or AWS reports ` +
        `an impairment of ${code(from)} that will outlast the RTO.`,
      multiAz
        ? `An in-region failover is not enough: ${code(f.skyline("failover az", from))} failed or the whole region is affected.`
        : `The writer is single-AZ, so there is no in-region standby to fail over to.`,
      `The composite alarm ${code(f.primary.alarms.regionUnhealthy)} is in ALARM while ` +
        `${code(target.entry.alarms.regionUnhealthy)} is OK.`,
    ],
    alarms: f.alarms(from, ["database"], true),
    preChecks: [
      {
        text: [
          `Confirm it is regional, not one AZ. If only the writer's AZ failed` +
            (multiAz ? `, use ${code("failover az")} instead: no data loss.` : "."),
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: [
          `Dry run: prints every pre-check with what it measured: replica available, no pending ` +
            `modifications, replica lag ≤ RPO ${rpo} s, no alarm in ALARM in ${code(to)}, service healthy.`,
        ],
        skyline: [f.skyline(`failover db --to ${to} --dry-run`)],
        aws: [
          ...f.aws(
            "rds describe-db-instances",
            [
              ["--db-instance-identifier", replica],
              ["--query", "'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]'"],
            ],
            to,
          ),
          ...f.aws(
            "cloudwatch get-metric-statistics",
            [
              ["--namespace", "AWS/RDS"],
              ["--metric-name", "ReplicaLag"],
              ["--dimensions", `Name=DBInstanceIdentifier,Value=${replica}`],
              ["--statistics", "Maximum"],
              ["--period", "60"],
              ["--start-time", "$(date -u -d '-5 min' +%FT%TZ)"],
              ["--end-time", "$(date -u +%FT%TZ)"],
            ],
            to,
          ),
          ...f.aws(
            "cloudwatch describe-alarms",
            [
              [
                "--alarm-names",
                [target.entry.alarms.regionUnhealthy, ...target.entry.alarms.names].join(" "),
              ],
              ["--state-value", "ALARM"],
            ],
            to,
          ),
        ],
      },
      {
        text: [
          `Decide on data loss. With ${code(from)} down the replica publishes no lag: skyline reports the source region as ` +
            "unreachable (not a breach) and asks for --accept-data-loss; -1 reads as replication stopped. Writes not yet " +
            `replicated are lost: the incident lead decides, and the operator types the replica id ${code(replica)} to override.`,
        ],
      },
      fenceService(f),
    ],
    procedure: [
      {
        title: `Promote ${replica}`,
        budgetMinutes: f.budget("promoteDatabase"),
        text: [
          "Asks for confirmation, promotes, waits until the instance is available with no replication " +
            `source, and prints the measured recovery time against the RTO of ${f.manifest.targets.rtoMinutes} min.`,
          `Only if the incident lead accepted the data loss, add ${code("--accept-data-loss")} (without a ` +
            `terminal also ${code(`--confirm-replica-id ${replica}`)} and ${code("--yes")}). While ${code(from)} is down, ` +
            `declare it with ${code(`--declare-outage ${from}`)} (typed back, or ${code(`--confirm-outage ${from}`)}): nothing ` +
            `is sent there, and ${code(to)}'s serving alarms and service checks may be overridden (Route 53 may already send it ` +
            "traffic its replica cannot write: its 5xx alarm fires). The replica must be available: that is never overridden.",
          `For the whole sequence (fence, promote, roll, cache, traffic, verify) in one resumable command, use region-failover.`,
        ],
        skyline: [
          f.skyline(`failover db --to ${to}`),
          f.skyline(`failover db --to ${to} --declare-outage ${from} --accept-data-loss`),
          `skyline --env ${f.env} --yes failover db --to ${to} --declare-outage ${from} --confirm-outage ${from} --accept-data-loss --confirm-replica-id ${replica}`,
        ],
        aws: [
          ...f.aws("rds promote-read-replica", [["--db-instance-identifier", replica]], to),
          ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", replica]], to),
        ],
      },
      {
        title: "Move the cache and the traffic",
        budgetMinutes: f.budget("cache") + f.budget("traffic"),
        text: [
          cacheGlobal
            ? `Make ${code(to)} the Global Datastore primary (cache-failover), then send the API's traffic there (dns-failover).`
            : `The cache is regional (no Global Datastore): nothing to fail over. Send the API's traffic to ${code(to)} (dns-failover).`,
        ],
        skyline: [
          ...(cacheGlobal ? [f.skyline(`failover cache --to ${to}`)] : []),
          ...(f.manifest.global ? [f.skyline(`failover dns --to ${to}`)] : []),
        ],
      },
      reconnectStep(f, target),
      ...otherTargets(f, target),
    ],
    postChecks: [
      {
        text: [
          `${code(replica)} is a standalone writer; the service in ${code(to)} runs its desired tasks with ` +
            "healthy targets; no alarm is in ALARM.",
        ],
        skyline: [f.skyline("status", to)],
        aws: f.aws(
          "rds describe-db-instances",
          [
            ["--db-instance-identifier", replica],
            ["--query", "'DBInstances[0].[DBInstanceStatus,ReadReplicaSourceDBInstanceIdentifier]'"],
          ],
          to,
        ),
      },
      ...(f.publicUrl("/ready")
        ? [
            {
              text: [
                `Through the public hostname (what users reach; the origin name admits only CloudFront and ` +
                  `Route 53's checkers): ${code(`curl -fsS ${f.publicUrl("/ready")}`)} answers 200, and a write ` +
                  `(an admin ${code("POST /v1/tests")}) succeeds and reads back.`,
              ],
            },
          ]
        : []),
      {
        text: [
          `Note the measured recovery time (RTO ${f.manifest.targets.rtoMinutes} min) and the replica lag ` +
            `at promotion (RPO ${rpo} s) for the incident review.`,
        ],
      },
    ],
    followUps: [
      `Fence the old primary ${code(oldWriter ?? "")} in ${code(from)}: keep ${apiName(f, from)} ` +
        "at 0 tasks and let nothing write to it when the region returns; take a final snapshot before removing it.",
      ...(otherReplicas.length > 0
        ? [
            `Rebuild replicas: ${otherReplicas.map((d) => `${code(d.replica.id)} (${d.region})`).join(", ")} ` +
              `still replicate from ${code(oldWriter ?? "")}; recreate them from ${code(replica)}: rename each ` +
              `(${code(`${otherReplicas[0].replica.id}-retired`)}), then ` +
              code(
                f.awsInline(
                  "rds create-db-instance-read-replica",
                  [
                    ["--db-instance-identifier", otherReplicas[0].replica.id],
                    ["--source-db-instance-identifier", f.dbArn(to, replica)],
                    ["--kms-key-id", otherReplicas[0].entry.database?.kmsKeyAlias ?? ""],
                    ["--source-region", to],
                  ],
                  otherReplicas[0].region,
                ),
              ) +
              ".",
          ]
        : []),
      `Create a replica of ${code(replica)} in ${code(from)} once the region is back, so failback is possible.`,
      `Make the config match: ${code(f.manifest.configFields.file)} → ${code(f.manifest.configFields.primaryRegion)} = ` +
        `${code(`"${to}"`)}, then deploy; review that the plan does not replace ${code(replica)}.`,
      `Repoint anything outside the stacks that names ${code(oldWriter ?? "")} or its secret.`,
    ],
    related: ["region-failover", "cache-failover", "dns-failover", "snapshot-and-restore"],
  };
}

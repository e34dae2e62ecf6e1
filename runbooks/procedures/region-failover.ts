/**
 * Regional failover: the primary region is lost (or must be left) and a DR region takes the writer
 * and the traffic. One command does it (`skyline failover region`); this runbook is the same
 * procedure step by step, each step with its time budget (the budgets sum to the RTO) and its AWS
 * CLI equivalent, plus what the command does not do: credentials that do not depend on the failed
 * region, the API token for the write check, and applying Terraform from the replicated state.
 */
import { code, table } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { DrTarget, RunbookFacts } from "../runbook-facts";
import { switchLines } from "./dns-failover";
import { kubectl, kubernetesOf } from "./kubernetes";

const NAME = "region-failover";

/** The budget table: what each step may take of the RTO. */
export function budgetTable(f: RunbookFacts): string {
  const b = f.manifest.targets.failoverBudgetMinutes;
  const rows: [string, string, number][] = [
    ["Detect, decide and declare the outage", "detect", b.detect],
    ["Fence the old primary's writers", "fence", b.fence],
    ["Promote the replica", "promoteDatabase", b.promoteDatabase],
    ["Repoint and roll the API", "repointWriter", b.repointWriter],
    ["Move the cache", "cache", b.cache],
    ["Move the traffic", "traffic", b.traffic],
    ["Verify a read and a write", "verify", b.verify],
  ];
  const total = rows.reduce((n, r) => n + r[2], 0);
  return table(
    ["Step", "Budget key", "Minutes"],
    [...rows.map(([s, k, m]) => [s, code(k), String(m)]), ["Total (the RTO)", "", String(total)]],
  ).join("\n");
}

/** The line that puts an admin token of the API in SKYLINE_API_TOKEN, from `region`'s copy of the jwt secret. */
export function tokenLine(f: RunbookFacts, region: string): string[] {
  const jwt = f.manifest.secrets.replicated.find((n) => n.endsWith("-jwt")) ?? `${f.app}-${f.env}-jwt`;
  return [
    ...f.awsCapture(
      "JWT_SECRET",
      "secretsmanager get-secret-value",
      [
        ["--secret-id", jwt],
        ["--query", "SecretString"],
      ],
      region,
    ),
    `export SKYLINE_API_TOKEN=$(JWT_SECRET="$JWT_SECRET" npm run --silent token -w services/api -- --sub on-call --role admin --hours 2)`,
  ];
}

/** `terraform init` against the replicated state bucket, for every stack of `region`. */
export function drBackendLines(f: RunbookFacts, region: string): string[] {
  const backend = f.manifest.stateBackend;
  if (!backend.replica) return [];
  return Object.entries(backend.stacks)
    .filter(([, key]) => key.includes(`/${region}/`))
    .flatMap(([stack]) => [
      `cd cdktf.out/stacks/${stack}`,
      `terraform init -reconfigure -backend-config=bucket=${backend.replica!.bucket} -backend-config=region=${backend.replica!.region}`,
      "terraform plan",
      "cd -",
    ]);
}

function fenceStep(f: RunbookFacts, from: string): RunbookStep {
  const k = kubernetesOf(f, from);
  const service = f.region(from).service;
  return {
    title: `Fence the writers in ${from}`,
    budgetMinutes: f.budget("fence"),
    text: [
      `Only where ${code(from)} still answers: stop its API so nothing writes to the old writer after the ` +
        `promotion (split brain). A region declared down is not contacted; fence it when it returns ` +
        "(region-failback does, first thing).",
      ...(k ? [`On EKS: ${kubectl(k, `scale deployment ${k.deployment} --replicas 0`)}.`] : []),
    ],
    aws: service
      ? [
          ...(service.autoscaling
            ? f.aws(
                "application-autoscaling register-scalable-target",
                [
                  ["--service-namespace", "ecs"],
                  ["--resource-id", service.autoscaling.resourceId],
                  ["--scalable-dimension", service.autoscaling.scalableDimension],
                  ["--min-capacity", "0"],
                  ["--max-capacity", "0"],
                ],
                from,
              )
            : []),
          ...f.aws(
            "ecs update-service",
            [
              ["--cluster", service.cluster],
              ["--service", service.service],
              ["--desired-count", "0"],
            ],
            from,
          ),
        ]
      : [],
  };
}

function promoteStep(f: RunbookFacts, target: DrTarget): RunbookStep {
  const to = target.region;
  const id = target.replica.id;
  return {
    title: `Promote ${id}`,
    budgetMinutes: f.budget("promoteDatabase"),
    text: [
      "Promotes the replica, waits until it is available and standalone, and tags it " +
        `${code("skyline:writer-since")} (how skyline, and a resumed run, know which region holds the writer).`,
    ],
    aws: [
      ...f.aws("rds promote-read-replica", [["--db-instance-identifier", id]], to),
      ...f.aws("rds wait db-instance-available", [["--db-instance-identifier", id]], to),
      ...f.aws(
        "rds add-tags-to-resource",
        [
          ["--resource-name", f.dbArn(to, id)],
          ["--tags", `Key=skyline:writer-since,Value=$(date -u +%FT%TZ)`],
        ],
        to,
      ),
    ],
  };
}

function repointStep(f: RunbookFacts, target: DrTarget): RunbookStep {
  const to = target.region;
  const service = target.entry.service;
  const k = target.entry.kubernetes;
  const serving = f.primary.service?.autoscaling;
  const secrets = f.manifest.secrets.replicated;
  return {
    title: `Repoint and roll the API in ${to}`,
    budgetMinutes: f.budget("repointWriter"),
    text: [
      `The API in ${code(to)} already connects to ${code(target.replica.id)} (its ${code("DB_HOST")}; check below), ` +
        "so nothing is repointed in the database settings; its tasks must restart so their pools reopen against the writer, " +
        `at the size the primary runs (${serving ? `${serving.minCapacity}-${serving.maxCapacity} tasks` : "its autoscaling range"}).`,
      `While ${code(f.primaryRegion)} is down, promote the replicated secrets in ${code(to)} (` +
        secrets.map(code).join(", ") +
        `): a replica cannot be changed, and the next deploy that makes ${code(to)} the primary owns them. ` +
        "skyline does this only when the outage is declared; region-failback re-links them.",
      ...(k
        ? [
            `On EKS: ${kubectl(k, `rollout restart deployment ${k.deployment}`)} and ${kubectl(k, `rollout status deployment ${k.deployment}`)}.`,
          ]
        : []),
    ],
    aws: [
      ...secrets.flatMap((name) =>
        f.aws("secretsmanager stop-replication-to-replica", [["--secret-id", name]], to),
      ),
      ...(service
        ? [
            ...f.aws(
              "ecs describe-task-definition",
              [
                ["--task-definition", service.taskFamily],
                ["--query", `"taskDefinition.containerDefinitions[0].environment[?name=='DB_HOST'].value"`],
              ],
              to,
            ),
            ...(service.autoscaling && serving
              ? f.aws(
                  "application-autoscaling register-scalable-target",
                  [
                    ["--service-namespace", "ecs"],
                    ["--resource-id", service.autoscaling.resourceId],
                    ["--scalable-dimension", service.autoscaling.scalableDimension],
                    ["--min-capacity", String(serving.minCapacity)],
                    ["--max-capacity", String(serving.maxCapacity)],
                  ],
                  to,
                )
              : []),
            ...f.aws(
              "ecs update-service",
              [
                ["--cluster", service.cluster],
                ["--service", service.service],
                ["--desired-count", String(serving?.minCapacity ?? 1)],
                ["--force-new-deployment"],
              ],
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
        : []),
    ],
  };
}

function cacheStep(f: RunbookFacts, target: DrTarget): RunbookStep {
  const to = target.region;
  const cache = target.entry.cache;
  const globalId = cache?.globalDatastoreId;
  if (!cache || !globalId) {
    return {
      title: `The cache in ${to}`,
      budgetMinutes: f.budget("cache"),
      text: [
        "A regional cache (no Global Datastore): nothing to move; it starts cold and the API refills it.",
      ],
    };
  }
  return {
    title: `Move the cache to ${to}`,
    budgetMinutes: f.budget("cache"),
    text: [
      `While ${code(f.primaryRegion)} answers, fail the Global Datastore ${code(globalId)} over to ${code(to)}; ` +
        `when it is down, detach ${code(cache.replicationGroupId)} instead: it becomes a standalone primary ` +
        "(the next apply after the fail-back adds it back).",
    ],
    aws: [
      ...f.aws(
        "elasticache failover-global-replication-group",
        [
          ["--global-replication-group-id", globalId],
          ["--primary-region", to],
          ["--primary-replication-group-id", cache.replicationGroupId],
        ],
        to,
      ),
      ...f.aws(
        "elasticache disassociate-global-replication-group",
        [
          ["--global-replication-group-id", globalId],
          ["--replication-group-id", cache.replicationGroupId],
          ["--replication-group-region", to],
        ],
        to,
      ),
      ...f.aws(
        "elasticache wait replication-group-available",
        [["--replication-group-id", cache.replicationGroupId]],
        to,
      ),
    ],
  };
}

function trafficStep(f: RunbookFacts, target: DrTarget): RunbookStep {
  const switches = f.manifest.global?.trafficSwitch;
  const order = f.manifest.global?.failoverOrder ?? [];
  const ahead = order.slice(0, order.indexOf(target.region));
  return {
    title: `Move the traffic to ${target.region}`,
    budgetMinutes: f.budget("traffic"),
    text: [
      `Force ${ahead.map(code).join(", ")} out with the data-plane traffic switches (dns-failover): CloudWatch calls ` +
        `in the regions that are up, nothing to Route 53's API. Skip the lines for a region that is down.`,
    ],
    skyline: [f.skyline(`failover dns --to ${target.region} --declare-outage ${f.primaryRegion}`)],
    aws: switches ? ahead.flatMap((r) => switchLines(f, switches, r, true)) : [],
  };
}

/** curl lines: ready, a write with the admin token, and the read of what was written. */
export function verifyLines(f: RunbookFacts, title: string): string[] {
  const ready = f.publicUrl("/ready");
  const tests = f.publicUrl("/v1/tests");
  if (!ready || !tests) return [];
  const body = JSON.stringify({
    title,
    questions: [{ id: "q1", prompt: "Does the write path work?", choices: ["yes", "no"], answer: 0 }],
  });
  return [
    `curl -fsS ${ready}`,
    `ID=$(curl -fsS -X POST ${tests} -H "authorization: Bearer $SKYLINE_API_TOKEN" -H "content-type: application/json" -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')`,
    `curl -fsS ${tests}/$ID`,
  ];
}

function verifyStep(f: RunbookFacts): RunbookStep {
  return {
    title: "Verify a read and a write through the public hostname",
    budgetMinutes: f.budget("verify"),
    text: [
      "Through the name users reach (the origin name admits only CloudFront and Route 53's checkers): " +
        "ready answers 200, a write succeeds and reads back. Without skyline:",
    ],
    aws: verifyLines(f, `skyline verify ${f.env}`),
  };
}

function otherTargets(f: RunbookFacts, target: DrTarget): RunbookStep[] {
  const others = f.drTargets.filter((d) => d !== target);
  if (others.length === 0) return [];
  return [
    {
      title: `If ${target.region} cannot take over`,
      text: [
        "Fail over to a later region of the chain instead; skyline forces every region ahead of it out.",
        table(
          ["Region", "Replica", "Command"],
          others.map((d) => [
            code(d.region),
            code(d.replica.id),
            code(f.skyline(`failover region --to ${d.region} --declare-outage ${f.primaryRegion} --dry-run`)),
          ]),
        ).join("\n"),
      ],
    },
  ];
}

function withoutDr(f: RunbookFacts): RunbookDocument {
  return {
    name: NAME,
    title: `Regional failover (${f.env})`,
    summary: `${f.env} runs in ${f.primaryRegion} only: there is no region to fail over to.`,
    symptoms: [`${code(f.primaryRegion)} is impaired and ${f.env} has no DR region.`],
    alarms: f.alarms(f.primaryRegion, ["api", "database"], true),
    preChecks: [{ text: ["See what is down."], skyline: [f.skyline("status")] }],
    procedure: [
      {
        title: "No DR region",
        text: [
          `Wait for ${code(f.primaryRegion)} if that fits the RTO of ${f.manifest.targets.rtoMinutes} min, or recover in ` +
            "place (database-failover, snapshot-and-restore). A non-production environment can get a small DR region " +
            `for drills: drillRegion in ${code(f.manifest.configFields.file)}.`,
        ],
      },
    ],
    postChecks: [{ text: ["The API is ready again."], skyline: [f.skyline("status")] }],
    followUps: [
      `If ${f.env} must survive a regional outage, add a DR region to ${code(f.manifest.configFields.file)}.`,
    ],
    related: ["database-failover", "snapshot-and-restore"],
  };
}

export function regionFailoverRunbook(f: RunbookFacts): RunbookDocument {
  const target = f.drTarget;
  if (!target || !f.manifest.global?.trafficSwitch) return withoutDr(f);
  const from = f.primaryRegion;
  const to = target.region;
  const t = f.manifest.targets;
  const backend = f.manifest.stateBackend;
  const drApply = drBackendLines(f, to);
  const declared = `--declare-outage ${from}`;
  return {
    name: NAME,
    title: `Regional failover: ${from} lost, ${to} takes over (${f.env})`,
    summary:
      `Move the writer, the cache and the traffic of ${f.env} from ${from} to ${to} within the RTO of ` +
      `${t.rtoMinutes} min, with one resumable command, or step by step; then apply Terraform from the replicated state.`,
    symptoms: [
      `${code(from)} is impaired (AWS Health Dashboard, the region-unhealthy alarm, errors from every service there) ` +
        "and will not be back within the RTO.",
      `Route 53 may already send traffic to ${code(to)} by itself, where writes fail until its replica is promoted.`,
      "A game day (game-day runbook) or a drill (skyline drill, non-production).",
    ],
    alarms: [...f.alarms(from, ["api", "database"], true)],
    values: backend.replica
      ? [
          {
            placeholder: "<lock-id>",
            meaning:
              "The ID terraform prints when a lock from an apply cut off by the outage is still in the replicated bucket (check nobody runs that apply).",
          },
        ]
      : [],
    preChecks: [
      {
        text: [
          `Budget, from the manifest (the steps below use them; ${code("failover region")} prints each step's measured time against its own):`,
          budgetTable(f),
        ],
      },
      {
        text: [
          `Declare the outage (budget ${t.failoverBudgetMinutes.detect} min to detect and decide). ${code(f.skyline("status"))} reads only data planes; ` +
            `the sections of ${code(from)} show errors while it is down.`,
        ],
        skyline: [f.skyline("status")],
      },
      {
        text: [
          `Credentials that do not need ${code(from)}: skyline gets every client's credentials from STS in that client's own ` +
            "region (regional STS, never the global endpoint or your profile's home region). For the AWS CLI set the region " +
            `of the lines below, and if your single sign-on's home region is ${code(from)}, use the break-glass role instead.`,
        ],
        aws: f.aws("sts get-caller-identity", [], to),
      },
      {
        text: [
          `An admin token of the API for the write check, from ${code(to)}'s copy of the jwt secret (the replicas stay readable ` +
            "while their owner is down):",
        ],
        aws: tokenLine(f, to),
      },
      {
        text: [
          "Dry run: every step with what AWS shows now, and every pre-check: the replica available (never overridable), its " +
            "lag (no data while the source is down: say so with --accept-data-loss), the target's serving alarms and service " +
            "(overridable only with the outage declared), the token.",
        ],
        skyline: [f.skyline(`failover region --to ${to} ${declared} --dry-run`)],
      },
    ],
    procedure: [
      {
        title: `Fail over to ${to}`,
        budgetMinutes: t.rtoMinutes - t.failoverBudgetMinutes.detect,
        text: [
          "One command runs the steps below in order, each with its checks, wait and verification; it asks you to type the " +
            `declared region (and, with ${code("--accept-data-loss")}, the replica id). Interrupted or failed, run it again: ` +
            "it reads AWS and continues at the first step not done.",
        ],
        skyline: [
          f.skyline(`failover region --to ${to} ${declared}`),
          f.skyline(`failover region --to ${to} ${declared} --accept-data-loss`),
          `skyline --env ${f.env} --yes failover region --to ${to} ${declared} --confirm-outage ${from} --accept-data-loss --confirm-replica-id ${target.replica.id}`,
        ],
      },
      fenceStep(f, from),
      promoteStep(f, target),
      repointStep(f, target),
      cacheStep(f, target),
      trafficStep(f, target),
      verifyStep(f),
      ...(drApply.length
        ? [
            {
              title: `Apply Terraform from the replicated state (after the RTO)`,
              text: [
                `The state bucket is in ${code(backend.region)}; its replica ${code(backend.replica!.bucket)} is in ` +
                  `${code(backend.replica!.region)}. Plan ${to}'s stacks against the replica. Locking: the lock file sits next ` +
                  "to the state in whichever bucket the backend names, so an apply here locks the replica only: stop the deploy " +
                  `workflow (it names the original bucket), and ${code("terraform force-unlock <lock-id>")} a lock an apply cut ` +
                  "off by the outage left behind. The global stack cannot be applied (it reads us-east-1); nothing here needs it.",
                `To make ${code(to)} the primary for good: ${code(f.manifest.configFields.file)} → primaryRegion ${code(`"${to}"`)}, ` +
                  "synth, import the promoted secrets, apply (docs/operations.md, applying during a regional outage).",
              ],
              aws: drApply,
            },
          ]
        : []),
      ...otherTargets(f, target),
    ],
    postChecks: [
      {
        text: [
          `${code(target.replica.id)} is the writer (promoted), the traffic line names ${code(to)}, no serving alarm is in ALARM there.`,
        ],
        skyline: [f.skyline("status", to), f.skyline("status")],
      },
      {
        text: [
          `Record the measured time of each step against its budget and the data-loss window (the last replica lag seen) ` +
            `against the RPO of ${t.rpoSeconds} s, as the command printed them, for the incident review.`,
        ],
      },
    ],
    followUps: [
      `When ${code(from)} is back: region-failback (${code(f.skyline(`failover region --to ${from} --dry-run`))}).`,
      `The other DR replicas (${
        f.drTargets
          .filter((d) => d !== target)
          .map((d) => code(d.replica.id))
          .join(", ") || "none"
      }) still follow the old writer; the fail-back re-seeds them.`,
      "A detached cache is re-added to the Global Datastore by the next apply after the fail-back.",
    ],
    related: ["region-failback", "dns-failover", "database-failover", "game-day"],
  };
}

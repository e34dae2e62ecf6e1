/**
 * Queue backlog and dead letters: asynchronous submissions wait too long or fail. The first job is
 * telling slow workers (scale them) from a poison message (scaling only burns receives: read it, fix
 * the cause, then redrive), and, after a regional failover, replaying what waited in the failed
 * region's queue without its workers scoring it against a database that is no longer the writer.
 */
import type { QueueManifest } from "../../manifest/schema";
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep, RunbookValue } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";
import { kubeconfig, kubectl } from "./kubernetes";

const VALUES: Readonly<Record<"body" | "receipt" | "workers", RunbookValue>> = {
  body: {
    placeholder: "<message-body>",
    meaning:
      "The `Body` of a message received from the dead-letter (or failed region's) queue, sent unchanged.",
  },
  receipt: {
    placeholder: "<receipt-handle>",
    meaning: "The `ReceiptHandle` of that same receive, to delete the message once it was sent on.",
  },
  workers: {
    placeholder: "<workers>",
    meaning: "Workers to run now: inside the range the scaling step set (about twice the running count).",
  },
};

/** Regions whose manifest entry has the queue tier, the primary first. */
function queueRegions(f: RunbookFacts): string[] {
  return f.regions.filter((r) => f.region(r).queue !== undefined);
}

function queueOf(f: RunbookFacts, region: string): QueueManifest {
  return f.region(region).queue!;
}

function queueArn(f: RunbookFacts, region: string): string {
  return `arn:aws:sqs:${region}:${f.manifest.accountId}:${queueOf(f, region).name}`;
}

/** Depths of the queue and its dead-letter queue, in one read each. */
function depths(f: RunbookFacts, region: string): string[] {
  const q = queueOf(f, region);
  const attributes = [
    "--attribute-names",
    "ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible",
  ] as const;
  return [
    ...f.aws("sqs get-queue-attributes", [["--queue-url", q.url], attributes], region),
    ...f.aws(
      "sqs get-queue-attributes",
      [
        ["--queue-url", q.deadLetterQueue.url],
        ["--attribute-names", "ApproximateNumberOfMessages"],
      ],
      region,
    ),
  ];
}

/** Running against desired workers, and why tasks stopped (ECS) or pods restart (EKS). */
function workerHealth(f: RunbookFacts, region: string): RunbookStep {
  const w = queueOf(f, region).workers;
  if (w.kind === "eks") {
    return {
      text: [
        `Workers running: ${kubectl(w, `get deployment ${w.deployment}`)}; restarts and their reason: ` +
          `${kubectl(w, `describe pods -l app.kubernetes.io/name=${w.deployment}`)}. KEDA's view of the ` +
          `backlog: ${kubectl(w, `describe scaledobject ${w.scaledObject}`)}.`,
      ],
      aws: kubeconfig(f, w, region),
    };
  }
  return {
    text: [
      `Workers running against desired, and the service's last events (tasks that stop at start show ` +
        `here with their reason):`,
    ],
    aws: [
      ...f.aws(
        "ecs describe-services",
        [
          ["--cluster", w.cluster],
          ["--services", w.service],
          ["--query", "'services[0].[runningCount,desiredCount,events[:5].message]'"],
        ],
        region,
      ),
      ...f.aws(
        "ecs list-tasks",
        [
          ["--cluster", w.cluster],
          ["--service-name", w.service],
          ["--desired-status", "STOPPED"],
        ],
        region,
      ),
    ],
  };
}

/** The diagnosis: what each cause looks like in the numbers `skyline status` and the alarms show. */
function diagnosis(f: RunbookFacts, region: string): RunbookStep {
  const q = queueOf(f, region);
  return {
    text: [
      "Tell the cause apart before acting:\n\n" +
        "| What you see | Cause | Act |\n" +
        "| --- | --- | --- |\n" +
        "| Backlog grows, dead letters steady, worker error rate low, workers at their maximum | Slow or too few workers | Scale the workers (step 1); check the database keeps up |\n" +
        `| Dead letters grow, worker error rate high, the same messages received again and again (\`ApproximateReceiveCount\` up to ${q.maxReceiveCount}) | A poison message, or a bad release of the worker | Do not scale: read a dead letter (step 2), fix, then redrive (step 3) |\n` +
        "| Messages wait, no worker runs | Workers crash at start, cannot pull the image, or were scaled to zero | The workers' events and stopped tasks below |\n" +
        "| Worker errors say the database is unavailable or read-only | The database, not the queue | The runbook `database-failover`; leave the messages queued |",
    ],
    aws: [
      ...f.aws(
        "sqs receive-message",
        [
          ["--queue-url", q.deadLetterQueue.url],
          ["--max-number-of-messages", "1"],
          ["--visibility-timeout", "0"],
          ["--message-system-attribute-names", "ApproximateReceiveCount SentTimestamp"],
        ],
        region,
      ),
    ],
  };
}

function scaleStep(f: RunbookFacts, region: string): RunbookStep {
  const q = queueOf(f, region);
  const w = q.workers;
  const fields = f.manifest.configFields;
  const drift =
    fields.queueWorkerMinTasks && fields.queueWorkerMaxTasks
      ? `Drift: the next deploy resets this unless ${code(fields.file)} → ${code(fields.queueWorkerMinTasks)} / ` +
        `${code(fields.queueWorkerMaxTasks)} change too.`
      : "Drift: the next deploy resets this unless the config changes too.";
  const database =
    "More workers write more: each batch commits through the database proxy, so watch the writer's CPU and " +
    "connections (the runbook `scale-out` for a bigger class).";
  if (w.kind === "eks") {
    const min = w.minReplicas * 2;
    const max = Math.max(min, w.maxReplicas * 2);
    const range = JSON.stringify({ spec: { minReplicaCount: min, maxReplicaCount: max } });
    return {
      title: `More workers in ${region} (slow workers only)`,
      text: [
        `KEDA's ScaledObject ${code(w.scaledObject)} keeps ${code(`${w.namespace}/${w.deployment}`)} between ` +
          `${w.minReplicas} and ${w.maxReplicas} pods at ${q.backlogPerWorkerTarget} messages per pod. If it sits ` +
          `at the maximum, double the range (here to ${min}–${max}) with ` +
          `${kubectl(w, `patch scaledobject ${w.scaledObject} --type merge -p '${range}'`)}.`,
        database,
        drift,
      ],
      skyline: [f.skyline("status", region)],
      aws: kubeconfig(f, w, region),
    };
  }
  const { minCapacity, maxCapacity } = w.autoscaling;
  const min = Math.max(1, minCapacity * 2);
  const max = Math.max(min, maxCapacity * 2);
  return {
    title: `More workers in ${region} (slow workers only)`,
    text: [
      `Autoscaling keeps ${code(w.service)} between ${minCapacity} and ${maxCapacity} workers at ` +
        `${q.backlogPerWorkerTarget} visible messages per worker. If it sits at the maximum, double the range ` +
        `(here to ${min}–${max}); set the desired count too when the backlog grows faster than autoscaling.`,
      database,
      drift,
    ],
    skyline: [
      f.skyline(`scale workers --min ${min} --max ${max} --dry-run`, region),
      f.skyline(`scale workers --min ${min} --max ${max}`, region),
      f.skyline(`scale workers --desired ${VALUES.workers.placeholder}`, region),
    ],
    aws: [
      ...f.aws(
        "application-autoscaling register-scalable-target",
        [
          ["--service-namespace", "ecs"],
          ["--resource-id", w.autoscaling.resourceId],
          ["--scalable-dimension", w.autoscaling.scalableDimension],
          ["--min-capacity", String(min)],
          ["--max-capacity", String(max)],
        ],
        region,
      ),
      ...f.aws(
        "ecs update-service",
        [
          ["--cluster", w.cluster],
          ["--service", w.service],
          ["--desired-count", VALUES.workers.placeholder],
        ],
        region,
      ),
    ],
  };
}

function readDeadLetterStep(f: RunbookFacts, region: string): RunbookStep {
  const q = queueOf(f, region);
  return {
    title: `Read the dead letters in ${region}`,
    text: [
      `${code(q.deadLetterQueue.name)} holds what failed ${q.maxReceiveCount} receives. Read a few (a visibility ` +
        "timeout of 0 leaves them in place) and the workers' error log lines for the same attempt ids. A message " +
        "that can never succeed (bad input that passed validation, a bug) needs a fix released first; one that " +
        "failed for a passing reason (the database was down) can go back as it is.",
      "Dead letters are kept 14 days: there is time to fix the cause. Redriving before the fix only sends them " +
        "back to the dead-letter queue after another round of receives.",
    ],
    aws: f.aws(
      "sqs receive-message",
      [
        ["--queue-url", q.deadLetterQueue.url],
        ["--max-number-of-messages", "10"],
        ["--visibility-timeout", "0"],
        ["--message-system-attribute-names", "All"],
      ],
      region,
    ),
  };
}

function redriveStep(f: RunbookFacts, region: string): RunbookStep {
  const q = queueOf(f, region);
  return {
    title: `Redrive the dead letters in ${region} (after the fix)`,
    text: [
      `Move every dead letter back to ${code(q.name)} with an SQS message move task, at a bounded rate so the ` +
        "workers and the database take them beside the live traffic. Each message carries its attempt id: a " +
        "submission that was in fact stored is not scored twice.",
      "A move task moves the whole dead-letter queue. To move only some messages, take them one by one: " +
        `receive from ${code(q.deadLetterQueue.name)}, send the body unchanged to ${code(q.name)}, then delete ` +
        "it from the dead-letter queue (the last three AWS CLI lines).",
    ],
    skyline: [
      f.skyline("queue redrive --max-per-second 10 --dry-run", region),
      f.skyline("queue redrive --max-per-second 10", region),
    ],
    aws: [
      ...f.aws(
        "sqs start-message-move-task",
        [
          ["--source-arn", q.deadLetterQueue.arn],
          ["--destination-arn", queueArn(f, region)],
          ["--max-number-of-messages-per-second", "10"],
        ],
        region,
      ),
      ...f.aws("sqs list-message-move-tasks", [["--source-arn", q.deadLetterQueue.arn]], region),
      ...moveByHand(f, { url: q.deadLetterQueue.url, region }, { url: q.url, region }, 1),
    ],
  };
}

/**
 * Moving messages one receive at a time: receive from one queue, send each body unchanged to the
 * other, then delete it from the first (only after the send, so a failure in between duplicates a
 * message, which its attempt id makes harmless, and never loses one).
 */
function moveByHand(
  f: RunbookFacts,
  from: { readonly url: string; readonly region: string },
  to: { readonly url: string; readonly region: string },
  batch: number,
): string[] {
  return [
    ...f.aws(
      "sqs receive-message",
      [
        ["--queue-url", from.url],
        ["--max-number-of-messages", String(batch)],
      ],
      from.region,
    ),
    ...f.aws(
      "sqs send-message",
      [
        ["--queue-url", to.url],
        ["--message-body", `'${VALUES.body.placeholder}'`],
      ],
      to.region,
    ),
    ...f.aws(
      "sqs delete-message",
      [
        ["--queue-url", from.url],
        ["--receipt-handle", `'${VALUES.receipt.placeholder}'`],
      ],
      from.region,
    ),
  ];
}

/** After a regional failover: the failed region's queue waits; its workers stay at zero; replay. */
function replayStep(f: RunbookFacts, regions: readonly string[]): RunbookStep | undefined {
  const [primary, ...others] = regions;
  if (primary === undefined || others.length === 0) return undefined;
  const old = primary;
  const next = others[0];
  const from = queueOf(f, old);
  const to = queueOf(f, next);
  const oldWorkers = from.workers;
  const zero = oldWorkers.kind === "ecs" ? [f.skyline("scale workers --min 0 --max 0", old)] : [];
  const eksZero =
    oldWorkers.kind === "eks"
      ? ` On EKS: ${kubectl(oldWorkers, `annotate scaledobject ${oldWorkers.scaledObject} autoscaling.keda.sh/paused-replicas=0 --overwrite`)}.`
      : "";
  return {
    title: `After a regional failover: the submissions that waited in ${old}`,
    text: [
      `When ${code(old)} failed and ${code(next)} became the writer, the messages in ${code(from.name)} waited ` +
        "there (SQS keeps them for the queue's retention). Once the region is reachable, and before its workers " +
        "run: its database is no longer the writer, so scoring there would fail and dead-letter every message. " +
        `Hold its workers at zero first.${eksZero}`,
      `Then replay: receive from ${code(from.name)}, send each body unchanged to ${code(to.name)} in ${code(next)}, ` +
        `delete it from ${code(from.name)}. Each carries its attempt id: a replay never scores twice. The old ` +
        "region's workers come back only when fail-back makes it the writer again (runbook `region-failback`).",
    ],
    skyline: [...zero, f.skyline("status", old)],
    aws: moveByHand(f, { url: from.url, region: old }, { url: to.url, region: next }, 10),
  };
}

/** The runbook, or undefined where the queue tier is off (submissions are scored synchronously). */
export function queueBacklogRunbook(f: RunbookFacts): RunbookDocument | undefined {
  const regions = queueRegions(f);
  const region = regions[0];
  if (region === undefined) return undefined;
  const replay = replayStep(f, regions);
  const usesEcs = regions.some((r) => queueOf(f, r).workers.kind === "ecs");
  return {
    name: "queue-backlog",
    title: `Queue backlog and dead letters (${f.env})`,
    summary:
      "Submissions wait too long or fail: tell slow workers from a poison message, scale the workers or fix and " +
      "redrive the dead letters; after a regional failover, replay the failed region's queue.",
    symptoms: [
      "Asynchronous submissions stay `pending` (GET /v1/attempts/:id) for minutes.",
      "The queue's oldest message is old, backlog per worker stays above its target, or the dead-letter queue " +
        "holds messages.",
      "The workers' error rate is high, or no worker runs while messages wait.",
    ],
    alarms: regions.flatMap((r) => f.alarms(r, ["queue"])),
    preChecks: [
      {
        text: [
          `The queue, its dead letters and the workers of every region with a queue (${regions
            .map((r) => code(r))
            .join(", ")}): visible, in flight, oldest message age, dead letters, running workers.`,
        ],
        skyline: regions.map((r) => f.skyline("status", r)),
        aws: regions.flatMap((r) => depths(f, r)),
      },
      diagnosis(f, region),
      workerHealth(f, region),
    ],
    procedure: [
      scaleStep(f, region),
      readDeadLetterStep(f, region),
      redriveStep(f, region),
      ...(replay ? [replay] : []),
    ],
    postChecks: [
      {
        text: [
          "The oldest message's age back under its alarm threshold, the dead-letter queue empty (or holding only " +
            "what you chose to keep), the queue alarms OK for 15 minutes.",
        ],
        skyline: [f.skyline("status", region)],
        aws: depths(f, region),
      },
    ],
    followUps: [
      "Every `scale workers` change is reverted by the next deploy: put the new range in the config, or scale back on purpose.",
      "Slow workers: re-measure the per-worker throughput (the queue benchmark) and set " +
        `${code("queue.worker.messagesPerSecondPerTask")} from it, so autoscaling aims at the right backlog.`,
      "A poison message: add the input that caused it to the API's validation, so it is refused with a 400 " +
        "instead of queued.",
    ],
    related: ["scale-out", "deploy-rollback", "region-failover", "region-failback"],
    values: [VALUES.body, VALUES.receipt, ...(usesEcs ? [VALUES.workers] : [])],
  };
}

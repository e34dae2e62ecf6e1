/**
 * Roll back a bad deploy. On ECS the release went through the service's deployment strategy
 * (ROLLING, BLUE_GREEN, CANARY or LINEAR: manifest `service.deployment`): ECS may already have rolled
 * back on its own (the circuit breaker, or one of the watched 5xx-rate and p95-latency alarms during
 * the shift or the bake); if not, `skyline deploy rollback` stops a deployment in flight with a
 * rollback (blue still runs: a listener switch) or releases the previous task definition again.
 * On EKS: `kubectl rollout undo` to the previous ReplicaSet. Database migrations are forward-only
 * and are not undone by a rollback, which is the caveat on-call must weigh.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";
import { kubeconfig, kubectl, kubernetesOf, workloadName } from "./kubernetes";

/** Values only the operator knows: which revision ran before, and which runs now. */
const VALUES = {
  deployment: {
    placeholder: "<deployment-arn>",
    meaning:
      "The ARN of the deployment in flight: the first serviceDeploymentArn of list-service-deployments.",
  },
  previous: {
    placeholder: "<previous-revision>",
    meaning:
      "The task definition revision that ran before the bad deploy: the second line of list-task-definitions.",
  },
  revision: {
    placeholder: "<revision>",
    meaning: "The revision to run the migrations with: the PRIMARY deployment's, from describe-services.",
  },
} as const;

/** EKS: the Deployment's revisions (kubectl) after the kubeconfig line (aws). */
function kubernetesCheck(f: RunbookFacts, region: string, text: string): RunbookStep {
  const k = kubernetesOf(f, region)!;
  return {
    text: [
      `${text} On EKS: ${kubectl(k, `rollout history deployment ${k.deployment}`)} and ` +
        `${kubectl(k, `rollout status deployment ${k.deployment}`)}.`,
    ],
    skyline: [f.skyline("status", region)],
    aws: kubeconfig(f, k, region),
  };
}

function deployments(f: RunbookFacts, region: string): string[] {
  const service = f.region(region).service;
  if (!service) return [];
  const { cluster } = service;
  const name = service.service;
  return f.aws(
    "ecs list-service-deployments",
    [
      ["--cluster", cluster],
      ["--service", name],
      ["--query", "'serviceDeployments[].[status,serviceDeploymentArn,targetServiceRevisionArn,createdAt]'"],
    ],
    region,
  );
}

/** How the region's service releases, in words: strategy, bake and the alarms ECS rolls back on. */
function strategyText(f: RunbookFacts, region: string): string {
  const d = f.region(region).service?.deployment;
  if (!d) return "a rolling update with the deployment circuit breaker";
  const alarms = d.alarms.length
    ? `; it rolls back by itself when ${d.alarms.map((a) => code(a)).join(" or ")} fires`
    : "";
  switch (d.strategy) {
    case "ROLLING":
      return `a rolling update (circuit breaker with rollback${alarms})`;
    case "CANARY":
      return `a canary: ${d.canary?.percent} % of traffic on green for ${d.canary?.intervalMinutes} min, then all of it, then a ${d.bakeTimeMinutes}-minute bake with blue kept${alarms}`;
    case "LINEAR":
      return `a linear shift: ${d.linear?.stepPercent} % more every ${d.linear?.intervalMinutes} min, then a ${d.bakeTimeMinutes}-minute bake with blue kept${alarms}`;
    default:
      return `blue/green: all traffic to green at once after the test listener, then a ${d.bakeTimeMinutes}-minute bake with blue kept${alarms}`;
  }
}

/** EKS: back to the Deployment's previous ReplicaSet; the next apply sets the config's image again. */
function rollbackPodsStep(f: RunbookFacts, region: string): RunbookStep {
  const k = kubernetesOf(f, region)!;
  return {
    title: `Roll back ${k.deployment} in ${region}`,
    text: [
      `Return ${workloadName(k)} to its previous ReplicaSet with ` +
        `${kubectl(k, `rollout undo deployment ${k.deployment}`)}, then wait for ` +
        `${kubectl(k, `rollout status deployment ${k.deployment}`)}. Skip this region if the deploy never reached it.`,
      "The next apply sets the Deployment back to the config's image: revert the commit as well.",
    ],
    aws: kubeconfig(f, k, region),
  };
}

/** The release gate's verdict that rolls back a deployment it holds (blue/green strategies only). */
function gateText(f: RunbookFacts, region: string): string[] {
  const gate = f.region(region).service?.deployment?.releaseGate;
  if (!gate) return [];
  const record = f.awsInline(
    "ssm put-parameter",
    [
      ["--name", gate.verdictParameter],
      ["--type", "String"],
      ["--overwrite"],
      ["--value", `"${VALUES.deployment.placeholder} failed"`],
    ],
    region,
  );
  return [
    `If ${code(f.skyline("deploy status", region))} says the deployment waits on the release gate ` +
      `(stage ${gate.lifecycleStage}: green answers on the test listener only, no user has reached it), ` +
      `record ${code("failed")} for it instead: ${code(record)}. The gate (${code(gate.functionName)}) answers ECS on its ` +
      `next call and ECS rolls back; with no verdict it rolls back by itself after ${gate.waitMinutes} min.`,
  ];
}

function rollbackStep(f: RunbookFacts, region: string): RunbookStep {
  const entry = f.region(region);
  if (!entry.service) return rollbackPodsStep(f, region);
  const { cluster, service, taskFamily } = entry.service;
  return {
    title: `Roll back ${service} in ${region}`,
    text: [
      `${code(service)} releases through ${strategyText(f, region)}.`,
      `Skip this region if ${code(f.skyline("deploy status", region))} already shows the newest deployment ` +
        `“rolled back” (ECS did it) or the deploy never reached it.`,
      ...gateText(f, region),
      `skyline deploy rollback prints its plan, asks, then: with a deployment in flight it stops it with a ` +
        "rollback (with blue/green, canary or linear, blue still runs until the bake ends: ECS points the " +
        "production listener rule back at it at once); after a finished deployment it releases the task " +
        "definition that deployment replaced, through the same strategy. It waits, checks the running revision and records the run.",
      "Without the CLI, the same with the AWS CLI: stop the deployment in flight, or release the previous revision.",
    ],
    skyline: [f.skyline("deploy rollback", region)],
    aws: [
      ...deployments(f, region),
      ...f.aws(
        "ecs stop-service-deployment",
        [
          ["--service-deployment-arn", VALUES.deployment.placeholder],
          ["--stop-type", "ROLLBACK"],
        ],
        region,
      ),
      ...f.aws(
        "ecs update-service",
        [
          ["--cluster", cluster],
          ["--service", service],
          ["--task-definition", `${taskFamily}:${VALUES.previous.placeholder}`],
        ],
        region,
      ),
    ],
  };
}

function migrationStep(f: RunbookFacts): RunbookStep {
  const region = f.primaryRegion;
  const k = kubernetesOf(f, region);
  if (k || !f.primary.service) {
    return {
      title: "Mind the database migrations",
      text: [
        "A rollback changes the code, not the schema. Migrations (services/api/migrations) are " +
          `forward-only and run as ${code("node dist/migrate.js")} against the writer in ${code(region)}.`,
        "If the deploy shipped a migration, the previous code must work with the new schema (expand/" +
          "contract). If it does not, roll forward instead: a fix and a new migration. If the migration " +
          "destroyed data, restore to a time before the deploy (snapshot-and-restore).",
        "Running the migrations is safe to repeat (an advisory lock; applied versions are skipped), e.g. after " +
          `fixing one that failed halfway, in a running pod (same image, variables and IAM role): ` +
          `${kubectl(k!, `exec deployment/${k!.deployment} -- node dist/migrate.js`)}.`,
      ],
      aws: kubeconfig(f, k!, region),
    };
  }
  const { cluster, containerName, taskFamily } = f.primary.service;
  const service = f.primary.service.service;
  const overrides = `'{"containerOverrides":[{"name":"${containerName}","command":["node","dist/migrate.js"]}]}'`;
  return {
    title: "Mind the database migrations",
    text: [
      "A rollback changes the code, not the schema. Migrations (services/api/migrations) are " +
        "forward-only; each deploy applies them once, before new tasks start, with a one-off task " +
        `running ${code("node dist/migrate.js")} against the writer in ${code(region)}.`,
      "If the deploy shipped a migration, the previous code must work with the new schema (expand/" +
        "contract). If it does not, roll forward instead: a fix and a new migration. If the migration " +
        "destroyed data, restore to a time before the deploy (snapshot-and-restore).",
      "Re-running the migrations is safe (an advisory lock; applied versions are skipped), e.g. after " +
        "fixing one that failed halfway:",
    ],
    aws: [
      // The service's own subnets and security group, so the task reaches the database as the API does.
      ...f.awsCapture(
        "NETWORK",
        "ecs describe-services",
        [
          ["--cluster", cluster],
          ["--services", service],
          ["--query", "'services[0].networkConfiguration'"],
        ],
        region,
        "json",
      ),
      ...f.aws(
        "ecs run-task",
        [
          ["--cluster", cluster],
          ["--task-definition", `${taskFamily}:${VALUES.revision.placeholder}`],
          ["--launch-type", "FARGATE"],
          ["--network-configuration", '"$NETWORK"'],
          ["--overrides", overrides],
        ],
        region,
      ),
    ],
  };
}

export function deployRollbackRunbook(f: RunbookFacts): RunbookDocument {
  const region = f.primaryRegion;
  const global = f.manifest.global;
  const alarms = f.regions.flatMap((r) => f.alarms(r, ["api", "capacity"], true));
  // Every region of an environment runs the API on the same compute.
  const onEks = f.primary.service === undefined;
  return {
    name: "deploy-rollback",
    title: `Roll back a bad deploy (${f.env})`,
    summary: onEks
      ? "Return the API to the previous ReplicaSet when a deploy breaks it, and decide what to do " +
        "about migrations the deploy applied."
      : "Return the API to the previous task definition when a deploy breaks it, and decide what to do " +
        "about migrations the deploy applied.",
    symptoms: [
      "5xx, latency or failing health checks that start with a deploy.",
      onEks
        ? "A rollout that does not finish: new pods crash or never become ready, so they never join the target group."
        : "A deployment that does not finish: new tasks crash or fail the load balancer health check.",
      onEks
        ? `${code("kubectl rollout status")} reports ${code("ProgressDeadlineExceeded")}: Kubernetes does not roll back by itself.`
        : `${code(f.skyline("deploy status"))} shows the newest deployment “rolled back” (an alarm or ` +
          `the circuit breaker: ECS already undid it) or still “in progress” or “baking” while users see errors.`,
      ...(onEks ? [] : ["The deploy workflow failed at “Release the API through its deployment strategy”."]),
    ],
    alarms,
    preChecks: [
      onEks
        ? kubernetesCheck(
            f,
            region,
            "Confirm the deploy is the cause: the alarms began after the newest rollout.",
          )
        : {
            text: [
              "Confirm the deploy is the cause: the alarms began after the newest deployment started. " +
                `skyline deploy status shows its stage, the share of traffic on green, the bake left and which watched alarm fired.`,
            ],
            skyline: [f.skyline("deploy status"), f.skyline("status")],
            aws: deployments(f, region),
          },
      {
        text: [
          "Stop the pipeline so the bad version reaches no further region" +
            (f.secondaries.length > 0
              ? ` (${[region, ...f.secondaries].map((r) => code(r)).join(", ")} deploy one after another).`
              : "."),
        ],
      },
      onEks
        ? { text: ["Read the previous revision and its image from the rollout history above."] }
        : {
            text: [
              "Read the task definition family and the previous revision from the deployments above " +
                `(${code("taskDefinition")} is ${code(
                  `arn:aws:ecs:${region}:${f.manifest.accountId}:task-definition/${f.primary.service!.taskFamily}:${VALUES.revision.placeholder}`,
                )}).`,
            ],
          },
    ],
    procedure: [...f.regions.map((r) => rollbackStep(f, r)), migrationStep(f)],
    postChecks: [
      ...f.regions.map((r) =>
        onEks
          ? kubernetesCheck(f, r, `${code(r)}: the rollout is complete, every pod ready, alarms OK.`)
          : {
              text: [
                `${code(r)}: the newest deployment is ${code("ROLLBACK_SUCCESSFUL")} (or the re-release ${code("SUCCESSFUL")}), ` +
                  "the service runs the previous task definition, running = desired, alarms OK.",
              ],
              skyline: [f.skyline("deploy status", r), f.skyline("status", r)],
              aws: deployments(f, r),
            },
      ),
    ],
    followUps: [
      "Revert or fix the change in the repository: the next deploy ships whatever is on the main branch again.",
      ...(global?.ecrRepository
        ? [
            `Keep the bad image in ${code(global.ecrRepository)} for the review; list its tags with ` +
              `${code(f.awsInline("ecr describe-images", [["--repository-name", global.ecrRepository]], region))}.`,
          ]
        : []),
      onEks
        ? "Check that the readiness probe (/ready) failed for the bad pods: it is what keeps them out of the target group."
        : "If ECS did not roll back by itself, ask why the watched alarms stayed OK (thresholds, too little traffic on the canary) and whether a smoke check on the test listener would have caught it.",
      "Add a test that would have caught the regression.",
    ],
    related: ["snapshot-and-restore", "scale-out"],
    values: onEks ? [] : [VALUES.deployment, VALUES.previous, VALUES.revision],
  };
}

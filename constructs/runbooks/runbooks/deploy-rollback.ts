/**
 * Roll back a bad deploy: the ECS deployment circuit breaker may already have rolled back; if not,
 * point each region's service at the previous task definition (on EKS: `kubectl rollout undo` to
 * the previous ReplicaSet). Database migrations are forward-only and are not undone by a rollback,
 * which is the caveat on-call must weigh.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";
import { kubeconfig, kubectl, kubernetesOf, workloadName } from "./kubernetes";

const TASK_FAMILY = "<task-family>";

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
    "ecs describe-services",
    [
      ["--cluster", cluster],
      ["--services", name],
      ["--query", "'services[0].deployments[].[status,rolloutState,taskDefinition,createdAt]'"],
    ],
    region,
  );
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

function rollbackStep(f: RunbookFacts, region: string): RunbookStep {
  const entry = f.region(region);
  if (!entry.service) return rollbackPodsStep(f, region);
  const { cluster, service } = entry.service;
  return {
    title: `Roll back ${service} in ${region}`,
    text: [
      `Skip this region if the circuit breaker already rolled it back (its PRIMARY deployment runs the ` +
        "previous task definition) or the deploy never reached it.",
    ],
    aws: [
      ...f.aws(
        "ecs list-task-definitions",
        [
          ["--family-prefix", TASK_FAMILY],
          ["--sort", "DESC"],
          ["--max-items", "3"],
        ],
        region,
      ),
      ...f.aws(
        "ecs update-service",
        [
          ["--cluster", cluster],
          ["--service", service],
          ["--task-definition", `${TASK_FAMILY}:<previous-revision>`],
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
  const { cluster, containerName } = f.primary.service;
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
    aws: f.aws(
      "ecs run-task",
      [
        ["--cluster", cluster],
        ["--task-definition", `${TASK_FAMILY}:<revision>`],
        ["--launch-type", "FARGATE"],
        [
          "--network-configuration",
          "'awsvpcConfiguration={subnets=[<subnet-id>],securityGroups=[<security-group-id>]}'",
        ],
        ["--overrides", overrides],
      ],
      region,
    ),
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
        : `The ECS deployment circuit breaker reports ${code("rolloutState")} ${code("FAILED")} (it may ` +
          "already have rolled back).",
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
              "Confirm the deploy is the cause: the alarms began after the newest deployment's createdAt.",
            ],
            skyline: [f.skyline("status")],
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
                `(${code("taskDefinition")} is ${code(`arn:aws:ecs:<region>:<account-id>:task-definition/${TASK_FAMILY}:<revision>`)}).`,
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
                `${code(r)}: one deployment, ${code("rolloutState")} COMPLETED, running = desired, alarms OK.`,
              ],
              skyline: [f.skyline("status", r)],
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
        : "If the circuit breaker did not trip, check that the service's deployment circuit breaker is on with rollback.",
      "Add a test that would have caught the regression.",
    ],
    related: ["snapshot-and-restore", "scale-out"],
  };
}

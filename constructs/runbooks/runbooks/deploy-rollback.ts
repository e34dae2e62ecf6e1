/**
 * Roll back a bad deploy: the ECS deployment circuit breaker may already have rolled back; if not,
 * point each region's service at the previous task definition. Database migrations are forward-only
 * and are not undone by a rollback, which is the caveat on-call must weigh.
 */
import { code } from "../markdown";
import type { RunbookDocument, RunbookStep } from "../runbook-document";
import type { RunbookFacts } from "../runbook-facts";

const TASK_FAMILY = "<task-family>";

function deployments(f: RunbookFacts, region: string): string[] {
  const { cluster, service } = f.region(region).service;
  return f.aws(
    "ecs describe-services",
    [
      ["--cluster", cluster],
      ["--services", service],
      ["--query", "'services[0].deployments[].[status,rolloutState,taskDefinition,createdAt]'"],
    ],
    region,
  );
}

function rollbackStep(f: RunbookFacts, region: string): RunbookStep {
  const { cluster, service } = f.region(region).service;
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
  return {
    name: "deploy-rollback",
    title: `Roll back a bad deploy (${f.env})`,
    summary:
      "Return the API to the previous task definition when a deploy breaks it, and decide what to do " +
      "about migrations the deploy applied.",
    symptoms: [
      "5xx, latency or failing health checks that start with a deploy.",
      "A deployment that does not finish: new tasks crash or fail the load balancer health check.",
      `The ECS deployment circuit breaker reports ${code("rolloutState")} ${code("FAILED")} (it may ` +
        "already have rolled back).",
    ],
    alarms,
    preChecks: [
      {
        text: ["Confirm the deploy is the cause: the alarms began after the newest deployment's createdAt."],
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
      {
        text: [
          "Read the task definition family and the previous revision from the deployments above " +
            `(${code("taskDefinition")} is ${code(`arn:aws:ecs:<region>:<account-id>:task-definition/${TASK_FAMILY}:<revision>`)}).`,
        ],
      },
    ],
    procedure: [...f.regions.map((r) => rollbackStep(f, r)), migrationStep(f)],
    postChecks: [
      ...f.regions.map((r) => ({
        text: [
          `${code(r)}: one deployment, ${code("rolloutState")} COMPLETED, running = desired, alarms OK.`,
        ],
        skyline: [f.skyline("status", r)],
        aws: deployments(f, r),
      })),
    ],
    followUps: [
      "Revert or fix the change in the repository: the next deploy ships whatever is on the main branch again.",
      ...(global?.ecrRepository
        ? [
            `Keep the bad image in ${code(global.ecrRepository)} for the review; list its tags with ` +
              `${code(f.awsInline("ecr describe-images", [["--repository-name", global.ecrRepository]], region))}.`,
          ]
        : []),
      "If the circuit breaker did not trip, check that the service's deployment circuit breaker is on with rollback.",
      "Add a test that would have caught the regression.",
    ],
    related: ["snapshot-and-restore", "scale-out"],
  };
}

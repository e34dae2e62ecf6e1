/**
 * The runbook "queue backlog and dead letters" (issue 16): rendered from manifests synthesized with
 * the queue tier on (ECS workers and KEDA-scaled EKS workers) and from one without it.
 */
import { renderRunbookFiles } from "../../runbooks/runbooks";
import { queueManifest } from "../cli/queue-manifests";
import { loadFixture, skylineCommands } from "./helpers";

function runbook(manifest: Parameters<typeof renderRunbookFiles>[0]): string {
  const found = renderRunbookFiles(manifest).find((r) => r.name === "queue-backlog");
  if (!found) throw new Error("no queue-backlog runbook");
  // AWS CLI lines longer than 100 characters are continued with ` \\`: join them to read as typed.
  return found.markdown.replace(/ \\\n\s+/g, " ");
}

describe("queue backlog and dead letters, workers on ECS", () => {
  const { manifest } = queueManifest("ecs");
  const md = runbook(manifest);
  const primary = manifest.regions[manifest.primaryRegion].queue!;
  const standby = manifest.regions["eu-west-1"].queue!;

  it("tells slow workers from a poison message before acting", () => {
    expect(md).toContain("| Slow or too few workers | Scale the workers (step 1)");
    expect(md).toContain(
      `(\`ApproximateReceiveCount\` up to ${primary.maxReceiveCount}) | A poison message, or a bad release of the worker | Do not scale`,
    );
  });

  it("lists the queue alarms of every region with a queue, as queue alarms", () => {
    for (const suffix of ["queue-oldest-message-age", "queue-dead-letters", "worker-none-running"]) {
      expect(md).toContain(
        `| \`us-east-1\` | \`skyline-production-use1-${suffix}\` | submission queue and workers |`,
      );
      expect(md).toContain(
        `| \`eu-west-1\` | \`skyline-production-euw1-${suffix}\` | submission queue and workers |`,
      );
    }
  });

  it("scales the workers with the real service and autoscaling target, doubling the range", () => {
    const { minCapacity, maxCapacity, resourceId } =
      primary.workers.kind === "ecs" ? primary.workers.autoscaling : ({} as never);
    const commands = skylineCommands(md);
    expect(commands).toContain(
      `skyline --env production --region us-east-1 scale workers --min ${minCapacity * 2} --max ${maxCapacity * 2}`,
    );
    expect(md).toContain(`--resource-id ${resourceId}`);
  });

  it("redrives with a bounded rate, from the dead-letter queue's ARN to the queue's", () => {
    expect(skylineCommands(md)).toContain(
      "skyline --env production --region us-east-1 queue redrive --max-per-second 10",
    );
    expect(md).toContain(`--source-arn ${primary.deadLetterQueue.arn}`);
    expect(md).toContain(`--destination-arn arn:aws:sqs:us-east-1:${manifest.accountId}:${primary.name}`);
  });

  it("after a regional failover: holds the failed region's workers at zero, then replays into the next region's queue", () => {
    expect(skylineCommands(md)).toContain(
      "skyline --env production --region us-east-1 scale workers --min 0 --max 0",
    );
    expect(md).toContain(
      `aws sqs receive-message --queue-url ${primary.url} --max-number-of-messages 10 --region us-east-1`,
    );
    expect(md).toContain(
      `aws sqs send-message --queue-url ${standby.url} --message-body '<message-body>' --region eu-west-1`,
    );
    expect(md.indexOf("scale workers --min 0 --max 0")).toBeLessThan(
      md.indexOf(`aws sqs send-message --queue-url ${standby.url}`),
    );
  });
});

describe("queue backlog and dead letters, workers on EKS", () => {
  const { manifest } = queueManifest("eks");
  const md = runbook(manifest);
  const workers = manifest.regions[manifest.primaryRegion].queue!.workers;

  it("patches KEDA's ScaledObject instead of an ECS scaling target, and pauses it at zero", () => {
    if (workers.kind !== "eks") throw new Error("expected EKS workers");
    expect(md).toContain(
      `kubectl --context ${workers.cluster} -n ${workers.namespace} patch scaledobject ${workers.scaledObject} --type merge`,
    );
    expect(md).toContain(`autoscaling.keda.sh/paused-replicas=0`);
    expect(md).not.toContain("scale workers --min");
    expect(md).not.toContain("application-autoscaling");
  });
});

it("exists only where the queue tier is on, listed after scale-out", () => {
  const names = (m: Parameters<typeof renderRunbookFiles>[0]) => renderRunbookFiles(m).map((r) => r.name);
  expect(names(loadFixture("staging"))).not.toContain("queue-backlog");
  const withQueue = names(queueManifest("ecs").manifest);
  expect(withQueue.indexOf("queue-backlog")).toBe(withQueue.indexOf("scale-out") + 1);
});

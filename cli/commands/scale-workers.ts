/**
 * `skyline scale workers`: the queue workers of --region (default: the primary), as `scale service`
 * does for the API (core/scale-ecs.ts): --min/--max set the worker service's autoscaling target
 * (backlog per task keeps the count inside it), --desired its count. `--min 0 --max 0` holds the
 * workers at zero, as a failed-over region's must be until it is the writer again.
 * On EKS KEDA's ScaledObject owns the replicas: exit 2 with the kubectl lines.
 */
import type { Context } from "../core/context";
import { UsageError } from "../core/errors";
import { kedaHint, queueOf } from "../core/queue";
import { scaleEcsService, type ScaleOptions } from "../core/scale-ecs";

export async function run(ctx: Context, options: ScaleOptions): Promise<void> {
  const region = ctx.region();
  const entry = ctx.regionManifest(region, "--region");
  const queue = queueOf(entry, region, "scale workers");
  const workers = queue.workers;
  if (workers.kind === "eks") {
    throw new UsageError(
      `${region} runs the queue workers on EKS (Deployment ${workers.namespace}/${workers.deployment} in ${workers.cluster}): ` +
        `KEDA's ScaledObject ${workers.scaledObject} owns their replicas, and \`scale workers\` acts on ECS services only. ` +
        `Use kubectl: ${kedaHint(workers, region)}.`,
    );
  }
  const fields = ctx.manifest().configFields;
  const minField = fields.queueWorkerMinTasks ?? "queue.worker.minTasks";
  const maxField = fields.queueWorkerMaxTasks ?? "queue.worker.maxTasks";
  await scaleEcsService(
    ctx,
    {
      command: "scale workers",
      region,
      cluster: workers.cluster,
      service: workers.service,
      autoscaling: workers.autoscaling,
      rangeFields: `${minField} / ${maxField}`,
      desiredField: minField,
      impact: [
        `A worker in the middle of a batch is protected from scale-in until the batch commits; its messages stay ` +
          `in flight at most the visibility timeout (${queue.visibilityTimeoutSeconds} s) and then return to ${queue.name}.`,
      ],
    },
    options,
  );
}

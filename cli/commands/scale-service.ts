/**
 * `skyline scale service`: in --region (default: the primary) either set the API's autoscaling
 * target's --min/--max (when the manifest has one) or the service's --desired count, then wait until
 * the service is stable (one deployment, running = desired). The steps are core/scale-ecs.ts's,
 * shared with `scale workers`.
 */
import type { Context } from "../core/context";
import { ecsService } from "../core/health";
import { scaleEcsService, type ScaleOptions } from "../core/scale-ecs";

export type ScaleServiceOptions = ScaleOptions;

export async function run(ctx: Context, options: ScaleServiceOptions): Promise<void> {
  const region = ctx.region();
  const entry = ctx.regionManifest(region, "--region");
  // On EKS the HorizontalPodAutoscaler owns the scale: exit 2 with the kubectl equivalent.
  const { cluster, service, autoscaling } = ecsService(entry, region, "scale service");
  const fields = ctx.manifest().configFields;
  await scaleEcsService(
    ctx,
    {
      command: "scale service",
      region,
      cluster,
      service,
      autoscaling,
      rangeFields: `${fields.serviceMinTasks} / ${fields.serviceMaxTasks}`,
      desiredField: fields.serviceDesiredTasks,
    },
    options,
  );
}

/**
 * `skyline capacity`: can the environment carry its load targets? Needed vs allowed per region and
 * tier, at the target and at the peak, from the synthesized stacks and the measured profile. Exit 3
 * (refused) when a tier cannot carry the peak, naming the config field to change. Read-only: no AWS
 * call.
 */
import { capacityInputs } from "../../planning/capacity/inputs";
import { planCapacity } from "../../planning/capacity/model";
import { renderCapacity } from "../../planning/capacity/render";
import type { Context } from "../core/context";
import { ExitCode, RefusedError } from "../core/errors";
import { asCliError, planningSources, type PlanningOptions } from "../core/planning";

export async function run(ctx: Context, options: PlanningOptions): Promise<void> {
  const sources = planningSources(ctx, options);
  let report;
  try {
    report = planCapacity(
      capacityInputs(sources.manifest, sources.resources),
      sources.targets,
      sources.targetsFrom,
      sources.profile,
    );
  } catch (error) {
    throw asCliError(error);
  }
  for (const line of renderCapacity(report, sources.profileLine)) ctx.out.text(line);
  const capacity = { ...report, profile: sources.profileDocument };
  if (report.verdict.ok) {
    ctx.report.succeeded({ capacity });
    return;
  }
  const message = `${report.environment} ${report.verdict.summary}.`;
  ctx.report.emit({
    outcome: "refused",
    exitCode: ExitCode.Refused,
    capacity,
    error: { kind: "refused", message },
  });
  throw new RefusedError(message);
}

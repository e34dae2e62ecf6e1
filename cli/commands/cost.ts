/**
 * `skyline cost`: the monthly estimate of the environment from its synthesized stacks and the price
 * table (planning/cost/prices.json), per resource, stack and service, at minimum capacity, at the
 * load target and at the ceiling. Exit 1 when a price is missing (the estimate would be short).
 * Read-only: no AWS call.
 */
import { capacityInputs } from "../../planning/capacity/inputs";
import { estimateCost } from "../../planning/cost/estimate";
import { PRICE_TABLE_PATH, readPriceTable } from "../../planning/cost/price-table";
import { renderCost } from "../../planning/cost/render";
import type { Context } from "../core/context";
import { ExitCode, FailedError } from "../core/errors";
import { asCliError, planningSources, relativeTo, type PlanningOptions } from "../core/planning";

export async function run(ctx: Context, options: PlanningOptions): Promise<void> {
  const sources = planningSources(ctx, options);
  let report;
  try {
    report = estimateCost({
      manifest: sources.manifest,
      resources: sources.resources,
      capacityInputs: capacityInputs(sources.manifest, sources.resources),
      targets: sources.targets,
      profile: sources.profile,
      table: readPriceTable(),
      tablePath: relativeTo(ctx.rt.cwd, PRICE_TABLE_PATH),
    });
  } catch (error) {
    throw asCliError(error);
  }
  for (const line of renderCost(report, sources.profileLine)) ctx.out.text(line);
  const cost = { ...report, profile: sources.profileDocument };
  if (report.missing.length === 0) {
    ctx.report.succeeded({ cost });
    return;
  }
  const error = new FailedError(
    `The estimate is incomplete: ${report.missing.length === 1 ? "1 price is" : `${report.missing.length} prices are`} missing from ${report.priceTable.path} (listed above); add them.`,
  );
  ctx.report.emit({
    outcome: "failed",
    exitCode: ExitCode.Failed,
    cost,
    error: { kind: "failed", message: error.message },
  });
  throw error;
}

/**
 * `skyline failover region --to <region>`: the whole regional failover in one command, in order,
 * each step with its plan, checks, wait and verification (core/failover/steps.ts): fence the old
 * writer's region where it is reachable, promote the target's replica, repoint and roll the
 * service, move the cache, move traffic with the data-plane switches, verify a read and a write
 * through the public hostname. Each step's measured time is printed against its budget (the
 * budgets sum to the RTO), and the data-loss window against the RPO.
 *
 * Resumable: re-running reads the state from AWS and continues at the first step not done.
 * `--to <the config's primary>` once it is back is the fail-back, in its own order.
 */
import type { Context } from "../core/context";
import { executePlan } from "../core/plan";
import {
  executeSteps,
  prepareRegionFailover,
  summarize,
  type RegionFailoverOptions,
} from "../core/failover/region-failover";

export async function run(ctx: Context, options: RegionFailoverOptions): Promise<void> {
  const prepared = await prepareRegionFailover(ctx, options);
  if ("noop" in prepared) {
    await executePlan(ctx, prepared.noop, async () => ({ lines: [], data: {} }));
    return;
  }
  await executePlan(
    ctx,
    prepared.plan,
    async () => {
      const results = await executeSteps(prepared);
      const summary = summarize(prepared, results);
      return { lines: summary.lines, data: summary.data };
    },
    { overrideAccepted: prepared.overrideAccepted, typed: prepared.typed },
  );
}

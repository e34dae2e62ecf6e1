/**
 * `skyline drill [--to <dr-region>]`: rehearses a regional failover and its fail-back on a
 * non-production environment that has a DR region (staging's optional drillRegion), with the same
 * steps as `skyline failover region`, and measures them: each step against its budget, the RTO
 * (the failover's measured time), and the RPO with marker rows written through the public hostname
 * before the failover (read back after it) and after it (read back after the fail-back). Writes a
 * report, JSON and Markdown, that `skyline status` shows. Production is rehearsed with the
 * game-day runbook instead: a drill never runs there.
 */
import type { Context } from "../core/context";
import {
  drillDir,
  renderDrillMarkdown,
  writeDrillReport,
  type DrillMarker,
  type DrillPhase,
  type DrillReport,
} from "../core/drill-report";
import { FailedError } from "../core/errors";
import {
  executeSteps,
  prepareRegionFailover,
  summarize,
  type PreparedFailover,
} from "../core/failover/region-failover";
import type { StepResult } from "../core/failover/steps";
import { formatElapsed } from "../core/output";
import { executePlan, type Plan } from "../core/plan";
import { readRecord, writeRecord, type PublicTarget } from "../core/public-endpoint";

export interface DrillOptions {
  /** @default the first DR region of the failover chain */
  readonly to?: string;
  readonly publicUrl?: string;
  /** @default SKYLINE_DRILL_DIR, else ~/.skyline/drills */
  readonly reportDir?: string;
}

function refusedPlan(ctx: Context, reason: string): Plan {
  const manifest = ctx.manifest();
  return {
    command: "drill",
    action: `Drill a regional failover of ${manifest.environment}`,
    region: manifest.primaryRegion,
    target: manifest.environment,
    impact: ["None: nothing is sent."],
    checks: [{ name: "drillable environment", ok: false, detail: reason }],
    steps: [],
  };
}

export async function run(ctx: Context, options: DrillOptions): Promise<void> {
  const manifest = ctx.manifest();
  const order = manifest.global?.failoverOrder ?? [manifest.primaryRegion];
  if (manifest.tier === "production") {
    await executePlan(
      ctx,
      refusedPlan(
        ctx,
        `${manifest.environment} is production: drills run on non-production environments; rehearse production with the game-day runbook (skyline runbook show game-day)`,
      ),
      async () => ({ lines: [], data: {} }),
    );
    return;
  }
  const to = options.to ?? order[1];
  if (!to) {
    await executePlan(
      ctx,
      refusedPlan(
        ctx,
        `${manifest.environment} has one region: turn on drillRegion in ${manifest.configFields.file}, synth and apply it first`,
      ),
      async () => ({ lines: [], data: {} }),
    );
    return;
  }
  const forward = await prepareRegionFailover(ctx, { to, publicUrl: options.publicUrl }, "drill");
  if ("noop" in forward || forward.run.mode !== "failover") {
    await executePlan(
      ctx,
      refusedPlan(
        ctx,
        `the writer is not in ${manifest.primaryRegion}: finish the last failover or fail-back first (skyline failover region --to ${manifest.primaryRegion})`,
      ),
      async () => ({ lines: [], data: {} }),
    );
    return;
  }
  const target = forward.run.publicTarget!;
  const primary = manifest.primaryRegion;
  const plan: Plan = {
    ...forward.plan,
    action: `Drill: fail ${manifest.environment} over ${primary} → ${to}, verify, fail back, measure RTO and RPO`,
    impact: [
      `${to} takes the writer and the traffic, then ${primary} takes them back: two short write outages (the fences).`,
      `Marker rows are written through ${target.baseUrl} before the failover and after it, and read back to measure lost writes.`,
    ],
    steps: [
      `write marker row 1 through ${target.baseUrl}`,
      ...forward.plan.steps.map((s) => `failover: ${s}`),
      "read marker row 1 back; write marker row 2",
      `fail back to ${primary}: re-seed, catch up, fence ${to}, promote, repoint and roll, cache, traffic, verify, re-seed the DR replicas`,
      "read both marker rows back; write the drill report (JSON and Markdown)",
    ],
  };
  const startedAt = new Date(ctx.rt.now()).toISOString();
  const dir = options.reportDir ?? drillDir(ctx.rt.env, ctx.rt.homedir);
  const phases: DrillPhase[] = [];
  const markers: (DrillMarker & { writtenMs: number })[] = [];
  const finish = (outcome: DrillReport["outcome"], extra: Partial<DrillReport> = {}) => {
    const report: DrillReport = {
      schemaVersion: 1,
      app: manifest.app,
      environment: manifest.environment,
      startedAt,
      finishedAt: new Date(ctx.rt.now()).toISOString(),
      outcome,
      targets: { rtoMinutes: manifest.targets.rtoMinutes, rpoSeconds: manifest.targets.rpoSeconds },
      phases,
      markers: markers.map(({ writtenMs: _w, ...m }) => m),
      ...extra,
    };
    return { report, paths: writeDrillReport(dir, report) };
  };

  await executePlan(
    ctx,
    plan,
    async () => {
      try {
        const written = await marker(ctx, target, primary, "before failover");
        markers.push(written);
        const first = await phase(forward);
        phases.push(first.phase);
        const promotedAt = promotedTime(first.results, ctx.rt.now());
        markers[0] = { ...markers[0], foundAfterFailover: (await readRecord(target, markers[0].id)).found };
        markers.push(await marker(ctx, target, to, "after failover"));

        const back = await prepareRegionFailover(ctx, { to: primary, publicUrl: options.publicUrl }, "drill");
        if ("noop" in back || back.run.mode !== "failback") {
          throw new FailedError(
            `The fail-back to ${primary} could not be planned from what AWS shows; run skyline failover region --to ${primary}.`,
          );
        }
        const blocking = back.checks.filter((c) => !c.ok);
        if (blocking.length) {
          throw new FailedError(
            `The fail-back refused: ${blocking.map((c) => `${c.name} (${c.detail})`).join("; ")}.`,
          );
        }
        const second = await phase(back);
        phases.push(second.phase);
        const failedBackAt = promotedTime(second.results, ctx.rt.now());
        for (let i = 0; i < markers.length; i++) {
          markers[i] = { ...markers[i], foundAfterFailback: (await readRecord(target, markers[i].id)).found };
        }
        // Lost writes: a marker that did not survive its promotion bounds the window by its age then.
        const lost = [
          ...(markers[0].foundAfterFailover === false ? [(promotedAt - markers[0].writtenMs) / 1000] : []),
          ...(markers[1].foundAfterFailback === false ? [(failedBackAt - markers[1].writtenMs) / 1000] : []),
        ];
        const measuredRpoSeconds = lost.length ? Math.round(Math.max(...lost)) : 0;
        const measuredRtoMs = first.phase.measuredMs;
        const { report, paths } = finish("succeeded", { measuredRtoMs, measuredRpoSeconds });
        return {
          lines: [
            ...first.lines,
            ...second.lines,
            `Drill: measured RTO ${formatElapsed(measuredRtoMs)} (RTO ${manifest.targets.rtoMinutes} min, detection not included), ` +
              `measured RPO ${measuredRpoSeconds} s (RPO ${manifest.targets.rpoSeconds} s; ${markers.length} marker rows, ${
                markers.filter((m) => m.foundAfterFailback !== false && m.foundAfterFailover !== false).length
              } found).`,
            `Report: ${paths.json} and ${paths.markdown} (skyline status shows the last drill).`,
          ],
          data: { report, paths, markdown: renderDrillMarkdown(report) },
        };
      } catch (error) {
        const { paths } = finish("failed", { error: (error as Error).message });
        ctx.out.warn(`drill failed; what it measured so far is in ${paths.json}`);
        throw error;
      }
    },
    { typed: forward.typed },
  );

  async function phase(
    prepared: PreparedFailover,
  ): Promise<{ phase: DrillPhase; results: StepResult[]; lines: string[] }> {
    const results = await executeSteps(prepared);
    const summary = summarize(prepared, results);
    return {
      phase: {
        mode: prepared.run.mode,
        from: prepared.run.from,
        to: prepared.run.to,
        steps: results,
        measuredMs: summary.measuredMs,
      },
      results,
      lines: summary.lines,
    };
  }
}

async function marker(
  ctx: Context,
  target: PublicTarget,
  region: string,
  when: string,
): Promise<DrillMarker & { writtenMs: number }> {
  const writtenMs = ctx.rt.now();
  const title = `skyline drill marker ${ctx.manifest().environment} ${when} ${new Date(writtenMs).toISOString()}`;
  const { id } = await writeRecord(target, title);
  return { id, writtenAt: new Date(writtenMs).toISOString(), region, writtenMs };
}

/** When the promotion of a phase finished: the end of its promote step (or now). */
function promotedTime(results: readonly StepResult[], now: number): number {
  let t = now;
  let elapsed = 0;
  for (const r of results) {
    elapsed += r.ms;
    if (r.id === "promoteDatabase") t = now - results.reduce((n, x) => n + x.ms, 0) + elapsed;
  }
  return t;
}

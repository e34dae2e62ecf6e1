/**
 * Planning and running a regional failover or fail-back from AWS state (steps.ts): which mode,
 * which steps are already done, the pre-checks (gates.ts), the data-loss window, and the per-step
 * timing against the manifest's budgets. Used by `skyline failover region` and `skyline drill`.
 */
import type { OpsManifest } from "../../../manifest/schema";
import type { Context } from "../context";
import { CliError, RefusedError, UsageError } from "../errors";
import { canServeChecks, lagCheck, lastLagSeen, readReplicaLag, replicaAvailableCheck } from "../gates";
import { Outage, type OutageOptions } from "../outage";
import { formatElapsed } from "../output";
import type { Check, Plan, TypedConfirmation } from "../plan";
import { publicTarget } from "../public-endpoint";
import { readRegions, regionDbId, writerRegion, type RegionState } from "./region-state";
import { budgetOf, stepsFor, type FailoverRun, type Step, type StepResult, type StepView } from "./steps";

export interface RegionFailoverOptions extends OutageOptions {
  readonly to: string;
  /** @default false */
  readonly acceptDataLoss?: boolean;
  /** @default prompt for the replica id */
  readonly confirmReplicaId?: string;
  /** @default https://<global.publicHostname> */
  readonly publicUrl?: string;
}

export interface DataLossWindow {
  /** The last replica lag seen before the promotion, seconds; undefined when none was seen. */
  readonly seconds?: number;
  readonly at?: string;
  readonly rpoSeconds: number;
}

export interface PreparedFailover {
  readonly run: FailoverRun;
  readonly steps: readonly Step[];
  readonly views: readonly StepView[];
  readonly checks: readonly Check[];
  readonly plan: Plan;
  readonly typed: readonly TypedConfirmation[];
  readonly overrideAccepted: boolean;
  readonly dataLoss?: DataLossWindow;
}

/** Reads every reachable region, turning a dead region into advice to declare the outage. */
async function readAll(
  ctx: Context,
  manifest: OpsManifest,
  outage: Outage,
): Promise<Map<string, RegionState>> {
  try {
    return await readRegions(ctx, manifest, outage);
  } catch (error) {
    const e = error as CliError & { call?: { region?: string }; transient?: boolean };
    const region = e.call?.region;
    if (
      e instanceof CliError &&
      region &&
      region !== "unknown" &&
      (e.kind === "timeout" || e.kind === "aws" || e.transient)
    ) {
      throw new RefusedError(
        `Could not read ${region} (${e.message}) If ${region} is down, declare it: re-run with --declare-outage ${region}; nothing is then sent there.`,
      );
    }
    throw error;
  }
}

function modeOf(
  manifest: OpsManifest,
  states: ReadonlyMap<string, RegionState>,
  to: string,
): { mode: FailoverRun["mode"]; from: string } | { noop: string } {
  const writer = writerRegion(manifest, states);
  const primary = manifest.primaryRegion;
  if (to !== primary) {
    return { mode: "failover", from: writer !== to ? writer : primary };
  }
  if (writer !== primary) return { mode: "failback", from: writer };
  // The primary holds the writer. After a fail-back that skyline promoted, finish its steps.
  const db = states.get(primary)?.db;
  if (db?.writerSince) {
    const other = [...states.values()]
      .filter((s) => s.region !== primary && s.db && !s.db.replicaOf && s.db.writerSince)
      .sort((a, b) => (b.db!.writerSince! > a.db!.writerSince! ? 1 : -1))[0];
    return { mode: "failback", from: other?.region ?? manifest.global?.failoverOrder[1] ?? primary };
  }
  return {
    noop: `${primary} holds the writer already; to move only traffic use skyline failover dns --to ${primary}`,
  };
}

export async function prepareRegionFailover(
  ctx: Context,
  options: RegionFailoverOptions,
  command = "failover region",
): Promise<PreparedFailover | { noop: Plan }> {
  const manifest = ctx.manifest();
  const to = options.to;
  ctx.regionManifest(to, "--to");
  const outage = new Outage(manifest, options);
  if (!outage.reachable(to))
    throw new UsageError(`--to ${to} is the region declared down; pick a region that is up.`);
  if (options.confirmReplicaId !== undefined && !options.acceptDataLoss) {
    throw new UsageError("--confirm-replica-id only makes sense with --accept-data-loss.");
  }
  if (!manifest.global?.trafficSwitch) {
    throw new UsageError(
      `${manifest.environment} has one region: there is no region to fail over to (a non-production environment can get one with drillRegion).`,
    );
  }
  const states = await readAll(ctx, manifest, outage);
  const mode = modeOf(manifest, states, to);
  if ("noop" in mode) {
    return {
      noop: {
        command,
        action: `Fail over to ${to}`,
        region: to,
        target: to,
        impact: [],
        checks: [],
        steps: [],
        noop: mode.noop,
      },
    };
  }
  const run: FailoverRun = {
    ctx,
    manifest,
    outage,
    mode: mode.mode,
    from: mode.from,
    to,
    publicTarget: publicTarget(manifest, options.publicUrl, ctx.rt.env),
    states,
  };
  const steps = stepsFor(run.mode);
  const views: StepView[] = [];
  for (const step of steps) views.push(await step.view(run));

  const checks: Check[] = [];
  const typed: TypedConfirmation[] = [];
  const target = manifest.regions[to];
  const dbId = regionDbId(manifest, to);
  const db = states.get(to)?.db;
  let dataLoss: DataLossWindow | undefined;
  let lagFailed = false;
  if (run.mode === "failover") {
    const promoted = db && !db.replicaOf && db.writerSince;
    if (!promoted) {
      checks.push(replicaAvailableCheck(db?.instance, dbId ?? `the database of ${to}`, { allowBusy: true }));
      if (db?.replicaOf) {
        const lag = lagCheck(await readReplicaLag(ctx, to, db.id), manifest.targets.rpoSeconds, run.from);
        checks.push(lag);
        lagFailed = !lag.ok;
        const last = await lastLagSeen(ctx, to, db.id);
        dataLoss = { seconds: last?.seconds, at: last?.at, rpoSeconds: manifest.targets.rpoSeconds };
      }
    } else {
      checks.push({
        name: "replica available",
        ok: true,
        detail: `${db.id} already promoted (writer since ${db.writerSince})`,
      });
    }
    checks.push(...(await canServeChecks(ctx, to, target, outage)));
  } else {
    const writer = states.get(run.from)?.db;
    checks.push({
      name: `writer in ${run.from} available`,
      ok: writer?.status === "available" && !writer.replicaOf,
      detail: writer
        ? `${writer.id} ${writer.status}${writer.replicaOf ? ", a replica" : ", standalone"}`
        : "not found",
    });
    checks.push({
      name: `${to} is back`,
      ok: outage.reachable(to) && states.get(to)?.reachable === true,
      detail: `${to} answered`,
    });
  }
  checks.push({
    name: "public write check possible",
    ok: run.publicTarget?.token !== undefined,
    detail: run.publicTarget?.token
      ? `writes through ${run.publicTarget.baseUrl} with SKYLINE_API_TOKEN`
      : "set SKYLINE_API_TOKEN to an admin token of the API: the last step proves a write works (see the region-failover runbook)",
  });

  const ack = outage.acknowledgement();
  if (ack) typed.push(ack);
  if (options.acceptDataLoss && lagFailed && dbId) {
    typed.push({
      reason: `--accept-data-loss: writes not yet replicated to ${dbId} are lost (up to ${dataLoss?.seconds ?? "an unknown number of"} s by the last lag seen).`,
      expected: dbId,
      given: options.confirmReplicaId,
      flag: "--confirm-replica-id",
    });
  }
  // Data-loss overrides need their flag; serving overrides need the declared outage (outage.ts).
  const adjusted = checks.map((c) =>
    c.name === "replica lag within RPO" ? { ...c, overridable: options.acceptDataLoss === true } : c,
  );

  const budgetTotal = Object.values(manifest.targets.failoverBudgetMinutes).reduce((a, b) => a + b, 0);
  const plan: Plan = {
    command,
    action:
      run.mode === "failover"
        ? `Fail over the region: writer ${run.from} → ${to}${outage.declared ? ` (outage of ${outage.region} declared)` : ""}`
        : `Fail back to ${to}: writer ${run.from} → ${to}`,
    region: to,
    target: dbId ?? to,
    check: `the writer (skyline status) and traffic of ${manifest.environment}`,
    impact:
      run.mode === "failover"
        ? [
            `${to} becomes the writer and takes the traffic; ${run.from} is fenced${outage.reachable(run.from) ? "" : " when it returns"}.`,
            `Data-loss window: ${describeDataLoss(dataLoss)}.`,
            `Budget: ${budgetTotal} min in all (RTO ${manifest.targets.rtoMinutes} min), of which ${manifest.targets.failoverBudgetMinutes.detect} min before this command.`,
          ]
        : [
            `Writes stop while ${run.from} is fenced and ${to} is promoted (minutes, once the re-seeded replica caught up).`,
            `${run.from} and the other DR regions become replicas of ${to} again (re-seeded: hours for a large database).`,
          ],
    checks: adjusted,
    steps: steps.map((s, i) => {
      const budget = budgetOf(manifest, s.id);
      const v = views[i];
      return `[${v.status}] ${s.title(run)}${budget ? ` (budget ${budget} min)` : ""}: ${v.detail}`;
    }),
    notices: [
      ...(views.every((v, i) => v.status !== "todo" || steps[i].id === "verify")
        ? ["Every step but the verification is done already (found in AWS): this run verifies."]
        : views.some((v) => v.status === "done")
          ? [`Resuming: the steps marked done were found done in AWS.`]
          : []),
      ...(run.mode === "failover"
        ? [
            `Afterwards: apply ${to}'s stack with primaryRegion = "${to}" (docs/operations.md, applying during an outage), and fail back with skyline failover region --to ${manifest.primaryRegion} once ${manifest.primaryRegion} is back.`,
          ]
        : []),
    ],
  };
  return {
    run,
    steps,
    views,
    checks: adjusted,
    plan,
    typed,
    overrideAccepted: outage.declared || options.acceptDataLoss === true,
    dataLoss,
  };
}

export function describeDataLoss(d: DataLossWindow | undefined): string {
  if (!d) return "none (the database is promoted already, or this is a fail-back with the lag drained to 0)";
  if (d.seconds === undefined) return `unknown: no ReplicaLag seen in the last hour (RPO ${d.rpoSeconds} s)`;
  return `≤ ${d.seconds} s, the last replica lag seen (at ${d.at}), RPO ${d.rpoSeconds} s${d.seconds > d.rpoSeconds ? ": EXCEEDED" : ""}`;
}

/** Runs the steps in order, each re-judged from fresh AWS state; measures each one. */
export async function executeSteps(prepared: PreparedFailover): Promise<StepResult[]> {
  const { run, steps } = prepared;
  const { ctx, manifest } = run;
  const results: StepResult[] = [];
  for (const step of steps) {
    run.states = await readRegions(ctx, manifest, run.outage);
    const view = await step.view(run);
    const title = step.title(run);
    const budgetMinutes = budgetOf(manifest, step.id);
    if (view.status !== "todo") {
      results.push({
        id: step.id,
        title,
        outcome: view.status === "done" ? "already done" : view.status,
        ms: 0,
        budgetMinutes,
        notes: [view.detail],
      });
      ctx.out.progress(`${title}: ${view.status === "done" ? "already done" : view.status} (${view.detail})`);
      continue;
    }
    ctx.out.progress(`${title}: starting${budgetMinutes ? ` (budget ${budgetMinutes} min)` : ""}`);
    const started = ctx.rt.now();
    const notes = await step.act(run);
    const ms = ctx.rt.now() - started;
    results.push({ id: step.id, title, outcome: "done", ms, budgetMinutes, notes });
    ctx.out.progress(
      `${title}: done in ${formatElapsed(ms)}${budgetMinutes ? ` (budget ${budgetMinutes} min)` : ""}`,
    );
  }
  return results;
}

export interface FailoverSummary {
  readonly lines: string[];
  readonly data: Record<string, unknown>;
  /** Measured time of the steps run now, ms (the RTO this run achieved, without detection). */
  readonly measuredMs: number;
}

export function summarize(prepared: PreparedFailover, results: readonly StepResult[]): FailoverSummary {
  const { run, dataLoss } = prepared;
  const t = run.manifest.targets;
  const measuredMs = results.reduce((n, r) => n + r.ms, 0);
  const commandBudget = t.rtoMinutes - t.failoverBudgetMinutes.detect;
  const rows = results.map((r) => {
    const over = r.budgetMinutes !== undefined && r.ms > r.budgetMinutes * 60_000;
    return (
      `  ${r.title}: ${r.outcome}` +
      (r.outcome === "done" ? ` in ${formatElapsed(r.ms)}` : "") +
      (r.budgetMinutes !== undefined ? ` (budget ${r.budgetMinutes} min${over ? ", OVER" : ""})` : "")
    );
  });
  const lines = [
    run.mode === "failover"
      ? `${run.to} holds the writer and serves the traffic of ${run.manifest.environment}.`
      : `${run.to} holds the writer and serves the traffic again; the DR replicas are being re-seeded.`,
    "Steps (measured against their budget):",
    ...rows,
    ...(run.mode === "failover"
      ? [
          `Measured recovery time ${formatElapsed(measuredMs)} for the steps run now; with the ${t.failoverBudgetMinutes.detect} min budgeted to detect and decide, ` +
            `RTO ${t.rtoMinutes} min (${measuredMs > commandBudget * 60_000 ? "EXCEEDED" : "within"}: ${commandBudget} min left for the command).`,
          `Data-loss window ${describeDataLoss(dataLoss)}.`,
        ]
      : [`Fail-back took ${formatElapsed(measuredMs)}.`]),
    "Notes:",
    ...results.flatMap((r) => r.notes.map((n) => `  - ${n}`)),
  ];
  return {
    lines,
    measuredMs,
    data: {
      mode: run.mode,
      from: run.from,
      to: run.to,
      declaredOutage: run.outage.region ?? null,
      steps: results,
      measuredMs,
      rtoMinutes: t.rtoMinutes,
      budgetMinutes: t.failoverBudgetMinutes,
      dataLoss: dataLoss ?? null,
      verifiedRecord: run.verified?.id ?? null,
    },
  };
}

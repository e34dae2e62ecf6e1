/**
 * The shape every mutating command follows: build a plan with read-only calls, print it, succeed
 * without acting when there is nothing to do (a no-op, exit 0), refuse on a failed pre-check, stop on
 * --dry-run, confirm (prompt on a terminal, --yes otherwise), journal the start, act, and record the
 * outcome. Commands only supply the plan and the `act` function.
 */
import type { Context } from "./context";
import { RefusedError } from "./errors";
import { formatElapsed } from "./output";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** What was measured, e.g. `max ReplicaLag 12 s over 5 min (RPO 300 s)`. */
  readonly detail: string;
  /** May be overridden by an explicit acknowledgement (e.g. --accept-data-loss). @default false */
  readonly overridable?: boolean;
}

export interface Plan {
  /** `failover db`, `scale service`, … (also the audit metric's Command dimension). */
  readonly command: string;
  /** One line: what will happen. */
  readonly action: string;
  readonly region: string;
  /** The resource acted on, named as in the manifest. */
  readonly target: string;
  readonly impact: readonly string[];
  readonly checks: readonly Check[];
  readonly steps: readonly string[];
  /** Drift notices and other warnings printed with the plan. @default none */
  readonly notices?: readonly string[];
  /** What on-call should check if the run dies, for the journal. @default `<target> (<region>)` */
  readonly check?: string;
  /**
   * Set when the live state already is what the command asks for: the plan is shown, nothing is
   * sent, and the run succeeds (exit 0, outcome "no-op"). Says why, e.g. `already db.r7g.large`.
   * @default undefined (there is something to do)
   */
  readonly noop?: string;
}

export interface Outcome {
  /** Text-mode result lines (stdout). */
  readonly lines: readonly string[];
  /** JSON-mode `result`, also stored in the audit line. */
  readonly data: Record<string, unknown>;
}

export interface TypedConfirmation {
  /** Why typing is required, shown before the prompt. */
  readonly reason: string;
  /** The exact text the operator must type (e.g. the replica id). */
  readonly expected: string;
  /** The value given by flag for non-interactive use. @default undefined (prompt) */
  readonly given?: string;
  /** The flag that carries it, for the refusal message. */
  readonly flag: string;
}

export interface ExecuteOptions {
  /** Overridable failed checks are accepted (the operator passed the override flag). @default false */
  readonly overrideAccepted?: boolean;
  /** Treat as --dry-run even without the flag (commands that are dry-run by default). @default --dry-run */
  readonly dryRun?: boolean;
  /** Extra typed confirmations that --yes does not skip, asked in order. @default none */
  readonly typed?: TypedConfirmation | readonly TypedConfirmation[];
}

export function printPlan(ctx: Context, plan: Plan, overrideAccepted = false): void {
  const { out } = ctx;
  out.text(out.paint("bold", `Plan: ${plan.action}`));
  out.text(`  where:   ${plan.target} in ${plan.region} (${ctx.manifest().environment})`);
  // A no-op changes nothing: its impact, pre-checks and steps do not apply.
  if (plan.noop !== undefined) {
    out.text();
    return;
  }
  for (const line of plan.impact) out.text(`  impact:  ${line}`);
  if (plan.checks.length > 0) out.text("  pre-checks:");
  for (const check of plan.checks) {
    const mark = check.ok
      ? out.paint("green", "ok  ")
      : check.overridable && overrideAccepted
        ? out.paint("yellow", "OVERRIDDEN")
        : out.paint("red", "FAIL");
    out.text(`    ${mark} ${check.name}: ${check.detail}`);
  }
  if (plan.steps.length > 0) out.text("  steps:");
  plan.steps.forEach((step, i) => out.text(`    ${i + 1}. ${step}`));
  for (const notice of plan.notices ?? []) out.text(`  ${out.paint("yellow", "note:")} ${notice}`);
  out.text();
}

function blockingChecks(plan: Plan, overrideAccepted: boolean): Check[] {
  return plan.checks.filter((c) => !c.ok && !(c.overridable && overrideAccepted));
}

async function confirmTyped(ctx: Context, typed: TypedConfirmation): Promise<void> {
  if (typed.given !== undefined) {
    if (typed.given !== typed.expected) {
      throw new RefusedError(
        `${typed.flag} "${typed.given}" does not match "${typed.expected}"; nothing changed.`,
      );
    }
    return;
  }
  if (!ctx.rt.stdinIsTTY) {
    throw new RefusedError(
      `${typed.reason} Not a terminal: pass ${typed.flag} ${typed.expected} to confirm.`,
    );
  }
  ctx.rt.stderr.write(`${typed.reason}\n`);
  const raw = await ctx.rt.prompt(`Type ${typed.expected} to continue: `);
  if (raw === null) throw new RefusedError("No answer (input ended); nothing changed.");
  const answer = raw.trim();
  if (answer !== typed.expected)
    throw new RefusedError(`Typed "${answer}", not "${typed.expected}"; nothing changed.`);
}

async function confirm(ctx: Context, plan: Plan): Promise<void> {
  if (ctx.opts.yes) return;
  if (!ctx.rt.stdinIsTTY) {
    throw new RefusedError(
      `Refusing to ${plan.command} without confirmation: stdin is not a terminal. ` +
        "Review the plan above and re-run with --yes.",
    );
  }
  const answer = await ctx.rt.prompt(`Proceed with ${plan.command} on ${plan.target}? Type yes: `);
  if (answer === null) throw new RefusedError("No answer (input ended); nothing changed.");
  if (answer.trim().toLowerCase() !== "yes") throw new RefusedError("Not confirmed; nothing changed.");
}

/**
 * Runs a planned mutation. Refusals throw RefusedError (exit 3) before any mutating call.
 * @returns the outcome of `act`, or undefined on --dry-run
 */
export async function executePlan(
  ctx: Context,
  plan: Plan,
  act: () => Promise<Outcome>,
  options: ExecuteOptions = {},
): Promise<Outcome | undefined> {
  const overrideAccepted = options.overrideAccepted ?? false;
  ctx.report.plan = plan;
  printPlan(ctx, plan, overrideAccepted);
  const blocking = blockingChecks(plan, overrideAccepted);
  const dryRun = Boolean(options.dryRun || ctx.opts.dryRun);
  if (plan.noop !== undefined) {
    ctx.out.text(`Nothing to do: ${plan.noop}. No change made.`);
    ctx.report.emit({ outcome: "no-op", exitCode: 0, dryRun, result: { noop: plan.noop } });
    return undefined;
  }
  if (blocking.length > 0) {
    throw new RefusedError(
      `Refused: ${blocking.map((c) => `${c.name} (${c.detail})`).join("; ")}. Nothing changed.`,
    );
  }
  if (dryRun) {
    ctx.out.text("Dry run: no changes made.");
    ctx.report.emit({ outcome: "dry-run", exitCode: 0, dryRun: true });
    return undefined;
  }
  ctx.phase = "confirming";
  const typed =
    options.typed === undefined ? [] : Array.isArray(options.typed) ? options.typed : [options.typed];
  for (const t of typed as readonly TypedConfirmation[]) await confirmTyped(ctx, t);
  await confirm(ctx, plan);

  // The journal's "started" entry goes out before the first mutating call.
  ctx.journal.begin({
    command: plan.command,
    region: plan.region,
    target: plan.target,
    check: plan.check ?? `${plan.target} (${plan.region})`,
  });
  ctx.phase = "acting";
  const started = ctx.rt.now();
  // A failure is recorded by run-command.ts (journal, document, exit code).
  const outcome = await act();
  const durationMs = ctx.rt.now() - started;
  ctx.journal.finish("succeeded", { details: outcome.data });
  for (const line of outcome.lines) ctx.out.text(line);
  ctx.out.text(`Done in ${formatElapsed(durationMs)}.`);
  ctx.report.emit({
    outcome: "succeeded",
    exitCode: 0,
    dryRun: false,
    durationMs,
    result: outcome.data,
    sent: ctx.journal.sent,
  });
  return outcome;
}

/** The drift notice every scale command prints. */
export function driftNotice(ctx: Context, field: string): string {
  const file = ctx.manifest().configFields.file;
  return `The next deploy reverts this change unless the config changes too: ${file} → ${field}.`;
}

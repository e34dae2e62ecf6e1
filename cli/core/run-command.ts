/**
 * Runs one command's body with what every command needs around it, and turns whatever happened
 * into one outcome: the exit code (report.ts's rule), the `error: …` sentence on stderr, the one
 * JSON document in `-o json`, and the journal's outcome.
 *
 * - SIGINT/SIGTERM: the journal's "interrupted" entry, a message naming what was already sent, the
 *   "interrupted" document; runtime.ts then exits 130/143.
 * - A resource not found while planning (nothing sent yet): a failed pre-check, shown as a plan.
 * - The journal's metrics are flushed at the end, for at most FLUSH_MS.
 */
import type { Context } from "./context";
import { CliError, ExitCode, NotFoundError } from "./errors";
import { AwsCallError } from "./aws-errors";
import type { SentCall } from "./journal";
import { printPlan, type Plan } from "./plan";
import { errorDocument, outcomeOf } from "./report";
import { signalExitCode, type Signal } from "./runtime";

/** How long the end of a run waits for the journal's metrics (real time). */
export const FLUSH_MS = 3000;
/** How long an interrupted run waits for them. */
export const INTERRUPT_FLUSH_MS = 1000;

function describeSent(sent: readonly SentCall[]): string {
  return sent.map((c) => `${c.operation} to ${c.resource} (${c.status})`).join(", ");
}

/** The sentence on stderr (and in the journal) when a run is interrupted. */
export function interruptedMessage(ctx: Context, signal: Signal): string {
  const sent = ctx.journal.sent;
  if (sent.length === 0) {
    const where =
      ctx.phase === "confirming"
        ? "waiting for confirmation"
        : ctx.phase === "planning"
          ? "planning"
          : ctx.phase;
    return `Interrupted (${signal}) while ${where}: nothing was sent to AWS, nothing changed.`;
  }
  const when =
    ctx.phase === "waiting" && ctx.waitingOn ? `while waiting for ${ctx.waitingOn}` : "during the operation";
  return (
    `Interrupted (${signal}) ${when}: already sent ${describeSent(sent)}. ` +
    `The operation keeps running in AWS. Recorded as interrupted in ${ctx.journal.path}. ` +
    "Check `skyline status` before acting again."
  );
}

/** The plan shown when planning stopped at a resource AWS does not know. */
function stoppedPlan(ctx: Context, error: CliError): Plan {
  const resource =
    error instanceof NotFoundError || error instanceof AwsCallError ? error.resource : "a resource it needs";
  const region =
    (error instanceof NotFoundError ? error.region : undefined) ??
    (error instanceof AwsCallError ? error.call?.region : undefined) ??
    ctx.opts.region ??
    ctx.manifest().primaryRegion;
  return {
    command: ctx.command,
    action: `${ctx.command}: stopped while planning, ${resource} was not found`,
    region,
    target: resource,
    impact: ["None: nothing was sent to AWS."],
    checks: [{ name: `${resource} exists`, ok: false, detail: error.message }],
    steps: [],
  };
}

/**
 * Runs `body` and returns the exit code. Writes the error sentence to stderr and, in JSON mode,
 * the document of any outcome the body did not report itself.
 */
export async function runCommand(ctx: Context, body: () => Promise<void>): Promise<number> {
  const unregister = ctx.rt.onInterrupt((signal) => {
    const message = interruptedMessage(ctx, signal);
    ctx.journal.finish("interrupted", { signal, during: ctx.phase, error: message });
    ctx.report.emit({
      outcome: "interrupted",
      exitCode: signalExitCode(signal) as 130 | 143,
      phase: ctx.phase,
      ...(ctx.journal.sent.length ? { sent: ctx.journal.sent } : {}),
      error: { kind: "interrupted", message },
    });
    ctx.rt.stderr.write(`\n${message}\n`);
    return ctx.journal.flush(INTERRUPT_FLUSH_MS);
  });
  try {
    await body();
    ctx.report.succeeded();
    return ExitCode.Ok;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.journal.finish("failed", { error: message });
    const sent = ctx.journal.sent;
    const { outcome, exitCode } = outcomeOf(error, sent.length);
    let text = message;
    if (error instanceof CliError && error.kind === "not-found" && outcome === "refused") {
      if (ctx.report.plan === undefined) {
        const plan = stoppedPlan(ctx, error);
        printPlan(ctx, plan);
        ctx.report.plan = plan;
      }
      text = `Refused: a pre-check failed while planning: ${message} Nothing changed.`;
    }
    if (error instanceof CliError) ctx.rt.stderr.write(`error: ${text}\n`);
    else {
      ctx.rt.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    }
    ctx.report.emit({
      outcome,
      exitCode,
      phase: ctx.phase,
      ...(sent.length ? { sent } : {}),
      error: {
        ...errorDocument(error),
        message: error instanceof CliError ? text : errorDocument(error).message,
      },
    });
    return exitCode;
  } finally {
    unregister();
    await ctx.journal.flush(FLUSH_MS);
  }
}

/**
 * Waits in two phases, as on-call reads them: first until AWS shows the operation took effect
 * (the state changed), then until it settled. Waiting only for "available" right after an action
 * would succeed instantly on the stale state, before the operation even started.
 * Progress (with elapsed time) goes to stderr; the clock and sleep come from the runtime.
 */
import { FailedError } from "./errors";
import { formatElapsed } from "./output";

export interface WaitSpec<S> {
  /** What is being waited on, e.g. `database skyline-production-euw1-db (eu-west-1)`. */
  readonly resource: string;
  /** Reads the current state (read-only calls). */
  readonly read: () => Promise<S>;
  /** One-word-ish description of a state for progress lines, e.g. `modifying`. */
  readonly describe: (state: S) => string;
  /** True once AWS shows the operation has started. */
  readonly changed: (state: S) => boolean;
  /** True once the operation has finished. */
  readonly settled: (state: S) => boolean;
  /** What the settled state is, for the timeout message, e.g. `available and standalone`. */
  readonly settledText: string;
  /** Poll interval. @default 10 s */
  readonly pollMs?: number;
  /** How long the change may take to show. @default 5 min */
  readonly changeTimeoutMs?: number;
  /** How long the whole wait may take. @default 60 min */
  readonly timeoutMs?: number;
}

export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  progress(message: string): void;
}

export interface WaitResult<S> {
  readonly state: S;
  readonly elapsedMs: number;
}

export async function waitForChangeThenSettle<S>(
  spec: WaitSpec<S>,
  clock: WaitClock,
): Promise<WaitResult<S>> {
  const pollMs = spec.pollMs ?? 10_000;
  const changeTimeoutMs = spec.changeTimeoutMs ?? 5 * 60_000;
  const timeoutMs = spec.timeoutMs ?? 60 * 60_000;
  const start = clock.now();
  let phase: "change" | "settle" = "change";
  let last = "";
  for (;;) {
    const state = await spec.read();
    const text = spec.describe(state);
    const elapsed = clock.now() - start;
    if (text !== last) {
      clock.progress(`${spec.resource}: ${text}`);
      last = text;
    }
    if (phase === "change" && spec.changed(state)) {
      phase = "settle";
      clock.progress(
        `${spec.resource}: change observed after ${formatElapsed(elapsed)}; waiting for ${spec.settledText}`,
      );
    }
    if (phase === "settle" && spec.settled(state)) {
      return { state, elapsedMs: elapsed };
    }
    if (phase === "change" && elapsed >= changeTimeoutMs) {
      throw new FailedError(
        `Timed out after ${formatElapsed(elapsed)}: ${spec.resource} never showed the change (still "${text}"). ` +
          "AWS may have rejected it silently: check the resource's events in the console, then retry.",
      );
    }
    if (elapsed >= timeoutMs) {
      throw new FailedError(
        `Timed out after ${formatElapsed(elapsed)} waiting for ${spec.resource} to be ${spec.settledText} ` +
          `(last state "${text}"). The operation may still complete: watch \`skyline status\` before acting again.`,
      );
    }
    await clock.sleep(pollMs);
  }
}

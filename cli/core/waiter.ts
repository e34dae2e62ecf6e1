/**
 * Waits in two phases, as on-call reads them: first until AWS shows the operation took effect
 * (the state changed), then until it settled. Waiting only for "available" right after an action
 * would succeed instantly on the stale state, before the operation even started.
 *
 * Every wait has an overall deadline (`timeoutMs`) and never sleeps past it. Progress goes to
 * stderr: a line whenever the state changes, and at least every HEARTBEAT_MS (20 s) otherwise,
 * with the elapsed time, the state seen and what it is waiting for, so a long wait is never
 * silent. A read that fails transiently (a timeout, a 5xx, a dropped connection) does not end the
 * wait: it is reported and the next poll tries again, until the deadline.
 */
import { AwsCallError } from "./aws-errors";
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
  /** Overall deadline of the whole wait. @default 60 min */
  readonly timeoutMs?: number;
}

export interface WaitClock {
  /** Called once when the wait starts, with the resource waited on. @default nothing */
  onWait?(resource: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  progress(message: string): void;
}

export interface WaitResult<S> {
  readonly state: S;
  readonly elapsedMs: number;
}

/** A progress line at least this often during a wait (the issue asks for every 15-30 s). */
export const HEARTBEAT_MS = 20_000;

/** A re-read for awsSend's `tookEffect`: has the state this wait watches changed yet? */
export function tookEffect<S>(spec: Pick<WaitSpec<S>, "read" | "changed">): () => Promise<boolean> {
  return async () => spec.changed(await spec.read());
}

/** `90 s`, `5 min`, `4 h`: a deadline as a duration, not a clock time. */
function formatDeadline(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 4 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

export async function waitForChangeThenSettle<S>(
  spec: WaitSpec<S>,
  clock: WaitClock,
): Promise<WaitResult<S>> {
  const pollMs = spec.pollMs ?? 10_000;
  const changeTimeoutMs = spec.changeTimeoutMs ?? 5 * 60_000;
  const timeoutMs = spec.timeoutMs ?? 60 * 60_000;
  clock.onWait?.(spec.resource);
  const start = clock.now();
  let phase: "change" | "settle" = "change";
  let last = "";
  let lastLineAt = start;
  const say = (message: string) => {
    clock.progress(message);
    lastLineAt = clock.now();
  };
  const waitingFor = () => (phase === "change" ? "the change to show" : spec.settledText);
  for (;;) {
    let text: string;
    let read: { state: S } | undefined;
    try {
      const state = await spec.read();
      read = { state };
      text = spec.describe(state);
    } catch (error) {
      if (!(error instanceof AwsCallError) || !error.transient) throw error;
      text = last || "unknown";
      say(`${spec.resource}: could not read the state (${error.message}) Trying again until the deadline.`);
    }
    const elapsed = clock.now() - start;
    if (read) {
      const { state } = read;
      if (text !== last) {
        say(`${spec.resource}: ${text}`);
        last = text;
      }
      if (phase === "change" && spec.changed(state)) {
        phase = "settle";
        say(
          `${spec.resource}: change observed after ${formatElapsed(elapsed)}; waiting for ${spec.settledText}`,
        );
      }
      if (phase === "settle" && spec.settled(state)) {
        return { state, elapsedMs: elapsed };
      }
    }
    if (phase === "change" && elapsed >= changeTimeoutMs) {
      throw new FailedError(
        `Timed out after ${formatElapsed(elapsed)}: ${spec.resource} never showed the change (still "${text}"). ` +
          "AWS may have rejected it silently: check the resource's events in the console, then retry.",
        "timeout",
      );
    }
    if (elapsed >= timeoutMs) {
      throw new FailedError(
        `Timed out after ${formatElapsed(elapsed)} waiting for ${spec.resource} to be ${spec.settledText} ` +
          `(last state "${text}"). The operation may still complete: watch \`skyline status\` before acting again.`,
        "timeout",
      );
    }
    if (read && clock.now() - lastLineAt >= HEARTBEAT_MS) {
      say(
        `${spec.resource}: still ${text} after ${formatElapsed(elapsed)}; waiting for ${waitingFor()} ` +
          `(deadline ${formatDeadline(phase === "change" ? Math.min(changeTimeoutMs, timeoutMs) : timeoutMs)})`,
      );
    }
    const deadline = phase === "change" ? Math.min(changeTimeoutMs, timeoutMs) : timeoutMs;
    await clock.sleep(Math.max(1, Math.min(pollMs, deadline - elapsed)));
  }
}

/**
 * Everything the CLI takes from the outside world, in one injectable object: streams, the prompt,
 * the environment, the clock, signals. Tests pass a fake runtime whose sleep advances a virtual
 * clock, so waiters with real timeouts finish instantly and nothing depends on a terminal.
 */
import { homedir } from "node:os";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { InterruptedError } from "./errors";

export interface TextSink {
  write(text: string): unknown;
}

export type Signal = "SIGINT" | "SIGTERM";

/** Called on SIGINT/SIGTERM: record and report, synchronously if possible; the promise may flush. */
export type InterruptHandler = (signal: Signal) => void | Promise<void>;

export interface Runtime {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Whether stdin is a terminal: only then may the CLI ask for confirmation. */
  readonly stdinIsTTY: boolean;
  /** Whether stdout is a terminal (colour is only used on one). */
  readonly stdoutIsTTY: boolean;
  /**
   * Writes the question to stderr and resolves with one line of input, or null when input ended
   * (Ctrl-D) before an answer; rejects InterruptedError on Ctrl-C.
   */
  prompt(question: string): Promise<string | null>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homedir: string;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Registers a SIGINT/SIGTERM handler; returns the function that removes it. */
  onInterrupt(handler: InterruptHandler): () => void;
}

/** How long a signal's handlers may take (flushing the journal metric) before the process exits. */
export const INTERRUPT_GRACE_MS = 1500;

export const signalExitCode = (signal: Signal): number => (signal === "SIGTERM" ? 143 : 130);

/**
 * One question on a readline interface. Ctrl-C (readline's SIGINT on a terminal) rejects with
 * InterruptedError; end of input (Ctrl-D, a closed pipe) resolves null, which callers treat as "no".
 */
export function promptOn(
  input: Readable,
  output: Writable,
  question: string,
  terminal?: boolean,
): Promise<string | null> {
  return new Promise<string | null>((resolve, reject) => {
    const rl = createInterface({ input, output, ...(terminal === undefined ? {} : { terminal }) });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    rl.on("SIGINT", () => {
      settle(() => reject(new InterruptedError("Interrupted at the prompt (Ctrl-C): nothing was changed.")));
      rl.close();
    });
    rl.on("close", () => settle(() => resolve(null)));
    rl.question(question, (answer) => {
      settle(() => resolve(answer));
      rl.close();
    });
  });
}

const handlers = new Set<InterruptHandler>();
let signalsInstalled = false;
let interrupted = false;

/** Whether a signal arrived: the signal path then owns the exit code. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/**
 * On the first SIGINT/SIGTERM: run the handlers (journal, JSON document, message), give them
 * INTERRUPT_GRACE_MS to flush, exit 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once.
 */
function installSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const onSignal = (signal: Signal) => {
    const code = signalExitCode(signal);
    if (interrupted) process.exit(code);
    interrupted = true;
    if (handlers.size === 0) {
      process.stderr.write(`\nInterrupted (${signal}).\n`);
      process.exit(code);
    }
    const work = [...handlers].map((handler) => {
      try {
        return Promise.resolve(handler(signal));
      } catch {
        return Promise.resolve();
      }
    });
    setTimeout(() => process.exit(code), INTERRUPT_GRACE_MS).unref();
    void Promise.allSettled(work).then(() => process.exit(code));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}

/**
 * A standard stream a closed reader cannot crash (`skyline status | head`, a pager that quits): once
 * the reader is gone (EPIPE), later writes are dropped and the command carries on to its end and its
 * exit code. Dying on the first lost line would leave a failover half done because a pager quit.
 */
export function pipeSafe(stream: Writable): TextSink & { readonly closed: boolean } {
  let closed = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") closed = true;
    else throw error;
  });
  return {
    get closed() {
      return closed;
    },
    write(text: string) {
      if (closed || stream.destroyed) return false;
      return stream.write(text);
    },
  };
}

/** The real process: stdio, process.env, the wall clock, real signals. */
export function processRuntime(): Runtime {
  installSignals();
  return {
    stdout: pipeSafe(process.stdout),
    stderr: pipeSafe(process.stderr),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    prompt: (question) => promptOn(process.stdin, process.stderr, question),
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}

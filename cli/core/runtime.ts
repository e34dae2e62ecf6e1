/**
 * Everything the CLI takes from the outside world, in one injectable object: streams, the prompt,
 * the environment, the clock. Tests pass a fake runtime whose sleep advances a virtual clock, so
 * waiters with real timeouts finish instantly and nothing depends on a terminal.
 */
import { homedir } from "node:os";
import { createInterface } from "node:readline";
import { InterruptedError } from "./errors";

export interface TextSink {
  write(text: string): unknown;
}

export interface Runtime {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Whether stdin is a terminal: only then may the CLI ask for confirmation. */
  readonly stdinIsTTY: boolean;
  /** Whether stdout is a terminal (colour is only used on one). */
  readonly stdoutIsTTY: boolean;
  /** Writes the question to stderr and resolves with one line of input; rejects InterruptedError on Ctrl-C. */
  prompt(question: string): Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homedir: string;
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real process: stdio, process.env, the wall clock. */
export function processRuntime(): Runtime {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    prompt: (question) =>
      new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        let answered = false;
        rl.on("SIGINT", () => {
          rl.close();
          reject(new InterruptedError());
        });
        rl.on("close", () => {
          if (!answered) reject(new InterruptedError("Input closed before an answer was given."));
        });
        rl.question(question, (answer) => {
          answered = true;
          rl.close();
          resolve(answer);
        });
      }),
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

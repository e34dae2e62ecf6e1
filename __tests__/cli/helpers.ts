/**
 * Test harness for the CLI: a fake runtime (captured stdout/stderr, scripted prompt answers, a
 * virtual clock whose sleep advances instantly) and a runner that returns the exit code and output.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../cli/program";
import type { InterruptHandler, Runtime, Signal } from "../../cli/core/runtime";

export const FIXTURES = join(__dirname, "fixtures");
export const PRODUCTION = join(FIXTURES, "production.manifest.json");
export const STAGING = join(FIXTURES, "staging.manifest.json");
/** The fake clock's start: 2025-01-15T03:00:00Z, an incident at 3 a.m. */
export const T0 = Date.parse("2025-01-15T03:00:00Z");

export interface FakeRuntime extends Runtime {
  out: string;
  err: string;
  prompts: string[];
  sleeps: number[];
  clock: number;
  /** Calls the registered interrupt handlers as a real SIGINT/SIGTERM would. */
  interrupt(signal: Signal): Promise<void>;
}

export interface FakeOptions {
  tty?: boolean;
  /** Prompt answers in order; null is end of input (Ctrl-D). */
  answers?: (string | null)[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export function tmpDir(prefix = "skyline-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function fakeRuntime(options: FakeOptions = {}): FakeRuntime {
  const home = tmpDir("skyline-home-");
  const answers = [...(options.answers ?? [])];
  const handlers = new Set<InterruptHandler>();
  const rt: FakeRuntime = {
    out: "",
    err: "",
    prompts: [],
    sleeps: [],
    clock: T0,
    stdout: { write: (s: string) => (rt.out += s) },
    stderr: { write: (s: string) => (rt.err += s) },
    stdinIsTTY: options.tty ?? false,
    stdoutIsTTY: false,
    prompt: async (question: string) => {
      rt.prompts.push(question);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected prompt: ${question}`);
      return answer;
    },
    // DNS lookups (status, failover dns|region) go to a closed local port unless a test runs a DNS server.
    env: { SKYLINE_AUDIT_LOG: join(home, "audit.jsonl"), SKYLINE_DNS_SERVER: "127.0.0.1:9", ...options.env },
    cwd: options.cwd ?? home,
    homedir: home,
    now: () => rt.clock,
    sleep: async (ms: number) => {
      rt.sleeps.push(ms);
      rt.clock += ms;
    },
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    interrupt: async (signal) => {
      await Promise.all([...handlers].map((h) => h(signal)));
    },
  };
  return rt;
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
  rt: FakeRuntime;
}

export async function run(argv: string[], options: FakeOptions = {}): Promise<RunResult> {
  const rt = fakeRuntime(options);
  const code = await runCli(argv, rt);
  return { code, out: rt.out, err: rt.err, rt };
}

/** An AWS SDK-shaped error. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

/** The audit journal's lines (SKYLINE_AUDIT_LOG), parsed, oldest first; none when it was never written. */
export function journalLines(path: string): Record<string, any>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

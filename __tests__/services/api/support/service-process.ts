import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export const API_DIR = path.resolve(__dirname, "../../../../services/api");
const SERVER = path.join(API_DIR, "src/server.ts");
const MIGRATE = path.join(API_DIR, "src/migrate.ts");
const ENTRIES = { server: SERVER, migrate: MIGRATE, worker: path.join(API_DIR, "src/worker.ts") } as const;

export interface RunningService {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A clean environment: nothing from the developer's shell (DATABASE_URL…) leaks into the service. */
export function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    // No readiness window unless a test asks for one: every stop() would otherwise wait it out.
    SHUTDOWN_DELAY_MS: "0",
    // Never the developer's own embedded database (the default directory): a test asks for its own.
    PGLITE_DATA_DIR: "memory",
    // The tests stand in for the load balancer (they send X-Forwarded-For from loopback, a distinct
    // address per call); a test of the default passes TRUST_PROXY_FROM: "" (unset).
    TRUST_PROXY_FROM: "127.0.0.1,::1",
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function parseLines(
  buffer: { rest: string },
  chunk: string,
  into: Record<string, unknown>[],
  raw: string[],
): void {
  const text = buffer.rest + chunk;
  const lines = text.split("\n");
  buffer.rest = lines.pop() ?? "";
  for (const line of lines) {
    raw.push(line);
    try {
      into.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log line (a deprecation warning on stderr, say).
    }
  }
}

/** Starts the service from source with tsx (no build) and waits for its "listening" line. */
export function startService(
  extraEnv: Record<string, string | undefined>,
  timeoutMs = 45_000, // generous: a loaded two-core machine starts slowly; not a timing assertion
): Promise<RunningService> {
  return startEntry("server", (line) => line.msg === "listening", extraEnv, timeoutMs);
}

/**
 * Starts an entry point from source with tsx and resolves once `ready` matches a log line (which
 * carries the port it serves on); rejects if it exits first or takes longer than `timeoutMs`.
 */
export async function startEntry(
  entry: keyof typeof ENTRIES,
  ready: (line: Record<string, unknown>) => boolean,
  extraEnv: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<RunningService> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRIES[entry]], {
    cwd: API_DIR,
    env: baseEnv(extraEnv),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const outBuf = { rest: "" };
  const errBuf = { rest: "" };
  child.stdout!.setEncoding("utf8").on("data", (c: string) => parseLines(outBuf, c, logs, raw));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => parseLines(errBuf, c, logs, raw));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started process behind: it would hold CPU the other suites need.
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not start in ${timeoutMs} ms:\n${raw.join("\n")}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const line = logs.find(ready);
      if (line) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(line.port as number);
      }
    }, 25);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${raw.join("\n")}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    logs,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a service entry point to completion (e.g. the migrate command, or a start that must refuse). */
export function runToExit(
  entry: keyof typeof ENTRIES,
  extraEnv: Record<string, string | undefined>,
  timeoutMs = 25_000,
): Promise<{ code: number | null; logs: Record<string, unknown>[]; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRIES[entry]], {
    cwd: API_DIR,
    env: baseEnv(extraEnv),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const outBuf = { rest: "" };
  child.stdout!.setEncoding("utf8").on("data", (c: string) => parseLines(outBuf, c, logs, raw));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => raw.push(c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not exit in ${timeoutMs} ms:\n${raw.join("\n")}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      parseLines(outBuf, "\n", logs, raw);
      resolve({ code, logs, output: raw.join("\n") });
    });
  });
}

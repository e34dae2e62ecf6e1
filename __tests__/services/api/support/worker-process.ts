import { spawn } from "node:child_process";
import * as path from "node:path";
import { API_DIR, baseEnv, parseLines, type RunningService } from "./service-process";

const WORKER = path.join(API_DIR, "src/worker.ts");

/** Starts the queue worker from source with tsx and waits for its "worker polling" line. */
export async function startWorker(
  extraEnv: Record<string, string | undefined>,
  timeoutMs = 45_000, // generous: a loaded two-core machine starts slowly; not a timing assertion
): Promise<RunningService> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
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
      child.kill("SIGKILL");
      reject(new Error(`worker did not start in ${timeoutMs} ms:\n${raw.join("\n")}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const line = logs.find((l) => typeof l.msg === "string" && l.msg.startsWith("worker polling"));
      if (line) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(line.port as number);
      }
    }, 25);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before polling:\n${raw.join("\n")}`));
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

import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { NODE_FLAGS } from "../../services/api/src/contract";

export const API_DIR = path.resolve(__dirname, "../../services/api");

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function canConnect(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) || defaultPort });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before it was healthy`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms`);
}

/** The bare Fastify hello-world baseline, as its own process like the service, on the same node (`node`). */
export function startBareFastify(port: number, node: string): ChildProcess {
  const script = `
    const app = require(${JSON.stringify(require.resolve("fastify", { paths: [API_DIR] }))})();
    app.get("/hello", async () => ({ hello: "world" }));
    app.get("/health", async () => ({ status: "ok" }));
    app.listen({ port: ${port}, host: "127.0.0.1" });
  `;
  return spawn(node, ["-e", script], { stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * The service from source (tsx), logging warnings only so the log pipe is not what is measured; with
 * BENCH_LOG_LEVEL=info it writes its access line per request, to /dev/null (the cost of producing the
 * lines is measured, not a log collector's). With BENCH_CPU_PROF=<dir> the service writes a V8 CPU profile there when it exits (open it in Chrome
 * DevTools or speedscope) to see where a request's time goes.
 */
export function startService(
  port: number,
  env: Record<string, string | undefined>,
  node: string,
): ChildProcess {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const logLevel = process.env.BENCH_LOG_LEVEL ?? "warn";
  // With the V8 flags the image runs it with (contract.ts): what ships is measured.
  return spawn(node, [...profile, ...NODE_FLAGS, "--import", "tsx", path.join(API_DIR, "src/server.ts")], {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: logLevel,
      // Stopping the benchmark's service needs no readiness window.
      SHUTDOWN_DELAY_MS: "0",
      ...env,
    },
    stdio: ["ignore", logLevel === "warn" ? "inherit" : "ignore", "inherit"],
  });
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

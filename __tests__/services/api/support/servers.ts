import { execFileSync } from "node:child_process";

/** Where the real servers are; CI overrides them with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface ServerAvailability {
  readonly postgres: boolean;
  readonly redis: boolean;
}

let cached: ServerAvailability | undefined;

/**
 * Probes both servers synchronously (jest's describe blocks are synchronous) with a TCP connect in a
 * child node process: a one-second answer for each.
 */
export function probeServers(): ServerAvailability {
  if (cached) return cached;
  const script = `
    const net = require("node:net");
    const probe = (u) => new Promise((resolve) => {
      const url = new URL(u);
      const socket = net.connect({ host: url.hostname, port: Number(url.port) || (url.protocol.startsWith("redis") ? 6379 : 5432) });
      const done = (ok) => { socket.destroy(); resolve(ok); };
      socket.setTimeout(1000, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
    Promise.all([probe(process.argv[1]), probe(process.argv[2])]).then(([postgres, redis]) =>
      process.stdout.write(JSON.stringify({ postgres, redis })));
  `;
  const out = execFileSync(process.execPath, ["-e", script, TEST_DATABASE_URL, TEST_REDIS_URL], {
    encoding: "utf8",
  });
  cached = JSON.parse(out) as ServerAvailability;
  return cached;
}

export type BackendName = "postgres+redis" | "embedded";

/**
 * The backends the integration suites run on. Both when the servers answer. Under CI=true a missing
 * server throws (the suite fails, never skips); on a laptop without them, the real-server run falls back
 * to the embedded default and says so in one line.
 */
export function integrationBackends(): BackendName[] {
  const { postgres, redis } = probeServers();
  if (postgres && redis) return ["postgres+redis", "embedded"];
  const missing = [!postgres && `PostgreSQL at ${TEST_DATABASE_URL}`, !redis && `Redis at ${TEST_REDIS_URL}`]
    .filter(Boolean)
    .join(" and ");
  if (process.env.CI === "true") {
    throw new Error(
      `CI=true but ${missing} is not reachable: start it or set TEST_DATABASE_URL / TEST_REDIS_URL.`,
    );
  }
  if (!warned) {
    warned = true;
    console.log(
      `${missing} not reachable: running the integration suite on the embedded default (PGlite + in-process cache).`,
    );
  }
  return ["embedded"];
}
let warned = false;

/** True when the real servers answer (or CI demands them, in which case their absence has already thrown). */
export function realServersAvailable(): boolean {
  return integrationBackends().includes("postgres+redis");
}

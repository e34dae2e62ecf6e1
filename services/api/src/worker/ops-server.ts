import { createServer, type Server } from "node:http";
import { HEALTH_PATH, METRICS_PATH, READY_PATH } from "../contract";
import type { Registry } from "prom-client";

export interface WorkerOpsOptions {
  readonly registry: Registry;
  /** Resolves when the worker can do its work (database answers, not stopping); rejects with why not. */
  readonly ready: () => Promise<void>;
}

/**
 * The worker's /health (process alive: the container health check), /ready (database reachable and
 * polling; 503 while stopping) and /metrics (Prometheus). A plain HTTP server: three routes do not
 * need the API's framework, and nothing else listens in a worker.
 */
export function workerOpsServer(options: WorkerOpsOptions): Server {
  return createServer((req, res) => {
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return send(405, JSON.stringify({ status: "method not allowed" }));
    if (path === HEALTH_PATH) return send(200, JSON.stringify({ status: "ok" }));
    if (path === READY_PATH) {
      return void options.ready().then(
        () => send(200, JSON.stringify({ status: "ready" })),
        (error: Error) => send(503, JSON.stringify({ status: "unavailable", reason: error.message })),
      );
    }
    if (path === METRICS_PATH) {
      return void options.registry.metrics().then(
        (text) => send(200, text, options.registry.contentType),
        () => send(500, JSON.stringify({ status: "metrics failed" })),
      );
    }
    send(404, JSON.stringify({ status: "not found" }));
  });
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { PoolStats } from "../db/database";

/** Every metric the service exports, on its own registry (no global state between app instances). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly duration: Histogram<"method" | "route">;
  readonly errors: Counter<"route" | "status">;
  readonly cacheRequests: Counter<"result">;
  readonly rateLimited: Counter<"scope">;
  readonly rateLimitFailOpen: Counter<"scope">;
  readonly dependencyErrors: Counter<"dependency">;

  constructor(poolStats: () => PoolStats[], options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request latency by method and route template.",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.errors = new Counter({
      name: "http_errors_total",
      help: "HTTP responses with status 5xx (server errors) and 4xx (client errors).",
      labelNames: ["route", "status"],
      registers,
    });
    this.cacheRequests = new Counter({
      name: "cache_requests_total",
      help: "Cache lookups by result: hit, miss, or error (cache down: the read went to PostgreSQL).",
      labelNames: ["result"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "rate_limit_rejections_total",
      help: "Requests rejected with 429, by limit scope (ip, user).",
      labelNames: ["scope"],
      registers,
    });
    this.rateLimitFailOpen = new Counter({
      name: "rate_limit_fail_open_total",
      help: "Requests let through unchecked because the rate-limit store was unreachable (warning).",
      labelNames: ["scope"],
      registers,
    });
    this.dependencyErrors = new Counter({
      name: "dependency_errors_total",
      help: "Connection-level errors reported by a dependency client (database, cache).",
      labelNames: ["dependency"],
      registers,
    });
    const poolGauge = (name: string, help: string, field: "total" | "idle" | "waiting") =>
      new Gauge({
        name,
        help,
        labelNames: ["pool"],
        registers,
        collect() {
          this.reset();
          for (const s of poolStats()) this.set({ pool: s.pool }, s[field]);
        },
      });
    poolGauge("db_pool_connections", "Open connections per database pool.", "total");
    poolGauge("db_pool_idle_connections", "Idle connections per database pool.", "idle");
    poolGauge("db_pool_waiting_requests", "Queries waiting for a connection per pool.", "waiting");
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}

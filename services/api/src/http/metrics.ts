import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { PoolStats } from "../db/database";
import { RouteHistogram } from "./route-histogram";

interface PendingCount {
  readonly labels: { readonly method: string; readonly route: string; readonly status: string };
  n: number;
}

/** Every metric the service exports, on its own registry (no global state between app instances). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly duration: RouteHistogram;
  readonly errors: Counter<"route" | "status">;
  readonly cacheRequests: Counter<"result">;
  readonly localCacheHits: Counter;
  readonly rateLimited: Counter<"scope">;
  readonly rateLimitFailOpen: Counter<"scope">;
  readonly dependencyErrors: Counter<"dependency">;
  readonly writeRetries: Counter<"failure">;
  readonly breakerTransitions: Counter<"to">;
  readonly breakerRejections: Counter;
  private readonly breakerGauge: Gauge<"state">;
  /** Where cache_pending_invalidations reads its value (set by the TestCatalog). */
  private pendingInvalidations: () => number = () => 0;
  /** Request counts not yet handed to prom-client (done when /metrics is read). */
  private readonly pendingRequests = new Map<string, PendingCount>();

  constructor(poolStats: () => PoolStats[], options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const pending = this.pendingRequests;
    this.requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers,
      // Counted in a plain map per request; folded in here, when the registry is read.
      collect() {
        for (const p of pending.values()) {
          if (p.n > 0) this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    });
    this.duration = new RouteHistogram(
      "http_request_duration_seconds",
      "HTTP request latency by method and route template.",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      this.registry,
    );
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
    this.localCacheHits = new Counter({
      name: "cache_local_hits_total",
      help: "Cache hits served from this instance's in-process tier (also counted as hits in cache_requests_total).",
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
    this.writeRetries = new Counter({
      name: "db_write_retries_total",
      help: "Attempt writes tried again (same ids) because the database gave no answer, by failure class.",
      labelNames: ["failure"],
      registers,
    });
    this.breakerGauge = new Gauge({
      name: "cache_breaker_state",
      help: "The Redis circuit breaker's state: 1 for the current one of closed, open, half-open.",
      labelNames: ["state"],
      registers,
    });
    this.breakerTransitions = new Counter({
      name: "cache_breaker_transitions_total",
      help: "Changes of the Redis circuit breaker's state, by the state entered.",
      labelNames: ["to"],
      registers,
    });
    this.breakerRejections = new Counter({
      name: "cache_breaker_rejections_total",
      help: "Cache calls refused at once because the Redis circuit breaker was open.",
      registers,
    });
    const pendingInvalidations = () => this.pendingInvalidations();
    new Gauge({
      name: "cache_pending_invalidations",
      help: "Cache keys updated while Redis was unreachable and not yet deleted there (retried every second); above 0 for long, Redis may still serve stale values once back.",
      registers,
      collect() {
        this.set(pendingInvalidations());
      },
    });
    // Reader pools carry the replica's number (1-based, DB_READER_HOST order); the writer has no replica label.
    const poolLabels = (s: PoolStats) =>
      s.replica === undefined ? { pool: s.pool } : { pool: s.pool, replica: String(s.replica) };
    const poolGauge = (name: string, help: string, field: "total" | "idle" | "waiting") =>
      new Gauge({
        name,
        help,
        labelNames: ["pool", "replica"],
        registers,
        collect() {
          this.reset();
          for (const s of poolStats()) this.set(poolLabels(s), s[field]);
        },
      });
    poolGauge("db_pool_connections", "Open connections per database pool.", "total");
    poolGauge("db_pool_idle_connections", "Idle connections per database pool.", "idle");
    poolGauge("db_pool_waiting_requests", "Queries waiting for a connection per pool.", "waiting");
    new Gauge({
      name: "db_reader_up",
      help: "1 while a read replica is in the read rotation, 0 while it is skipped after a connection failure.",
      labelNames: ["replica"],
      registers,
      collect() {
        this.reset();
        for (const s of poolStats()) {
          if (s.pool === "reader" && s.replica !== undefined) {
            this.set({ replica: String(s.replica) }, s.up === false ? 0 : 1);
          }
        }
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Names what cache_pending_invalidations reports (the catalog's queue of keys to delete). */
  watchPendingInvalidations(count: () => number): void {
    this.pendingInvalidations = count;
  }

  /** Shows the breaker's current state (1) and the others (0). */
  breakerState(state: "closed" | "open" | "half-open"): void {
    for (const s of ["closed", "open", "half-open"]) this.breakerGauge.set({ state: s }, s === state ? 1 : 0);
  }

  /** One finished request: its count, its latency, and an error count for 4xx/5xx. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let count = this.pendingRequests.get(key);
    if (count === undefined) {
      count = { labels: { method, route, status: String(status) }, n: 0 };
      this.pendingRequests.set(key, count);
    }
    count.n += 1;
    this.duration.observe(method, route, seconds);
    if (status >= 400) this.errors.inc({ route, status: String(status) });
  }
}

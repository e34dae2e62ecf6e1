import { Counter, Histogram, Registry } from "prom-client";
import { Metrics } from "../../../services/api/src/http/metrics";

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const linesOf = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(name));

describe("Metrics.recordRequest", () => {
  const requests: [string, string, number, number][] = [
    ["GET", "/v1/tests/:id", 200, 0.0004],
    ["GET", "/v1/tests/:id", 200, 0.001], // exactly on a bound: counted in that bucket
    ["GET", "/v1/tests/:id", 404, 0.03],
    ["POST", "/v1/tests/:id/attempts", 201, 0.2],
    ["POST", "/v1/tests/:id/attempts", 503, 7], // past the last bound: only in +Inf
    ["GET", "unmatched", 404, 0.002],
  ];

  test("exposes exactly what prom-client's own Counter and Histogram would for the same requests", async () => {
    const metrics = new Metrics(() => [], { defaultMetrics: false });
    const reference = new Registry();
    const counter = new Counter({
      name: "http_requests_total",
      help: "x",
      labelNames: ["method", "route", "status"],
      registers: [reference],
    });
    const histogram = new Histogram({
      name: "http_request_duration_seconds",
      help: "x",
      labelNames: ["method", "route"],
      buckets: BUCKETS,
      registers: [reference],
    });
    for (const [method, route, status, seconds] of requests) {
      metrics.recordRequest(method, route, status, seconds);
      counter.inc({ method, route, status: String(status) });
      histogram.observe({ method, route }, seconds);
    }
    const [ours, theirs] = await Promise.all([metrics.registry.metrics(), reference.metrics()]);
    for (const name of ["http_requests_total", "http_request_duration_seconds_"]) {
      expect(linesOf(ours, name).sort()).toEqual(linesOf(theirs, name).sort());
      expect(linesOf(ours, name).length).toBeGreaterThan(0);
    }
    expect(ours).toContain("# TYPE http_request_duration_seconds histogram");
    // The JSON form too (labels merged per row), as far as values go: prom-client adds empty exemplars.
    const json = async (registry: Registry) => {
      const all = await registry.getMetricsAsJSON();
      const histogramJson = all.find((m) => m.name === "http_request_duration_seconds");
      const rows = (histogramJson?.values ?? []) as { metricName?: string; labels: object; value: number }[];
      return rows.map(({ metricName, labels, value }) => ({ metricName, labels, value }));
    };
    expect(await json(metrics.registry)).toEqual(await json(reference));
  });

  test("counts are not lost or doubled across scrapes; 4xx/5xx are also counted as errors", async () => {
    const metrics = new Metrics(() => [], { defaultMetrics: false });
    metrics.recordRequest("GET", "/health", 200, 0.001);
    await metrics.registry.metrics();
    metrics.recordRequest("GET", "/health", 200, 0.001);
    metrics.recordRequest("GET", "/v1/tests/:id", 404, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/health",status="200"} 2');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/health"} 2');
    expect(text).toContain('http_errors_total{route="/v1/tests/:id",status="404"} 1');
    metrics.registry.resetMetrics();
    expect(await metrics.registry.metrics()).not.toContain("http_request_duration_seconds_count");
  });
});

describe("Metrics: database pools", () => {
  test("reader pools carry their replica number; db_reader_up is 1/0 per replica; the writer has no replica", async () => {
    const metrics = new Metrics(
      () => [
        { pool: "writer", total: 3, idle: 1, waiting: 0 },
        { pool: "reader", replica: 1, up: true, total: 2, idle: 2, waiting: 0 },
        { pool: "reader", replica: 2, up: false, total: 0, idle: 0, waiting: 4 },
      ],
      { defaultMetrics: false },
    );
    const text = await metrics.registry.metrics();
    expect(linesOf(text, "db_pool_connections{")).toEqual([
      'db_pool_connections{pool="writer"} 3',
      'db_pool_connections{pool="reader",replica="1"} 2',
      'db_pool_connections{pool="reader",replica="2"} 0',
    ]);
    expect(linesOf(text, "db_pool_idle_connections{")).toEqual([
      'db_pool_idle_connections{pool="writer"} 1',
      'db_pool_idle_connections{pool="reader",replica="1"} 2',
      'db_pool_idle_connections{pool="reader",replica="2"} 0',
    ]);
    expect(linesOf(text, "db_pool_waiting_requests{")).toEqual([
      'db_pool_waiting_requests{pool="writer"} 0',
      'db_pool_waiting_requests{pool="reader",replica="1"} 0',
      'db_pool_waiting_requests{pool="reader",replica="2"} 4',
    ]);
    expect(linesOf(text, "db_reader_up")).toEqual([
      'db_reader_up{replica="1"} 1',
      'db_reader_up{replica="2"} 0',
    ]);
    expect(text).toContain("# TYPE db_reader_up gauge");
  });

  test("no reader pool: no db_reader_up series", async () => {
    const metrics = new Metrics(() => [{ pool: "writer", total: 1, idle: 1, waiting: 0 }], {
      defaultMetrics: false,
    });
    const text = await metrics.registry.metrics();
    expect(linesOf(text, "db_reader_up{")).toEqual([]);
    expect(linesOf(text, "db_pool_connections{")).toEqual(['db_pool_connections{pool="writer"} 1']);
  });
});

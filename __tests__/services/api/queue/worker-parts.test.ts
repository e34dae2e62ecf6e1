import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { prefersAsync } from "../../../../services/api/src/routes/async-attempts";
import { WORKER_CLOUDWATCH } from "../../../../services/api/src/contract";
import { TaskProtection } from "../../../../services/api/src/worker/task-protection";
import { EmfReporter } from "../../../../services/api/src/worker/worker-metrics";

describe("Prefer: respond-async (RFC 7240)", () => {
  test.each([
    ["respond-async", true],
    ["Respond-Async", true],
    ["wait=10, respond-async", true],
    ["respond-async; foo=bar", true],
    [["return=minimal", "respond-async"], true],
    ["return=minimal", false],
    ["respond-asynchronously", false],
    [undefined, false],
  ])("%j → %s", (header, expected) => {
    expect(prefersAsync(header as string | string[] | undefined)).toBe(expected);
  });
});

describe("EMF lines the queue alarms read", () => {
  test("one line per interval: sums by QueueName and the batch latencies, nothing when idle", () => {
    const lines: string[] = [];
    const emf = new EmfReporter("app-submissions", (line) => lines.push(line), 0);
    emf.flush();
    expect(lines).toEqual([]);
    emf.add({ size: 10, processed: 9, failed: 1, latencyMs: 12.4, endToEndMs: [] });
    emf.add({ size: 5, processed: 5, failed: 0, latencyMs: 30, endToEndMs: [] });
    emf.flush(1_700_000_000_000);
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith("\n")).toBe(true);
    const line = JSON.parse(lines[0]);
    expect(line).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: "Skyline/Worker",
            Dimensions: [["QueueName"]],
            Metrics: [
              { Name: "MessagesProcessed", Unit: "Count" },
              { Name: "MessagesFailed", Unit: "Count" },
              { Name: "BatchLatencyMs", Unit: "Milliseconds" },
            ],
          },
        ],
      },
      QueueName: "app-submissions",
      MessagesProcessed: 14,
      MessagesFailed: 1,
      BatchLatencyMs: [12, 30],
    });
    expect(line._aws.CloudWatchMetrics[0].Namespace).toBe(WORKER_CLOUDWATCH.namespace);
    emf.flush();
    expect(lines).toHaveLength(1);
  });
});

describe("ECS task scale-in protection through the agent endpoint", () => {
  let server: Server;
  let agentUri: string;
  let calls: { method: string; url: string; body: unknown }[];
  let status = 200;
  const warnings: string[] = [];
  const log = { warn: (_f: object, message: string) => void warnings.push(message) };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        calls.push({ method: req.method!, url: req.url!, body: JSON.parse(body) });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(status === 200 ? { protection: {} } : { error: { Code: "TASK_NOT_FOUND" } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    agentUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4/task`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    calls = [];
    status = 200;
    warnings.length = 0;
  });

  test("protected when a batch starts, once for overlapping batches, removed after the idle time", async () => {
    const p = new TaskProtection({ agentUri, log, idleMs: 50, expiresInMinutes: 7 });
    await p.busy();
    expect(calls).toEqual([
      {
        method: "PUT",
        url: "/v4/task/task-protection/v1/state",
        body: { ProtectionEnabled: true, ExpiresInMinutes: 7 },
      },
    ]);
    await p.busy();
    p.idle();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(calls).toHaveLength(1); // one batch still in flight
    p.idle();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(calls.map((c) => c.body)).toEqual([
      { ProtectionEnabled: true, ExpiresInMinutes: 7 },
      { ProtectionEnabled: false },
    ]);
  });

  test("a batch within the idle time keeps the protection (no toggling in a steady stream)", async () => {
    const p = new TaskProtection({ agentUri, log, idleMs: 200 });
    await p.busy();
    p.idle();
    await p.busy();
    p.idle();
    await p.release();
    expect(calls.map((c) => c.body)).toEqual([
      { ProtectionEnabled: true, ExpiresInMinutes: 10 },
      { ProtectionEnabled: false },
    ]);
  });

  test("an agent error is logged, not thrown, and the next batch tries again", async () => {
    status = 400;
    const p = new TaskProtection({ agentUri, log, idleMs: 10_000 });
    await p.busy();
    expect(warnings).toEqual(["ECS task scale-in protection could not be set"]);
    p.idle();
    status = 200;
    await p.busy();
    expect(calls.map((c) => c.body)).toEqual([
      { ProtectionEnabled: true, ExpiresInMinutes: 10 },
      { ProtectionEnabled: true, ExpiresInMinutes: 10 },
    ]);
    p.idle();
    await p.release();
  });

  test("outside ECS (no ECS_AGENT_URI) nothing is called", async () => {
    const fetch = jest.fn();
    const p = new TaskProtection({ log, fetch: fetch as unknown as typeof globalThis.fetch });
    await p.busy();
    p.idle();
    await p.release();
    expect(p.enabled).toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });
});

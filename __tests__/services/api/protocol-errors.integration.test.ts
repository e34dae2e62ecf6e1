import { createBackend, type BackendFixture } from "./support/backends";
import { rawRequest, type RawResponse } from "./support/raw-http";
import { realServersAvailable } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";

jest.setTimeout(60_000);

/** A problem document with the status, read to the end (no reset), with a request id. */
function expectProblem(res: RawResponse, status: number, slug?: RegExp): void {
  expect({ error: res.error, status: res.status }).toEqual({ error: undefined, status });
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ status, title: expect.any(String), requestId: expect.any(String) });
  if (slug) expect(body.type).toMatch(slug);
  expect(res.body).not.toMatch(/at .*\.(ts|js):\d+|node_modules/);
}

// Errors the server produces before any route runs do not depend on the database: one backend is enough.
const backendName = realServersAvailable() ? ("postgres+redis" as const) : ("embedded" as const);

describe("errors produced by the HTTP layer itself are problem documents", () => {
  let backend: BackendFixture;
  let service: RunningService;
  const send = (request: string | Buffer) => rawRequest(service.port, request);

  beforeAll(async () => {
    backend = await createBackend(backendName);
    service = await startService(backend.env);
  });
  afterAll(async () => {
    await service?.stop();
    await backend?.cleanup();
  });

  test("a path that is not valid percent-encoding (%zz): 400", async () => {
    expectProblem(
      await send("GET /v1/tests/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      400,
      /bad-request$/,
    );
  });

  test("an unknown method: 501", async () => {
    expectProblem(await send("FOO / HTTP/1.1\r\nHost: x\r\n\r\n"), 501, /method-not-implemented$/);
  });

  test("a method the router has no route for: 404", async () => {
    expectProblem(await send("PROPFIND /v1/tests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 404);
  });

  test("Content-Length together with Transfer-Encoding: 400", async () => {
    const res = await send(
      "POST /v1/tests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    expectProblem(res, 400, /bad-request$/);
    expect(JSON.parse(res.body).detail).toMatch(/Content-Length or Transfer-Encoding/);
  });

  test("a 100 KB header: 431, read to the end, not a reset connection", async () => {
    const res = await send(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100 * 1024)}\r\n\r\n`);
    expectProblem(res, 431, /headers-too-large$/);
  });

  test("100 KB of headers in many lines, and a 20 KB URL: 431 each", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${"b".repeat(100)}`).join("\r\n");
    expectProblem(await send(`GET /health HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`), 431);
    expectProblem(await send(`GET /${"c".repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`), 431);
  });

  test("a header that is not a token, garbage, an unknown HTTP version", async () => {
    expectProblem(await send("GET / HTTP/1.1\r\nHo st: x\r\n\r\n"), 400);
    expectProblem(await send("HELLO\r\n\r\n"), 501);
    expectProblem(await send("GET / HTTP/3.0\r\nHost: x\r\n\r\n"), 505);
  });

  test("an Expect the server does not support: 417", async () => {
    expectProblem(
      await send("POST /v1/tests HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n"),
      417,
    );
  });

  test("an over-long path parameter: 414", async () => {
    expectProblem(
      await send(`GET /v1/tests/${"d".repeat(500)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      414,
    );
  });
});

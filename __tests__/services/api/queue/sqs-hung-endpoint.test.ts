import * as net from "node:net";
import { sqsClient } from "../../../../services/api/src/queue/open-queue";
import { SqsQueue } from "../../../../services/api/src/queue/sqs-queue";

jest.setTimeout(20_000);

/**
 * An SQS endpoint that accepts connections and never answers (a black-holed network path): every call
 * must end at its request timeout, on a real socket, instead of waiting for ever.
 */
describe("the SQS driver against an endpoint that never answers", () => {
  let server: net.Server;
  const sockets: net.Socket[] = [];
  let endpoint: string;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // Signing needs credentials; nothing reaches AWS.
    process.env.AWS_ACCESS_KEY_ID = "AKIAEXAMPLEEXAMPLE00";
    process.env.AWS_SECRET_ACCESS_KEY = "example-secret";
    server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  const queue = async () =>
    new SqsQueue(await sqsClient("us-east-1", { endpoint }), {
      queueUrl: `${endpoint}/000000000000/submissions`,
      requestTimeoutMs: 300,
    });

  test("send: each message reported failed once the tries time out (no hang)", async () => {
    const started = Date.now();
    const results = await (await queue()).send(["a", "b"]);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect((results[0] as { error: Error }).error.message).toMatch(/requestTimeout/);
    // Every try went to the endpoint: the client's retries, each on its own timeout.
    expect(sockets.length).toBeGreaterThanOrEqual(2);
  });

  test("receive: the long poll ends at its wait plus the request timeout, as an error", async () => {
    const started = Date.now();
    const outcome = await (await queue()).receive({ max: 10, waitSeconds: 1 }).then(
      () => "received",
      (error: Error) => error.message,
    );
    expect(outcome).toMatch(/requestTimeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1300);
    expect(Date.now() - started).toBeLessThan(12_000);
  });
});

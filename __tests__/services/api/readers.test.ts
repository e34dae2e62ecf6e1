import * as net from "node:net";
import {
  PgDatabase,
  type PgDatabaseOptions,
  type ReaderStateChange,
} from "../../../services/api/src/db/pg-database";
import { createBackend, testDatabase, uniqueName, type BackendFixture } from "./support/backends";
import { call } from "./support/client";
import { CuttableProxy, freePort } from "./support/redis-server";
import { realServersAvailable, TEST_DATABASE_URL } from "./support/servers";
import { startService, type RunningService } from "./support/service-process";

jest.setTimeout(60_000);

/** The test database's URL on another port (a closed one, or a proxy in front of it). */
function urlOnPort(port: number): string {
  const url = new URL(TEST_DATABASE_URL);
  url.port = String(port);
  return url.toString();
}

const CLOSED = urlOnPort(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Opened {
  readonly db: PgDatabase;
  /** Every reader state change the database reported, in order. */
  readonly changes: ReaderStateChange[];
}

/** A PgDatabase whose writer is the test database and whose readers are the given URLs. */
function openDatabase(readers: string[], options: PgDatabaseOptions & { schema?: string } = {}): Opened {
  const changes: ReaderStateChange[] = [];
  const db = new PgDatabase(
    {
      kind: "postgres",
      writer: { kind: "url", connectionString: TEST_DATABASE_URL },
      readers: readers.map((connectionString) => ({ kind: "url", connectionString })),
      ssl: "disable",
      schema: options.schema,
      poolMax: 2,
      connectTimeoutMs: 1000,
    },
    () => undefined,
    undefined,
    { onReaderStateChange: (change) => changes.push(change), ...options },
  );
  return { db, changes };
}

/** Which pool served a read: its application_name (skyline-api for the writer, skyline-api-reader-n). */
async function servedBy(db: PgDatabase): Promise<string> {
  const result = await db.reader.query<{ name: string }>(
    "select current_setting('application_name') as name",
  );
  return result.rows[0].name;
}

async function readsServedBy(db: PgDatabase, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(await servedBy(db));
  return names;
}

const readerStats = (db: PgDatabase) =>
  db
    .stats()
    .filter((s) => s.pool === "reader")
    .map((s) => ({ replica: s.replica, up: s.up }));

/** A TCP server that accepts and immediately drops every connection, counting them: a reader that resets. */
async function resettingServer(): Promise<{
  url: string;
  connections: () => number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: urlOnPort(port),
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// These run on the real PostgreSQL, which CI requires (realServersAvailable throws under CI=true without it).
/** A TCP proxy to the test database, closed until opened: a reader that can be cut and restored. */
async function proxyToTestDatabase(): Promise<CuttableProxy> {
  return new CuttableProxy(await freePort(), {
    host: "127.0.0.1",
    port: Number(new URL(TEST_DATABASE_URL).port) || 5432,
  });
}

const describeOnPostgres = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

describeOnPostgres("reads over several in-region readers (PostgreSQL)", () => {
  const opened: PgDatabase[] = [];
  const open = (readers: string[], options?: PgDatabaseOptions & { schema?: string }): Opened => {
    const result = openDatabase(readers, options);
    opened.push(result.db);
    return result;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  test("two readers on the same server serve reads alternately; the writer keeps its own name", async () => {
    const { db, changes } = open([TEST_DATABASE_URL, TEST_DATABASE_URL]);
    expect(await readsServedBy(db, 6)).toEqual([
      "skyline-api-reader-1",
      "skyline-api-reader-2",
      "skyline-api-reader-1",
      "skyline-api-reader-2",
      "skyline-api-reader-1",
      "skyline-api-reader-2",
    ]);
    const writer = await db.writer.query<{ name: string }>(
      "select current_setting('application_name') as name",
    );
    expect(writer.rows[0].name).toBe("skyline-api");
    expect(db.stats()).toEqual([
      expect.objectContaining({ pool: "writer" }),
      expect.objectContaining({ pool: "reader", replica: 1, up: true }),
      expect.objectContaining({ pool: "reader", replica: 2, up: true }),
    ]);
    expect(db.stats()[0]).not.toHaveProperty("replica");
    expect(changes).toEqual([]);
  });

  test("a single reader serves every read, as before", async () => {
    const { db } = open([TEST_DATABASE_URL]);
    expect(await readsServedBy(db, 3)).toEqual(Array(3).fill("skyline-api-reader-1"));
    expect(readerStats(db)).toEqual([{ replica: 1, up: true }]);
  });

  test("no reader: reads go to the writer", async () => {
    const { db } = open([]);
    expect(await readsServedBy(db, 2)).toEqual(["skyline-api", "skyline-api"]);
    expect(db.stats().map((s) => s.pool)).toEqual(["writer"]);
  });

  test("a reader on a closed port is routed around: reads succeed on the other one, it shows down, reported once", async () => {
    const { db, changes } = open([CLOSED, TEST_DATABASE_URL], { readerCooldownMs: 60_000 });
    expect(await readsServedBy(db, 6)).toEqual(Array(6).fill("skyline-api-reader-2"));
    expect(readerStats(db)).toEqual([
      { replica: 1, up: false },
      { replica: 2, up: true },
    ]);
    expect(changes).toEqual([
      expect.objectContaining({
        replica: 1,
        up: false,
        cooldownMs: 60_000,
        target: expect.stringContaining("127.0.0.1:1/"),
        error: expect.objectContaining({ code: "ECONNREFUSED" }),
      }),
    ]);
  });

  test("a down reader is skipped for the cool-down, then tried again by one query; still failing, it stays down", async () => {
    const dead = await resettingServer();
    try {
      const { db, changes } = open([dead.url, TEST_DATABASE_URL], { readerCooldownMs: 400 });
      expect(await servedBy(db)).toBe("skyline-api-reader-2");
      expect(dead.connections()).toBe(1);
      expect(changes).toEqual([
        expect.objectContaining({
          replica: 1,
          up: false,
          error: expect.objectContaining({ message: expect.any(String) }),
        }),
      ]);
      // Within the cool-down: not tried at all.
      expect(await readsServedBy(db, 5)).toEqual(Array(5).fill("skyline-api-reader-2"));
      expect(dead.connections()).toBe(1);

      await sleep(450);
      // The cool-down is over: the next read tries it once more (and is retried on reader 2).
      expect(await servedBy(db)).toBe("skyline-api-reader-2");
      expect(dead.connections()).toBe(2);
      // Failed again: another cool-down, no new report.
      expect(await readsServedBy(db, 4)).toEqual(Array(4).fill("skyline-api-reader-2"));
      expect(dead.connections()).toBe(2);
      expect(readerStats(db)).toEqual([
        { replica: 1, up: false },
        { replica: 2, up: true },
      ]);
      expect(changes).toHaveLength(1);
    } finally {
      await dead.close();
    }
  });

  test("a reader that answers again after the cool-down is back in the rotation (reported)", async () => {
    const proxy = await proxyToTestDatabase();
    try {
      // The proxy is not listening yet: reader 1 refuses connections.
      const { db, changes } = open([urlOnPort(proxy.port), TEST_DATABASE_URL], { readerCooldownMs: 1000 });
      expect(await servedBy(db)).toBe("skyline-api-reader-2");
      const downAt = Date.now();
      expect(readerStats(db)[0]).toEqual({ replica: 1, up: false });

      await proxy.open();
      // Reachable again, but still within its cool-down: skipped.
      expect(await readsServedBy(db, 4)).toEqual(Array(4).fill("skyline-api-reader-2"));
      expect(Date.now() - downAt).toBeLessThan(1000);

      await sleep(1100 - (Date.now() - downAt));
      expect((await readsServedBy(db, 4)).sort()).toEqual([
        "skyline-api-reader-1",
        "skyline-api-reader-1",
        "skyline-api-reader-2",
        "skyline-api-reader-2",
      ]);
      expect(readerStats(db)).toEqual([
        { replica: 1, up: true },
        { replica: 2, up: true },
      ]);
      expect(changes.map((c) => [c.replica, c.up])).toEqual([
        [1, false],
        [1, true],
      ]);
    } finally {
      await proxy.cut();
    }
  });

  test("every reader down: reads are served by the writer", async () => {
    const { db, changes } = open([CLOSED, urlOnPort(await freePort())], { readerCooldownMs: 60_000 });
    expect(await readsServedBy(db, 3)).toEqual(["skyline-api", "skyline-api", "skyline-api"]);
    expect(readerStats(db)).toEqual([
      { replica: 1, up: false },
      { replica: 2, up: false },
    ]);
    expect(changes.map((c) => [c.replica, c.up])).toEqual([
      [1, false],
      [2, false],
    ]);
  });

  test("an SQL error on a reader is thrown as it is: not retried, the reader stays up", async () => {
    const schema = uniqueName("readers_test");
    const admin = testDatabase();
    await admin.writer.exec(`create schema ${schema}; create sequence ${schema}.attempts_seq;`);
    try {
      const { db, changes } = open([TEST_DATABASE_URL, TEST_DATABASE_URL], { schema });
      // Each attempt advances the sequence (sequences ignore the statement's failure): one attempt only.
      await expect(db.reader.query("select nextval('attempts_seq') / 0")).rejects.toMatchObject({
        code: "22012",
      });
      const seq = await admin.writer.query<{ last_value: string }>(
        `select last_value from ${schema}.attempts_seq`,
      );
      expect(Number(seq.rows[0].last_value)).toBe(1);

      await expect(db.reader.query("selec 1")).rejects.toMatchObject({ code: "42601" });
      await expect(db.reader.query("selec 1")).rejects.toMatchObject({ code: "42601" });
      expect(readerStats(db)).toEqual([
        { replica: 1, up: true },
        { replica: 2, up: true },
      ]);
      expect(changes).toEqual([]);
      // Both still in the rotation.
      expect((await readsServedBy(db, 2)).sort()).toEqual(["skyline-api-reader-1", "skyline-api-reader-2"]);
    } finally {
      await admin.writer.exec(`drop schema if exists ${schema} cascade`);
      await admin.close();
    }
  });

  test("readiness: ping resolves with a dead reader and marks it down; a reader answering again is put back by ping", async () => {
    const proxy = await proxyToTestDatabase();
    try {
      const { db, changes } = open([urlOnPort(proxy.port), TEST_DATABASE_URL], { readerCooldownMs: 60_000 });
      await expect(db.ping()).resolves.toBeUndefined();
      expect(readerStats(db)).toEqual([
        { replica: 1, up: false },
        { replica: 2, up: true },
      ]);
      await proxy.open();
      await expect(db.ping()).resolves.toBeUndefined();
      expect(readerStats(db)).toEqual([
        { replica: 1, up: true },
        { replica: 2, up: true },
      ]);
      expect(changes.map((c) => [c.replica, c.up])).toEqual([
        [1, false],
        [1, true],
      ]);
      // Every reader down: still ready (the writer serves the reads).
      const allDown = open([CLOSED], { readerCooldownMs: 60_000 });
      await expect(allDown.db.ping()).resolves.toBeUndefined();
      expect(readerStats(allDown.db)).toEqual([{ replica: 1, up: false }]);
    } finally {
      await proxy.cut();
    }
  });

  test("without a listener for state changes, a reader going down is reported through onError", async () => {
    const errors: Error[] = [];
    const db = new PgDatabase(
      {
        kind: "postgres",
        writer: { kind: "url", connectionString: TEST_DATABASE_URL },
        readers: [{ kind: "url", connectionString: CLOSED }],
        ssl: "disable",
        poolMax: 1,
        connectTimeoutMs: 1000,
      },
      (error) => errors.push(error),
    );
    opened.push(db);
    expect(await servedBy(db)).toBe("skyline-api");
    expect(errors).toEqual([
      expect.objectContaining({
        code: "ECONNREFUSED",
        message: expect.stringMatching(
          /^database reader 1 \(.*127\.0\.0\.1:1\/.*\) is down, skipped for 5000 ms: /,
        ),
      }),
    ]);
  });
});

describeOnPostgres("the service with a dead reader (PostgreSQL + Redis)", () => {
  let backend: BackendFixture;
  let service: RunningService;

  beforeAll(async () => {
    backend = await createBackend("postgres+redis");
    service = await startService({
      ...backend.env,
      DATABASE_READER_URL: CLOSED,
      DB_CONNECT_TIMEOUT_MS: "1000",
    });
  });

  afterAll(async () => {
    await service?.stop();
    await backend?.cleanup();
  });

  test("/ready stays ready, reads are served (by the writer), metrics and logs show the reader down", async () => {
    const ready = await call(service.url, "GET", "/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database.status).toBe("ok");

    const read = await call(service.url, "GET", "/v1/tests/00000000-0000-4000-8000-000000000000");
    expect(read.status).toBe(404);

    const metrics = await call(service.url, "GET", "/metrics");
    expect(metrics.text).toMatch(/^db_reader_up\{replica="1"\} 0$/m);
    expect(metrics.text).toMatch(/^db_pool_connections\{pool="reader",replica="1"\} \d+$/m);
    expect(metrics.text).toMatch(/^db_pool_connections\{pool="writer"\} \d+$/m);
    // Log lines arrive through the child's stdout: give the last one a moment.
    for (let i = 0; i < 40 && !service.logs.some((l) => l.replica === 1); i++) await sleep(50);
    expect(service.logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 40,
          replica: 1,
          msg: expect.stringMatching(/^database reader down/),
          err: expect.objectContaining({ code: "ECONNREFUSED" }),
        }),
      ]),
    );
  });
});

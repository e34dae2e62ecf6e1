import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadMigrations, migrate } from "../../../../services/api/src/db/migrations";
import type { PgDatabase } from "../../../../services/api/src/db/pg-database";
import { PgQueue } from "../../../../services/api/src/queue/pg-queue";
import { testDatabase, uniqueName } from "../support/backends";
import { API_DIR } from "../support/service-process";
import { scenarios } from "./support/pg-queue-scenarios";

jest.setTimeout(90_000);

describe("PgQueue on real PostgreSQL", () => {
  let db: PgDatabase;
  let schema: string;
  beforeAll(async () => {
    schema = uniqueName("queue_test");
    db = testDatabase(schema);
    await migrate(db, loadMigrations(), { schema });
  });
  afterAll(async () => {
    await db.writer.query(`drop schema ${schema} cascade`);
    await db.close();
  });

  test.each(Object.keys(scenarios))("%s", async (name) => {
    await scenarios[name](db.writer);
  });

  test("SKIP LOCKED: consumers on separate connections never receive the same message", async () => {
    const name = uniqueName("q");
    const bodies = Array.from({ length: 400 }, (_, i) => `m${i}`);
    await new PgQueue(db.writer, { name }).send(bodies);
    const consumers = [testDatabase(schema), testDatabase(schema), testDatabase(schema)];
    const seen: string[] = [];
    await Promise.all(
      consumers.map(async (own) => {
        const q = new PgQueue(own.writer, { name });
        for (;;) {
          const got = await q.receive({ max: 7, waitSeconds: 0 });
          if (got.length === 0) return;
          seen.push(...got.map((m) => m.body));
          expect(await q.delete(got.map((m) => m.receipt))).toEqual([]);
        }
      }),
    );
    await Promise.all(consumers.map((c) => c.close()));
    expect(seen.length).toBe(bodies.length);
    expect(new Set(seen)).toEqual(new Set(bodies));
  });

  test("a failed send reports the error for every message and stores none", async () => {
    const broken = testDatabase(uniqueName("no_such_schema"));
    const results = await new PgQueue(broken.writer, { name: "q" }).send(["a", "b"]);
    await broken.close();
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0].ok === false && results[0].error.message).toMatch(/queue_messages/);
  });
});

describe("PgQueue on the embedded PGlite (in a child process: PGlite cannot load inside jest)", () => {
  test("every scenario passes", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "support/run-on-pglite.ts")],
      { cwd: API_DIR, timeout: 80_000 },
    );
    const results = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, string>;
    expect(results).toEqual(Object.fromEntries(Object.keys(scenarios).map((name) => [name, "passed"])));
  });
});

import { classifyDbError } from "../../../services/api/src/db/database";
import { PgDatabase } from "../../../services/api/src/db/pg-database";
import { realServersAvailable, TEST_DATABASE_URL } from "./support/servers";

jest.setTimeout(20_000);

// On the real PostgreSQL, which CI requires (realServersAvailable throws under CI=true without it).
const describeOnPostgres = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

/** The error a promise rejects with, and how long that took. */
async function failure(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describeOnPostgres("PgDatabase.answerBy (the drain's deadline for answers)", () => {
  let db: PgDatabase;
  beforeEach(() => {
    db = new PgDatabase(
      {
        kind: "postgres",
        writer: { kind: "url", connectionString: TEST_DATABASE_URL },
        ssl: "disable",
        poolMax: 1,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 10_000,
      },
      () => undefined,
    );
  });
  afterEach(async () => db.close());

  test("a query sent during the drain waits no longer than the deadline: a timeout (outcome unknown)", async () => {
    db.answerBy(Date.now() + 300);
    const { error, ms } = await failure(db.writer.query("select pg_sleep(2)"));
    expect(classifyDbError(error)).toBe("timeout");
    expect(ms).toBeLessThan(1500);
  });

  test("past the deadline nothing is sent: unavailable (certainly not applied)", async () => {
    db.answerBy(Date.now() - 1);
    const { error } = await failure(db.writer.query("select 1"));
    expect(classifyDbError(error)).toBe("unavailable");
  });

  test("waiting for a connection ends at the deadline too, and the pool gets that connection back", async () => {
    const holding = db.writer.query("select pg_sleep(1)"); // the pool's only connection
    db.answerBy(Date.now() + 300);
    const { error, ms } = await failure(db.writer.query("select 1"));
    expect(classifyDbError(error)).toBe("unavailable");
    expect(ms).toBeLessThan(900);
    await holding.catch(() => undefined);
    // The waiter that gave up does not keep the connection it was handed later.
    await new Promise((r) => setTimeout(r, 50));
    expect(db.stats()[0]).toMatchObject({ waiting: 0 });
    expect(db.stats()[0].idle).toBe(db.stats()[0].total);
  });

  test("without a drain, queries are not cut short", async () => {
    expect((await db.writer.query<{ n: number }>("select 1 as n")).rows).toEqual([{ n: 1 }]);
    const { error } = await failure(db.writer.query("select pg_sleep(0.2)"));
    expect(error).toBeUndefined();
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../../services/api/src/config";
import {
  classifyDbError,
  isConnectionError,
  isDatabaseUnavailable,
  markNotSent,
  outcomeUnknown,
} from "../../../services/api/src/db/database";
import { loadMigrations, schemaRefusal } from "../../../services/api/src/db/migrations";
import { PgDatabase, poolConfigFor } from "../../../services/api/src/db/pg-database";
import { realServersAvailable, TEST_DATABASE_URL } from "./support/servers";

const iamEnv = {
  DB_HOST: "proxy.example",
  DB_NAME: "app",
  DB_USER: "app_user",
  DB_IAM_AUTH: "true",
  DB_SSL: "require",
  AWS_REGION: "us-east-1",
};

describe("pg pool configuration", () => {
  test("IAM auth: the password is a function that signs a fresh token for every connection", async () => {
    const config = loadConfig(iamEnv);
    if (config.database.kind !== "postgres") throw new Error("expected postgres");
    let calls = 0;
    const signer = jest.fn(async (): Promise<string> => `token-${++calls}`);
    const pool = poolConfigFor(config.database.writer, config.database, signer);
    expect(pool.ssl).toEqual({ rejectUnauthorized: true });
    expect(typeof pool.password).toBe("function");
    const password = pool.password as () => Promise<string>;
    expect(await password()).toBe("token-1");
    expect(await password()).toBe("token-2");
    expect(signer).toHaveBeenCalledWith(
      expect.objectContaining({ host: "proxy.example", port: 5432, user: "app_user", region: "us-east-1" }),
    );
  });

  test("static password, schema search_path and no TLS locally", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@h/db", DB_SCHEMA: "s1" });
    if (config.database.kind !== "postgres") throw new Error("expected postgres");
    const pool = poolConfigFor(config.database.writer, config.database);
    expect(pool).toMatchObject({ connectionString: "postgres://u@h/db", options: "-c search_path=s1" });
    expect(pool.ssl).toBeUndefined();
  });

  test("a refused connection through a real pool is classified as 'database unavailable' (503)", async () => {
    const config = loadConfig({
      ...iamEnv,
      DB_HOST: "127.0.0.1",
      DB_PORT: "1",
      DB_SSL: "disable",
      DB_CONNECT_TIMEOUT_MS: "200",
    });
    if (config.database.kind !== "postgres") throw new Error("expected postgres");
    const signer = jest.fn(async () => "token");
    const db = new PgDatabase(config.database, () => undefined, signer);
    const error = await db.ping().catch((e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await db.close();
  });
});

describe("classifyDbError: what a failure says about the statement's effect", () => {
  const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });
  test.each([
    [new Error("Query read timeout"), "timeout"], // pg's query_timeout: the statement may still commit
    [new Error("Connection terminated unexpectedly"), "connection-lost"],
    [coded("ECONNRESET"), "connection-lost"],
    [coded("EPIPE"), "connection-lost"],
    [coded("57P01"), "connection-lost"], // admin_shutdown while a statement ran
    [coded("08006"), "connection-lost"],
    [markNotSent(coded("ECONNRESET")), "unavailable"], // reset while connecting: nothing was sent
    [markNotSent(new Error("Connection terminated unexpectedly")), "unavailable"],
    [coded("ECONNREFUSED"), "unavailable"],
    [new Error("timeout exceeded when trying to connect"), "unavailable"], // no free pool connection
    [new Error("Connection terminated due to connection timeout"), "unavailable"],
    [coded("57P03"), "unavailable"],
    [coded("53300"), "overloaded"],
    [coded("57014"), "canceled"],
    [coded("40001"), "retryable"],
    [coded("40P01"), "retryable"],
    [coded("25006"), "read-only"], // read_only_sql_transaction: a replica, or a demoted primary
    [coded("23505"), "constraint"],
    [coded("23503"), "constraint"],
    [coded("22021"), "data"], // character_not_in_repertoire (a NUL byte)
    [coded("22008"), "data"], // datetime_field_overflow
    [coded("42601"), "other"],
    [new Error("something else"), "other"],
    ["not an error", "other"],
  ])("%s → %s", (error, expected) => expect(classifyDbError(error)).toBe(expected));

  test("only a timeout or a lost connection leaves a write's outcome unknown", () => {
    expect(outcomeUnknown("timeout")).toBe(true);
    expect(outcomeUnknown("connection-lost")).toBe(true);
    for (const f of [
      "unavailable",
      "canceled",
      "overloaded",
      "retryable",
      "read-only",
      "constraint",
      "data",
      "other",
    ] as const) {
      expect(outcomeUnknown(f)).toBe(false);
    }
  });
});

describe("isDatabaseUnavailable", () => {
  test.each([
    [Object.assign(new Error("x"), { code: "ECONNREFUSED" }), true],
    [Object.assign(new Error("x"), { code: "57P01" }), true],
    [Object.assign(new Error("x"), { code: "08006" }), true],
    [Object.assign(new Error("x"), { code: "25006" }), true],
    [new Error("Connection terminated unexpectedly"), true],
    [Object.assign(new Error("x"), { code: "23505" }), false],
    [new Error("syntax error"), false],
    ["not an error", false],
  ])("%s → %s", (error, expected) => expect(isDatabaseUnavailable(error)).toBe(expected));
});

describe("isConnectionError (a reader failing this way is skipped and the read retried)", () => {
  const coded = (code: string) => Object.assign(new Error("x"), { code });
  test.each([
    [coded("ECONNREFUSED"), true],
    [coded("ECONNRESET"), true],
    [coded("08006"), true], // connection_failure
    [coded("08001"), true], // sqlclient_unable_to_establish_sqlconnection
    [coded("57P01"), true], // admin_shutdown
    [coded("57P02"), true], // crash_shutdown
    [coded("57P03"), true], // cannot_connect_now
    [new Error("Connection terminated unexpectedly"), true],
    [new Error("timeout exceeded when trying to connect"), true],
    [coded("42601"), false], // syntax_error
    [coded("23505"), false], // unique_violation
    [coded("22012"), false], // division_by_zero
    [coded("53300"), false], // too_many_connections: 503, but not a reason to leave the rotation
    [new Error("syntax error"), false],
    [undefined, false],
  ])("%s → %s", (error, expected) => expect(isConnectionError(error)).toBe(expected));

  test("too_many_connections is still 'database unavailable' (503)", () => {
    expect(isDatabaseUnavailable(coded("53300"))).toBe(true);
  });
});

describe("migrations", () => {
  test("the bundled migrations load in order from 1", () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0].sql).toMatch(
      /create index attempts_user_created_idx on attempts \(user_id, created_at desc/,
    );
  });

  test.each([
    [["0001_a.sql", "0003_b.sql"], /without gaps/],
    [["1_a.sql"], /must be named NNNN_lower_snake_name\.sql/],
  ])("a bad folder %o throws", (files, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), "mig-"));
    for (const file of files) writeFileSync(path.join(dir, file), "select 1;");
    expect(() => loadMigrations(dir)).toThrow(message);
  });

  test("refusal messages say what to do", () => {
    expect(schemaRefusal({ status: "current", version: 1 })).toBeUndefined();
    expect(schemaRefusal({ status: "not-migrated" })).toMatch(/node dist\/migrate\.js/);
    expect(schemaRefusal({ status: "behind", version: 1, latest: 2 })).toMatch(
      /older .* node dist\/migrate\.js/,
    );
    expect(schemaRefusal({ status: "unknown", version: 3, latest: 2 })).toMatch(
      /newer than this build knows/,
    );
  });
});

// On the real PostgreSQL, which CI requires (realServersAvailable throws under CI=true without it).
const describeOnPostgres = realServersAvailable() ? describe : (_name: string, _fn: () => void) => undefined;

describeOnPostgres("a connection to a read-only server", () => {
  test("is closed after the refusal, so the next statement gets a new connection (which may reach the new primary)", async () => {
    const db = new PgDatabase(
      {
        kind: "postgres",
        writer: { kind: "url", connectionString: TEST_DATABASE_URL },
        ssl: "disable",
        poolMax: 1,
        connectTimeoutMs: 2000,
      },
      () => undefined,
    );
    try {
      const pid = async () =>
        (await db.writer.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid;
      const before = await pid();
      // This session only: the shared server stays writable for everyone else.
      await db.writer.query("set default_transaction_read_only = on");
      const refused = await db.writer.query("create table read_only_probe (x int)").catch((e: unknown) => e);
      expect(classifyDbError(refused)).toBe("read-only");
      expect(await pid()).not.toBe(before);
    } finally {
      await db.close();
    }
  });
});

import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Redis from "ioredis";
import { loadMigrations, migrate } from "../../../../services/api/src/db/migrations";
import { PgDatabase } from "../../../../services/api/src/db/pg-database";
import type { BackendName } from "./servers";
import { API_DIR, startService } from "./service-process";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./servers";

export const TEST_JWT_SECRET = "integration-test-secret-0123456789abcdef";

/** A fresh, isolated place to run the service: its own schema and Redis key prefix, or nothing (embedded). */
export interface BackendFixture {
  readonly name: BackendName;
  readonly schema?: string;
  readonly env: Record<string, string | undefined>;
  cleanup(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** Opens a pg pool on the test database with the given schema as search_path. */
export function testDatabase(schema?: string): PgDatabase {
  return new PgDatabase(
    {
      kind: "postgres",
      writer: { kind: "url", connectionString: TEST_DATABASE_URL },
      ssl: "disable",
      schema,
      poolMax: 2,
      connectTimeoutMs: 2000,
    },
    () => undefined,
  );
}

export async function createBackend(
  name: BackendName,
  extra: Record<string, string> = {},
): Promise<BackendFixture> {
  const common = { JWT_SECRET: TEST_JWT_SECRET, ...extra };
  if (name === "embedded") {
    const dataDir = await embeddedDataDir();
    return {
      name,
      env: { PGLITE_DATA_DIR: dataDir, ...common },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = uniqueName("api_test");
  const prefix = `${schema}:`;
  const db = testDatabase(schema);
  await migrate(db, loadMigrations(), { schema });
  await db.close();
  return {
    name,
    schema,
    env: {
      DATABASE_URL: TEST_DATABASE_URL,
      DB_SCHEMA: schema,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ...common,
    },
    async cleanup() {
      const admin = testDatabase();
      await admin.writer.query(`drop schema if exists ${schema} cascade`);
      await admin.close();
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

/**
 * A fresh embedded database directory for one service: a copy of a migrated template. The template is
 * made once per machine (per migrations and PGlite version) by starting the service on it, so each
 * embedded service in the suites starts as fast as the embedded default does after its first run.
 */
async function embeddedDataDir(): Promise<string> {
  const template = await migratedTemplate();
  const dir = mkdtempSync(path.join(tmpdir(), "skyline-api-test-pglite-"));
  rmSync(dir, { recursive: true });
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** The installed PGlite's version (its package.json is not exported: found from its entry point). */
function pgliteVersion(): { version: string } {
  let dir = path.dirname(require.resolve("@electric-sql/pglite", { paths: [API_DIR] }));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
}

let templateMade: Promise<string> | undefined;

function migratedTemplate(): Promise<string> {
  templateMade ??= (async () => {
    const migrations = loadMigrations();
    const pglite = pgliteVersion();
    const hash = createHash("sha256")
      .update(pglite.version)
      .update(JSON.stringify(migrations))
      .digest("hex")
      .slice(0, 16);
    const template = path.join(tmpdir(), `skyline-api-test-pglite-template-${hash}`);
    if (existsSync(template)) return template;
    // Made aside and renamed into place: suites in other workers never see a half-made one (if two make
    // it at once, one rename wins and the other's copy is dropped).
    const building = mkdtempSync(`${template}.building-`);
    rmSync(building, { recursive: true });
    const service = await startService({ PGLITE_DATA_DIR: building, JWT_SECRET: TEST_JWT_SECRET }, 120_000);
    await service.stop();
    try {
      renameSync(building, template);
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
    return template;
  })();
  return templateMade;
}

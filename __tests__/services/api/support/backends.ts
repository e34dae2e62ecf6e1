import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { loadMigrations, migrate } from "../../../../services/api/src/db/migrations";
import { PgDatabase } from "../../../../services/api/src/db/pg-database";
import type { BackendName } from "./servers";
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
    return { name, env: common, cleanup: async () => undefined };
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

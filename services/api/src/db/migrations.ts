import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Database, Queryable } from "./database";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The migrations folder sits beside src/ and dist/, so the same path works from both. */
export const MIGRATIONS_DIR = path.join(__dirname, "..", "..", "migrations");

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// pg_advisory_xact_lock key: two deploys migrating at once run one after the other.
const LOCK_KEY = 7_214_531_901;

/** Reads NNNN_name.sql files in version order; a gap or duplicate is a packaging bug and throws. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new Error(`Migration file ${file} must be named NNNN_lower_snake_name.sql.`);
      return { version: Number(match[1]), name: match[2], sql: readFileSync(path.join(dir, file), "utf8") };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migration versions must run 1, 2, 3… without gaps; found ${migration.version} at ${index + 1}.`,
      );
    }
  });
  return migrations;
}

export interface MigrateOptions {
  /** Schema to create and migrate (search_path must point at it). @default the connection's search_path */
  readonly schema?: string;
}

/** Applies pending migrations in one transaction under an advisory lock; returns the versions applied. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: MigrateOptions = {},
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    if (options.schema) await tx.query(`create schema if not exists ${options.schema}`);
    await tx.query(
      `create table if not exists schema_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const applied = new Set(
      (await tx.query<{ version: number }>("select version from schema_migrations")).rows.map(
        (r) => r.version,
      ),
    );
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query("insert into schema_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}

export type SchemaState =
  | { readonly status: "current"; readonly version: number }
  | { readonly status: "not-migrated" }
  | { readonly status: "behind"; readonly version: number; readonly latest: number }
  | { readonly status: "unknown"; readonly version: number; readonly latest: number };

/** Compares the database's schema version with the migrations this build knows. */
export async function schemaState(db: Queryable, migrations: readonly Migration[]): Promise<SchemaState> {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  let version: number | null;
  try {
    const result = await db.query<{ version: number | null }>(
      "select max(version) as version from schema_migrations",
    );
    version = result.rows[0]?.version ?? null;
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return { status: "not-migrated" };
    throw error;
  }
  if (version === null) return { status: "not-migrated" };
  if (version > latest) return { status: "unknown", version, latest };
  if (version < latest) return { status: "behind", version, latest };
  return { status: "current", version };
}

/** The log line for a schema the service refuses to start on, or undefined when it may start. */
export function schemaRefusal(state: SchemaState): string | undefined {
  switch (state.status) {
    case "current":
      return undefined;
    case "not-migrated":
      return "Refusing to start: the database has no schema_migrations table. Run the migrations first: node dist/migrate.js";
    case "behind":
      return `Refusing to start: database schema version ${state.version} is older than this build's ${state.latest}. Run: node dist/migrate.js`;
    case "unknown":
      return `Refusing to start: database schema version ${state.version} is newer than this build knows (${state.latest}). Deploy the build that migrated it, or a newer one.`;
  }
}

/* Runs the local driver's scenarios on an in-memory PGlite; prints one JSON line of results. */
import { loadMigrations, migrate } from "../../../../../services/api/src/db/migrations";
import { PgliteDatabase } from "../../../../../services/api/src/db/pglite-database";
import { scenarios } from "./pg-queue-scenarios";

async function main(): Promise<void> {
  const db = await PgliteDatabase.open();
  await migrate(db, loadMigrations());
  const results: Record<string, string> = {};
  for (const [name, run] of Object.entries(scenarios)) {
    results[name] = await run(db.writer).then(
      () => "passed",
      (error: Error) => `failed: ${error.message}`,
    );
  }
  await db.close();
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();

/**
 * `deno task db:migrate`: applies pending migrations, on `DATABASE_URL` or
 * on the embedded database (started for the occasion unless the app is
 * already running it).
 *
 * @module
 */
import { migrateToLatest } from "../lib/db/migrate.ts";
import { runDatabaseTask } from "./databaseTask.ts";

await runDatabaseTask(async ({ db }) => {
  const applied = await migrateToLatest(db);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "the database is up to date");
  return 0;
}, { migrate: false });

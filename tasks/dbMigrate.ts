/**
 * `deno task db:migrate`: applies pending migrations, on `DATABASE_URL` or
 * on the embedded database (started for the occasion unless the app is
 * already running it).
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { openDatabase } from "../lib/db/database.ts";
import { migrateToLatest } from "../lib/db/migrate.ts";

const { databaseUrl } = loadConfig();
const database = await openDatabase(databaseUrl, { migrate: false });
try {
  const applied = await migrateToLatest(database.db);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "the database is up to date");
} finally {
  await database.close();
}

/**
 * What every database task shares: settings from the environment, quiet logs,
 * the database opened (embedded or `DATABASE_URL`, whether or not the app
 * runs) and closed again, and the exit code; a failure is one readable line.
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { type OpenDatabase, openDatabase } from "../lib/db/database.ts";
import { errorMessage, setLogLevel } from "../lib/log.ts";

/**
 * Runs `task` on the open database and exits with the code it returns
 * (1 when it throws). `migrate: false` leaves the schema as it is.
 */
export async function runDatabaseTask(
  task: (database: OpenDatabase) => Promise<number>,
  options: { migrate?: boolean } = {},
): Promise<never> {
  let code = 1;
  try {
    const config = loadConfig();
    setLogLevel(config.logLevel === "debug" ? "debug" : "warn");
    const database = await openDatabase(config.databaseUrl, options);
    try {
      code = await task(database);
    } finally {
      await database.close();
    }
  } catch (error) {
    console.error(errorMessage(error));
  }
  Deno.exit(code);
}

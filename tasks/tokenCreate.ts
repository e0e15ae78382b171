/**
 * `deno task token:create NAME [LABEL]`: creates an API token for that user
 * and prints it on stdout, and nothing else (so `TOKEN=$(deno task
 * token:create alice)` works). Only its hash is stored; it cannot be shown
 * again. Works whether or not the app runs.
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { openDatabase } from "../lib/db/database.ts";
import { errorMessage, setLogLevel } from "../lib/log.ts";
import { createApiToken } from "../lib/auth/apiTokens.ts";
import { findUserByName } from "../lib/users.ts";

async function main(): Promise<number> {
  const [name, label, ...rest] = Deno.args;
  if (!name || rest.length > 0) {
    console.error("usage: deno task token:create NAME [LABEL]");
    return 2;
  }
  const config = loadConfig();
  setLogLevel(config.logLevel === "debug" ? "debug" : "warn");
  const database = await openDatabase(config.databaseUrl);
  try {
    const user = await findUserByName(database.db, name);
    if (!user) {
      console.error(`no user named ${name}`);
      return 1;
    }
    const { token } = await createApiToken(database.db, user.id, label ?? null);
    console.log(token);
    return 0;
  } finally {
    await database.close();
  }
}

try {
  Deno.exit(await main());
} catch (error) {
  console.error(errorMessage(error));
  Deno.exit(1);
}

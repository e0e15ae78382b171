/**
 * `deno task user:add NAME`: creates a user. The password is read from
 * stdin, so it can be piped (`echo secret | deno task user:add alice`); on a
 * terminal it is asked for without echo. Works whether or not the app runs.
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { openDatabase } from "../lib/db/database.ts";
import { errorMessage, setLogLevel } from "../lib/log.ts";
import { createUser, nameProblem, passwordProblem, UserError } from "../lib/users.ts";
import { readPassword } from "./passwordInput.ts";

async function main(): Promise<number> {
  const [name, ...rest] = Deno.args;
  if (!name || rest.length > 0) {
    console.error("usage: deno task user:add NAME   (the password is read from stdin)");
    return 2;
  }
  const nameError = nameProblem(name);
  if (nameError) {
    console.error(nameError);
    return 1;
  }
  const password = await readPassword("Password: ");
  const passwordError = passwordProblem(password);
  if (passwordError) {
    console.error(passwordError);
    return 1;
  }
  const config = loadConfig();
  setLogLevel(config.logLevel === "debug" ? "debug" : "warn");
  const database = await openDatabase(config.databaseUrl);
  try {
    const user = await createUser(database.db, name, password);
    console.error(`created user ${user.name}`);
    return 0;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(error.message);
    return 1;
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

/**
 * `deno task user:add NAME`: creates a user. The password is read from
 * stdin, so it can be piped (`echo secret | deno task user:add alice`); on a
 * terminal it is asked for without echo. Works whether or not the app runs.
 *
 * @module
 */
import { createUser, nameProblem, passwordProblem, UserError } from "../lib/users.ts";
import { readPassword } from "./passwordInput.ts";
import { runDatabaseTask } from "./databaseTask.ts";

const [name, ...rest] = Deno.args;
if (!name || rest.length > 0) {
  console.error("usage: deno task user:add NAME   (the password is read from stdin)");
  Deno.exit(2);
}
const nameError = nameProblem(name);
if (nameError) {
  console.error(nameError);
  Deno.exit(1);
}
const password = await readPassword("Password: ");
const passwordError = passwordProblem(password);
if (passwordError) {
  console.error(passwordError);
  Deno.exit(1);
}

await runDatabaseTask(async ({ db }) => {
  try {
    const user = await createUser(db, name, password);
    console.error(`created user ${user.name}`);
    return 0;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(error.message);
    return 1;
  }
});

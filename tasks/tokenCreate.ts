/**
 * `deno task token:create NAME [LABEL]`: creates an API token for that user
 * and prints it on stdout, and nothing else (so `TOKEN=$(deno task
 * token:create alice)` works). Only its hash is stored; it cannot be shown
 * again. Works whether or not the app runs.
 *
 * @module
 */
import { createApiToken } from "../lib/auth/apiTokens.ts";
import { findUserByName } from "../lib/users.ts";
import { runDatabaseTask } from "./databaseTask.ts";

const [name, label, ...rest] = Deno.args;
if (!name || rest.length > 0) {
  console.error("usage: deno task token:create NAME [LABEL]");
  Deno.exit(2);
}

await runDatabaseTask(async ({ db }) => {
  const user = await findUserByName(db, name);
  if (!user) {
    console.error(`no user named ${name}`);
    return 1;
  }
  const { token } = await createApiToken(db, user.id, label ?? null);
  console.log(token);
  return 0;
});

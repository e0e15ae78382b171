/**
 * The embedded database's system user under root: created when missing,
 * left alone when there, and a refusal that says which command to run.
 * CI and these machines run the tests as root, as the app's first start does.
 */
import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { ensureSystemUser } from "../../../lib/db/systemUser.ts";

async function run(command: string, ...args: string[]): Promise<boolean> {
  return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()).success;
}

Deno.test("system user: created when missing (no home, own group), then found", async () => {
  const name = `ircwebt${Math.floor(Math.random() * 1e6)}`;
  try {
    assertEquals(await ensureSystemUser(name), "created");
    assert(await run("id", "-u", name));
    assert(await run("getent", "group", name), "a group of its own");
    assertEquals(await ensureSystemUser(name), "existed");
  } finally {
    await run("userdel", name);
    await run("groupdel", name);
  }
});

Deno.test("system user: a group that exists alone is reused, not a failure", async () => {
  const name = `ircwebg${Math.floor(Math.random() * 1e6)}`;
  assert(await run("groupadd", "--system", name));
  try {
    assertEquals(await ensureSystemUser(name), "created");
    assert(await run("id", "-u", name));
  } finally {
    await run("userdel", name);
    await run("groupdel", name);
  }
});

Deno.test("system user: one that cannot be created says which command to run", async () => {
  const error = await assertRejects(() => ensureSystemUser("bad:name"), Error);
  assert(/Create it with: useradd --system .* bad:name/.test(error.message), error.message);
  assert(error.message.includes("DATABASE_URL"), error.message);
});

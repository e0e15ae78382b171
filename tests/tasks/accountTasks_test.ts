import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { checkLogin } from "../../lib/users.ts";
import { findTokenUser, TOKEN_PREFIX } from "../../lib/auth/apiTokens.ts";

const root = new URL("../..", import.meta.url).pathname;

/** Runs `deno task <name> <args>` on `databaseUrl`, feeding `stdin`. */
async function runTask(task: string, args: string[], databaseUrl: string, stdin = "") {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", task, ...args],
    cwd: root,
    env: { DATABASE_URL: databaseUrl, LOG_LEVEL: "info" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("user:add reads the password from a pipe and refuses an existing name", async () => {
  const database = await createTestDatabase();
  try {
    const created = await runTask("user:add", ["alice"], database.url, "correct horse battery\n");
    assertEquals(created.code, 0, created.stderr);
    assertEquals(created.stdout, "");
    const user = await checkLogin(database.db, "alice", "correct horse battery");
    assertEquals(user?.name, "alice");
    const row = await database.db.selectFrom("users").select("password_hash").executeTakeFirstOrThrow();
    assert(!row.password_hash.includes("correct horse"), "the password is stored hashed");
    assertMatch(row.password_hash, /^\$scrypt\$/);

    const again = await runTask("user:add", ["Alice"], database.url, "another password\n");
    assertEquals(again.code, 1);
    assertMatch(again.stderr, /already exists/);
    assert(!again.stderr.includes("another password"), "the password is never printed");

    const short = await runTask("user:add", ["bob"], database.url, "short\n");
    assertEquals(short.code, 1);
    assertMatch(short.stderr, /at least 8 characters/);
    const users = await database.db.selectFrom("users").select("name").execute();
    assertEquals(users.map((u) => u.name), ["alice"]);
  } finally {
    await database.drop();
  }
});

Deno.test("token:create prints only the token, which then authenticates", async () => {
  const database = await createTestDatabase();
  try {
    assertEquals((await runTask("user:add", ["carol"], database.url, "a long password")).code, 0);
    const result = await runTask("token:create", ["carol"], database.url);
    assertEquals(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assertEquals(lines.length, 2, `stdout holds exactly one line: ${JSON.stringify(result.stdout)}`);
    assertEquals(lines[1], "");
    const token = lines[0];
    assert(token.startsWith(TOKEN_PREFIX), token);
    assertEquals((await findTokenUser(database.db, token))?.name, "carol");
    const stored = await database.db.selectFrom("api_tokens").select("token_hash").executeTakeFirstOrThrow();
    assert(stored.token_hash !== token && !stored.token_hash.includes(token.slice(TOKEN_PREFIX.length)));

    const unknown = await runTask("token:create", ["nobody"], database.url);
    assertEquals(unknown.code, 1);
    assertEquals(unknown.stdout, "");
    assertMatch(unknown.stderr, /no user named nobody/);
  } finally {
    await database.drop();
  }
});

/**
 * A worker's database role: what it may do on its own server's rows, and
 * that everything else (another server's rows, the accounts, the server's
 * programs) is refused, on a real PostgreSQL.
 */
import pg from "pg";
import { sql } from "kysely";
import { assert, assertEquals, assertMatch, assertRejects } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createServer } from "../../support/worker.ts";
import { createDb } from "../../../lib/db/database.ts";
import {
  dropStaleWorkerRoles,
  provisionWorkerRole,
  type WorkerCredentials,
  workerRoleName,
} from "../../../lib/db/workerRoles.ts";
import { insertMessages, lastBatchOf } from "../../../lib/messages.ts";
import { changeChannel } from "../../../lib/channels.ts";
import { findServer, updateServer } from "../../../lib/servers.ts";
import { createSession } from "../../../lib/auth/sessions.ts";
import { createApiToken } from "../../../lib/auth/apiTokens.ts";
import { ServiceBus } from "../../../lib/serviceBus.ts";
import { readBusKey, serverPgChannel } from "../../../lib/events/busChannels.ts";

// The test cluster's URL, logged in as the worker (the worker itself gets
// the login through PGUSER/PGPASSWORD: lib/supervisor/workerLaunch.ts).
function loginUrl(url: string, login: WorkerCredentials): string {
  const parsed = new URL(url);
  parsed.username = login.user;
  parsed.password = login.password;
  return parsed.href;
}

async function withWorkerConnection(
  fn: (
    t: { own: number; other: number; client: pg.Client; url: string; admin: ReturnType<typeof createDb> },
  ) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const admin = database.db;
  const own = (await createServer(admin, { port: 6667 })).id;
  const other = (await createServer(admin, { port: 6668, name: "other" })).id;
  await insertMessages(admin, other, [{
    target: "#x",
    sender: "bob",
    content: "secret",
    message_type: "privmsg",
  }]);
  await changeChannel(admin, other, "#x", { joined: true });
  const user = (await admin.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
  await createSession(admin, user);
  await createApiToken(admin, user, "t");
  const url = loginUrl(database.url, await provisionWorkerRole(admin, own));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn({ own, other, client, url, admin });
  } finally {
    await client.end();
    await database.drop();
  }
}

Deno.test("worker role: sees and changes only its own server's rows", async () => {
  await withWorkerConnection(async ({ own, other, client }) => {
    const servers = await client.query("select id from servers");
    assertEquals(servers.rows.map((r) => r.id), [own]);
    const messages = await client.query("select content from messages");
    assertEquals(messages.rows, []);
    const channels = await client.query("select name from channels");
    assertEquals(channels.rows, []);
    const updated = await client.query("update servers set status = 'error' where id = $1", [other]);
    assertEquals(updated.rowCount, 0);
    await assertRejects(
      () =>
        client.query(
          "insert into messages (server_id, seq, content, message_type) values ($1, 99, 'forged', 'privmsg')",
          [other],
        ),
      Error,
      "row-level security",
    );
    await assertRejects(
      () => client.query("insert into server_event_seqs (server_id, last_seq) values ($1, 5)", [other]),
      Error,
      "row-level security",
    );
    await assertRejects(
      () => client.query("insert into channels (server_id, name) values ($1, '#forged')", [other]),
      Error,
      "row-level security",
    );
    // Columns that are not the worker's to set: the owner, the address.
    await assertRejects(
      () => client.query("update servers set host = 'evil.example' where id = $1", [own]),
      Error,
      "permission denied",
    );
    await assertRejects(
      () => client.query("delete from servers where id = $1", [own]),
      Error,
      "permission denied",
    );
    // Its own group role sees nothing, and it cannot pretend to be another worker.
    await client.query("set role ircweb_worker");
    assertEquals((await client.query("select id from servers")).rows, []);
    await client.query("reset role");
    await assertRejects(() => client.query("set session authorization postgres"), Error, "permission denied");
  });
});

Deno.test("worker role: the accounts, the programs and other roles are out of reach", async () => {
  await withWorkerConnection(async ({ client, own }) => {
    for (const table of ["users", "sessions", "api_tokens", "login_failures", "read_markers"]) {
      await assertRejects(() => client.query(`select * from ${table}`), Error, "permission denied");
    }
    await assertRejects(() => client.query("copy (select 1) to program 'true'"), Error, "permission denied");
    await assertRejects(() => client.query("select data from bus_payloads"), Error, "permission denied");
    await assertRejects(() => client.query("create role sneaky"), Error, "permission denied");
    await assertRejects(
      () => client.query(`alter role ${workerRoleName(1, own + 1)} password 'x'`),
      Error,
    );
    const me = await client.query(
      "select rolsuper, rolcreaterole, rolbypassrls from pg_roles where rolname = current_user",
    );
    assertEquals(me.rows, [{ rolsuper: false, rolcreaterole: false, rolbypassrls: false }]);
  });
});

Deno.test("worker role: everything a worker writes goes through on its own server", async () => {
  await withWorkerConnection(async ({ own, url, admin }) => {
    const db = createDb(url, { maxConnections: 2 });
    // As a worker's: told its server's channel by the app, which alone may work it out.
    const pgChannel = serverPgChannel(await readBusKey(admin), own);
    const bus = new ServiceBus({
      url,
      db,
      applicationName: "worker-role-test",
      worker: { serverId: own, pgChannel },
    });
    try {
      const server = await findServer(db, own);
      assertEquals(server?.id, own);
      await updateServer(db, own, { status: "connected", last_error: null, pid: 1, socket_path: "/x" });
      await updateServer(db, own, { current_nickname: "me" });
      const stored = await insertMessages(db, own, [
        { target: "#a", sender: "me", content: "hi", message_type: "privmsg" },
      ], "batch-1");
      assertEquals(stored.length, 1);
      assertEquals((await lastBatchOf(db, own))?.batchId, "batch-1");
      await db.transaction().execute(async (trx) => {
        await changeChannel(trx, own, "#a", { joined: true });
        await changeChannel(trx, own, "#A", { topic: "t" });
        await updateServer(trx, own, { current_nickname: "me2" });
      });
      // An oversized notification travels through bus_payloads.
      await bus.publish(`server_${own}_messages`, { server_id: own, big: "x".repeat(10_000) });
      const row = await admin.selectFrom("servers").selectAll().where("id", "=", own)
        .executeTakeFirstOrThrow();
      assertEquals([row.status, row.current_nickname], ["connected", "me2"]);
      const channel = await admin.selectFrom("channels").selectAll().where("server_id", "=", own)
        .executeTakeFirstOrThrow();
      assertEquals([channel.joined, channel.topic], [true, "t"]);
      const events = await sql<
        { n: string }
      >`select count(*) as n from server_events where server_id = ${own}`
        .execute(admin);
      assert(Number(events.rows[0].n) >= 2);
    } finally {
      await bus.close();
      await db.destroy();
    }
  });
});

Deno.test("worker role: a new spawn's password replaces the last one", async () => {
  const database = await createTestDatabase();
  try {
    const id = (await createServer(database.db, { port: 6667 })).id;
    const first = loginUrl(database.url, await provisionWorkerRole(database.db, id));
    const second = loginUrl(database.url, await provisionWorkerRole(database.db, id));
    const stale = new pg.Client({ connectionString: first });
    await assertRejects(() => stale.connect(), Error, "password authentication failed");
    const fresh = new pg.Client({ connectionString: second });
    await fresh.connect();
    const who = await fresh.query("select current_user as name");
    assertMatch(who.rows[0].name, new RegExp(`^ircweb_[0-9]+_server_${id}$`));
    await fresh.end();
  } finally {
    await database.drop();
  }
});

Deno.test("worker role: dropped once its server is deleted, even with a connection still open; others stay", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const gone = (await createServer(db, { port: 6667 })).id;
    const kept = (await createServer(db, { port: 6668, name: "kept" })).id;
    const goneLogin = await provisionWorkerRole(db, gone);
    const keptLogin = await provisionWorkerRole(db, kept);
    const roleExists = async (name: string) =>
      (await sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${name}`.execute(db)).rows
        .length > 0;
    assertEquals(await dropStaleWorkerRoles(db), [], "every server still exists");
    // The worker of the deleted server may still be closing its connection.
    const closing = new pg.Client({ connectionString: loginUrl(database.url, goneLogin) });
    await closing.connect();
    try {
      await db.deleteFrom("servers").where("id", "=", gone).execute();
      assertEquals(await dropStaleWorkerRoles(db), [goneLogin.user]);
    } finally {
      await closing.end().catch(() => {});
    }
    assertEquals(await roleExists(goneLogin.user), false);
    assertEquals(await roleExists(keptLogin.user), true);
    const stale = new pg.Client({ connectionString: loginUrl(database.url, goneLogin) });
    await assertRejects(() => stale.connect(), Error);
    assertEquals(await dropStaleWorkerRoles(db), [], "once");
  } finally {
    await database.drop();
  }
});

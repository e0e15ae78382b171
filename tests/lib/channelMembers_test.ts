/**
 * Channel members stored by the worker's writer, logged in as the worker's
 * own role (row-level security), on a real PostgreSQL: a NAMES reply in
 * one insert, joins and parts as single rows, the list read back by rank
 * then name, and the `members` events in the server's log.
 */
import { sql } from "kysely";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { createDb, type Db } from "../../lib/db/database.ts";
import { provisionWorkerRole } from "../../lib/db/workerRoles.ts";
import { EventWriter } from "../../workers/eventWriter.ts";
import { applyMemberChanges, listMembers, type Member } from "../../lib/channelMembers.ts";
import { readEvents } from "../../lib/events/eventLog.ts";
import type { Logger } from "../../lib/log.ts";
import type { LogEvent } from "../../lib/events/wireFormat.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function member(nick: string, fields: Partial<Member> = {}): Member {
  return {
    nick,
    modes: "",
    prefix: "",
    rank: 2,
    user: "u",
    host: "h",
    account: null,
    away: null,
    realname: null,
    ...fields,
  };
}

async function asWorker(fn: (t: { admin: Db; worker: Db; own: number; other: number }) => Promise<void>) {
  const database = await createTestDatabase();
  const admin = database.db;
  const own = (await createServer(admin, { port: 6667 })).id;
  const other = (await createServer(admin, { port: 6668, name: "other" })).id;
  const login = await provisionWorkerRole(admin, own);
  const url = new URL(database.url);
  url.username = login.user;
  url.password = login.password;
  const worker = createDb(url.href, { maxConnections: 2 });
  try {
    await fn({ admin, worker, own, other });
  } finally {
    await worker.destroy();
    await database.drop();
  }
}

Deno.test("channel members: the worker role writes its server's members through the writer, read back by rank then name", async () => {
  await asWorker(async ({ admin, worker, own }) => {
    const published: unknown[] = [];
    const writer = new EventWriter({
      db: worker,
      serverId: own,
      log: quiet,
      bus: { publish: (_channel, data) => Promise.resolve(void published.push(data)) },
    });
    const names = Array.from({ length: 5000 }, (_, i) => member(`user${String(i).padStart(4, "0")}`));
    names.push(
      member("Zed", { modes: "o", prefix: "@", rank: 0 }),
      member("amy", { modes: "v", prefix: "+", rank: 1 }),
    );
    writer.append({ kind: "members", change: { kind: "reset", channel: "#big", members: names } });
    writer.append({
      kind: "message",
      message: { target: "#big", sender: "bob", content: "hi", message_type: "join" },
    });
    writer.append({ kind: "members", change: { kind: "put", channel: "#big", member: member("bob") } });
    writer.append({ kind: "members", change: { kind: "remove", channel: "#big", nick: "user0001" } });
    writer.append({
      kind: "members",
      change: { kind: "put", channel: "#big", member: member("user0002", { away: "lunch" }) },
    });
    assert(await writer.idle(30_000), "written");

    const list = await listMembers(admin, own, "#BIG");
    assertEquals(list.counts, { total: 5002, ops: 1, voiced: 1, away: 1 });
    assertEquals(list.members.slice(0, 5).map((m) => m.prefix + m.nick), [
      "@Zed",
      "+amy",
      "bob",
      "user0000",
      "user0002",
    ]);
    assertEquals(list.members[4].away, "lunch");

    // One batch, one event for the channel: its list was replaced (read it again).
    const brief = async () =>
      (await readEvents(admin, own, 0, 100)).filter((e) => e.event === "members").map((e) =>
        e.event === "members" && [e.data.reset, e.data.members.map((m) => m.nick), e.data.removed]
      );
    assertEquals(await brief(), [[true, [], []]]);
    // A later batch carries the rows and nicks that changed, not the list.
    writer.append({ kind: "members", change: { kind: "put", channel: "#big", member: member("carol") } });
    writer.append({ kind: "members", change: { kind: "remove", channel: "#big", nick: "bob" } });
    assert(await writer.idle(30_000), "written");
    assertEquals(await brief(), [[true, [], []], [false, ["carol"], ["bob"]]]);
    assertEquals((await listMembers(admin, own, "#big")).counts.total, 5002);
    // Published as they were logged, after the commit.
    assertEquals(published.filter((p) => (p as { kind?: string }).kind === "members").length, 2);
  });
});

Deno.test("channel members: the worker role cannot see or write another server's members", async () => {
  await asWorker(async ({ admin, worker, own, other }) => {
    await admin.transaction().execute((trx) =>
      applyMemberChanges(trx, other, [{ kind: "reset", channel: "#x", members: [member("secret")] }])
    );
    const seen = await worker.selectFrom("channel_members").select("nick").execute();
    assertEquals(seen, []);
    await assertRejects(
      () =>
        worker.transaction().execute((trx) =>
          applyMemberChanges(trx, other, [{ kind: "put", channel: "#x", member: member("forged") }])
        ),
      Error,
      "row-level security",
    );
    const deleted = await sql`delete from channel_members where server_id = ${other}`.execute(worker);
    assertEquals(Number(deleted.numAffectedRows ?? 0), 0);
    assertEquals((await listMembers(admin, other, "#x")).members.map((m) => m.nick), ["secret"]);
    await worker.transaction().execute((trx) =>
      applyMemberChanges(trx, own, [{ kind: "put", channel: "#mine", member: member("me") }])
    );
    assertEquals((await listMembers(admin, own, "#mine")).counts.total, 1);
  });
});

Deno.test("channel members: folded in order: a reset after puts wins, a clear forgets every channel", async () => {
  await asWorker(async ({ admin, own }) => {
    const events: LogEvent[] = await admin.transaction().execute((trx) =>
      applyMemberChanges(trx, own, [
        { kind: "reset", channel: "#a", members: [member("x"), member("y")] },
        { kind: "put", channel: "#b", member: member("z") },
        { kind: "remove", channel: "#a", nick: "x" },
        { kind: "put", channel: "#a", member: member("x", { rank: 0, prefix: "@", modes: "o" }) },
      ])
    );
    assertEquals(events.length, 2);
    assertEquals((await listMembers(admin, own, "#a")).members.map((m) => m.prefix + m.nick), ["@x", "y"]);
    await admin.transaction().execute((trx) =>
      applyMemberChanges(trx, own, [{ kind: "reset", channel: "#a", members: [member("w")] }])
    );
    assertEquals((await listMembers(admin, own, "#a")).members.map((m) => m.nick), ["w"]);
    await admin.transaction().execute((trx) => applyMemberChanges(trx, own, [{ kind: "clear" }]));
    assertEquals((await listMembers(admin, own, "#b")).counts.total, 0);
    assertEquals((await listMembers(admin, own, "#a")).counts.total, 0);
  });
});

Deno.test("channel members: a NUL from a hostile server is dropped from the row and the event, not the change", async () => {
  await asWorker(async ({ admin, own }) => {
    const events = await admin.transaction().execute((trx) =>
      applyMemberChanges(trx, own, [
        { kind: "put", channel: "#a", member: member("e\0ve", { away: "gone\0 fishing", host: "h\0" }) },
      ])
    );
    const stored = (await listMembers(admin, own, "#a")).members;
    assertEquals(stored.map((m) => [m.nick, m.away, m.host]), [["eve", "gone fishing", "h"]]);
    assertEquals(events[0].event === "members" && events[0].data.members[0].nick, "eve");
    const logged = (await readEvents(admin, own, 0, 10)).filter((e) => e.event === "members");
    assertEquals(logged, events);
  });
});

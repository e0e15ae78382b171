import { sql } from "kysely";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import {
  insertMessages,
  insertMessagesNotifying,
  listMessages,
  MAX_HISTORY_LIMIT,
  type MessageJson,
  parseHistoryParams,
} from "../../lib/messages.ts";
import { createDb, type Db } from "../../lib/db/database.ts";
import { messagesChannel } from "../../lib/events/busChannels.ts";
import { messagesPayload } from "../../lib/events/wireFormat.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";

Deno.test("history: pages backwards by id, newest last, per target (any case) or server-wide", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    const other = await createServer(db, { port: 6668 });
    await insertMessages(
      db,
      server.id,
      Array.from({ length: 250 }, (_, i) => ({
        target: i % 2 ? "#Ruby" : "#rust",
        sender: "bob",
        content: `m${i}`,
        message_type: "privmsg" as const,
      })),
    );
    await insertMessages(db, server.id, [{
      target: null,
      sender: null,
      content: "motd",
      message_type: "system",
    }]);
    await insertMessages(db, other.id, [{
      target: "#ruby",
      sender: "x",
      content: "elsewhere",
      message_type: "privmsg",
    }]);

    const page1 = await listMessages(db, server.id, { target: "#ruby", limit: 50 });
    assertEquals(page1.map((m) => m.content), Array.from({ length: 50 }, (_, i) => `m${151 + 2 * i}`));
    const page2 = await listMessages(db, server.id, { target: "#RUBY", before: page1[0].id, limit: 50 });
    assertEquals(page2.map((m) => m.content), Array.from({ length: 50 }, (_, i) => `m${51 + 2 * i}`));
    const page3 = await listMessages(db, server.id, { target: "#ruby", before: page2[0].id, limit: 50 });
    assertEquals(page3.map((m) => m.content), Array.from({ length: 25 }, (_, i) => `m${1 + 2 * i}`));
    assertEquals(await listMessages(db, server.id, { target: "#ruby", before: page3[0].id }), []);
    assertEquals((await listMessages(db, server.id, { target: null })).map((m) => m.content), ["motd"]);
    assertEquals(
      (await listMessages(db, server.id, { target: "#rust", limit: 10_000 })).length,
      125,
      "capped",
    );
    const shape = page1[0];
    assertEquals(Object.keys(shape).sort(), [
      "content",
      "created_at",
      "id",
      "message_type",
      "sender",
      "server_id",
      "target",
    ]);
    assertEquals(typeof shape.id, "number");
  } finally {
    await database.drop();
  }
});

Deno.test("history: a page is read through the index, not by scanning the table", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    // 60,000 rows over 20 targets, written as the worker writes them.
    const batch = 10_000;
    for (let b = 0; b < 6; b++) {
      await insertMessages(
        db,
        server.id,
        Array.from({ length: batch }, (_, i) => ({
          target: `#c${(b * batch + i) % 20}`,
          sender: "bob",
          content: `m${b * batch + i}`,
          message_type: "privmsg" as const,
        })),
      );
    }
    await sql`analyze messages`.execute(db);
    const before = (await listMessages(db, server.id, { target: "#c7", limit: 1 }))[0].id - 20_000;
    const { rows } = await sql<{ "QUERY PLAN": string }>`explain
      select id from messages where server_id = ${server.id} and lower(target) = lower(${"#c7"})
      and id < ${before} order by id desc limit ${100}`.execute(db);
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    assert(/Index (Only )?Scan .*messages_server_target_id/.test(plan), plan);
    assert(!/Seq Scan/.test(plan), plan);
    const page = await listMessages(db, server.id, { target: "#c7", before, limit: 100 });
    assertEquals(page.length, 100);
    assert(page.every((m) => m.id < before && m.target === "#c7"));
  } finally {
    await database.drop();
  }
});

Deno.test("history: before and limit are checked", () => {
  assertEquals(parseHistoryParams(undefined, undefined), { ok: true, before: undefined, limit: 100 });
  assertEquals(parseHistoryParams("42", "500"), { ok: true, before: 42, limit: MAX_HISTORY_LIMIT });
  assertEquals(parseHistoryParams("", ""), { ok: true, before: undefined, limit: 100 });
  // Lines fetched from the server's history have negative ids (migration 0019).
  assertEquals(parseHistoryParams("-7", "1"), { ok: true, before: -7, limit: 1 });
  for (
    const [before, limit] of [["x", "1"], ["0", "1"], ["-0", "1"], ["--1", "1"], ["1", "0"], ["1", "501"], [
      "1",
      "1.5",
    ]]
  ) {
    assertEquals(parseHistoryParams(before, limit).ok, false, `${before} ${limit}`);
  }
});

Deno.test("insert with its notification: the payload PostgreSQL builds is the bus's, heard by another process", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  // Another process's bus: its own pool, hearing the notification through PostgreSQL.
  const otherDb = createDb(database.url, { maxConnections: 2 });
  const bus = new ServiceBus({ url: database.url, db });
  const other = new ServiceBus({ url: database.url, db: otherDb });
  try {
    const server = await createServer(db, { port: 6667 });
    const channel = messagesChannel(server.id);
    const heard: unknown[] = [];
    const here: unknown[] = [];
    other.subscribe(channel, (data) => heard.push(data));
    bus.subscribe(channel, (data) => here.push(data));
    await other.ready();

    const tricky = [
      {
        target: "#Ruby",
        sender: "bob",
        content: 'quotes " \\ and \t tabs, é, 😀, \x01ACTION\x01',
        message_type: "privmsg",
      },
      { target: null, sender: null, content: "motd\0 with a NUL", message_type: "system" },
      // Half a surrogate pair (a command's JSON can carry one): U+FFFD, as in UTF-8.
      { target: null, sender: null, content: "half \ud800 a pair", message_type: "system" },
      {
        target: "alice",
        sender: "x",
        content: "timed",
        message_type: "notice",
        created_at: new Date("2026-01-02T03:04:05.678Z"),
      },
    ] as const;
    const small = bus.inlineNotification(channel);
    const first = await insertMessagesNotifying(db, server.id, tricky, "b1", small);
    small.deliverHere(first.payload);
    const expected = messagesPayload(server.id, first.stored);
    assert(expected.messages?.length === 4, "small enough to carry its messages");
    assertEquals(first.stored[2].message.content, "half \ufffd a pair");
    assertEquals(JSON.parse(first.payload), expected);
    assertEquals(first.stored.map((m) => m.message), await listAll(db, server.id));

    // Too big for a notification: only the newest number travels.
    const big = Array.from({ length: 40 }, (_, i) => ({
      target: "#big",
      sender: "bob",
      content: `${i} ${"x".repeat(150)}`,
      message_type: "privmsg" as const,
    }));
    const large = bus.inlineNotification(channel);
    const second = await insertMessagesNotifying(db, server.id, big, "b2", large);
    large.deliverHere(second.payload);
    assertEquals(JSON.parse(second.payload), { server_id: server.id, seq: 44 });
    assertEquals(messagesPayload(server.id, second.stored), { server_id: server.id, seq: 44 });
    assertEquals(second.stored.map((m) => m.seq), Array.from({ length: 40 }, (_, i) => i + 5));

    await waitFor(() => heard.length === 2 || undefined, 5000, "both notifications");
    assertEquals(heard, [expected, { server_id: server.id, seq: 44 }]);
    assertEquals(here, heard, "delivered in this process too");
  } finally {
    await other.close();
    await bus.close();
    await otherDb.destroy();
    await database.drop();
  }
});

async function listAll(db: Db, serverId: number): Promise<MessageJson[]> {
  return [
    ...await listMessages(db, serverId, { target: "#ruby" }),
    ...await listMessages(db, serverId, { target: null }),
    ...await listMessages(db, serverId, { target: "alice" }),
  ];
}

Deno.test("messages go with their server, also with a batch in flight; none is written for a deleted one", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  const line = (content: string) => ({
    target: "#t",
    sender: "bob",
    content,
    message_type: "privmsg" as const,
  });
  const count = async (serverId: number) =>
    Number(
      (await db.selectFrom("messages").select((eb) => eb.fn.countAll().as("n")).where(
        "server_id",
        "=",
        serverId,
      )
        .executeTakeFirstOrThrow()).n,
    );
  try {
    // Deleted directly, and through its user's cascade.
    const direct = await createServer(db, { port: 6667 });
    const viaUser = await createServer(db, { port: 6668 });
    await insertMessages(db, direct.id, [line("a"), line("b")]);
    await insertMessages(db, viaUser.id, [line("c")]);
    await db.deleteFrom("servers").where("id", "=", direct.id).execute();
    await db.deleteFrom("users").where("id", "=", viaUser.user_id).execute();
    assertEquals([await count(direct.id), await count(viaUser.id)], [0, 0]);

    // A batch after the deletion is refused, and writes nothing.
    const refused = await insertMessages(db, direct.id, [line("late")]).then(() => false, () => true);
    assert(refused, "a batch of a deleted server is refused");
    assertEquals(await count(direct.id), 0);

    // A batch that commits while the deletion waits for it goes with the server.
    const racing = await createServer(db, { port: 6669 });
    await insertMessages(db, racing.id, [line("first")]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((resolve) => inserted = resolve);
    const batch = db.transaction().execute(async (trx) => {
      await insertMessages(trx, racing.id, [line("in flight")]);
      inserted();
      await held;
    });
    await insertedOnce;
    let deleted = false;
    const deletion = db.deleteFrom("servers").where("id", "=", racing.id).execute().then(() =>
      deleted = true
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert(!deleted, "the deletion waits for the batch");
    release();
    await batch;
    await deletion;
    assertEquals(await count(racing.id), 0, "no message is left behind");
  } finally {
    await database.drop();
  }
});

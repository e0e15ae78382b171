import { assert, assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { decodeCursor, encodeCursor } from "../../../lib/events/cursor.ts";
import { appendServerEvent, eventHeads, readEvents } from "../../../lib/events/eventLog.ts";
import { messagesPayload, parsePublished } from "../../../lib/events/wireFormat.ts";
import { insertMessages } from "../../../lib/messages.ts";
import { updateServer } from "../../../lib/servers.ts";
import { updateChannel } from "../../../lib/channels.ts";
import { ServiceBus } from "../../../lib/serviceBus.ts";
import { createServer } from "../../support/worker.ts";

const msg = (content: string) => ({ target: "#t", sender: "bob", content, message_type: "privmsg" as const });

Deno.test("event log: numbers of one server commit in order even when writers overlap", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    // A status write takes number 1 and has not committed yet...
    const trx = await db.startTransaction().execute();
    await appendServerEvent(trx, { event: "status", data: { server_id: server.id, status: "connecting" } });
    // ...so a concurrent batch waits for it rather than committing number 2 first.
    let settled = false;
    const batch = insertMessages(db, server.id, [msg("a"), msg("b")]).finally(() => settled = true);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(settled, false, "the batch waits for the earlier number");
    assertEquals(await readEvents(db, server.id, 0, 10), [], "a reader sees neither yet");
    await trx.commit().execute();
    const stored = await batch;
    assertEquals(stored.map((m) => m.seq), [2, 3]);
    const events = await readEvents(db, server.id, 0, 10);
    assertEquals(events.map((e) => [e.seq, e.event]), [[1, "status"], [2, "message"], [3, "message"]]);
    assertEquals((await readEvents(db, server.id, 1, 10)).map((e) => e.seq), [2, 3]);
    assertEquals((await readEvents(db, server.id, 0, 2)).map((e) => e.seq), [1, 2], "limit");
    assertEquals(await eventHeads(db, [server.id, 999]), new Map([[server.id, 3], [999, 0]]));
  } finally {
    await database.drop();
  }
});

Deno.test("event log: status and channel changes are logged and published once per change", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    const heard: unknown[] = [];
    bus.subscribe(`server_${server.id}_status`, (d) => heard.push(d));
    bus.subscribe(`server_${server.id}_channels`, (d) => heard.push(d));
    await updateServer(db, server.id, { status: "connecting", last_error: null }, bus);
    await updateServer(db, server.id, { status: "connecting", last_error: null }, bus); // no change
    await updateServer(db, server.id, { pid: 42 }, bus); // not a status
    await updateServer(db, server.id, { status: "reconnecting", last_error: "Connection reset" }, bus);
    await updateChannel(db, server.id, "#Ruby", { joined: true }, bus);
    await updateChannel(db, server.id, "#ruby", { joined: true }, bus); // no change
    await updateChannel(db, server.id, "#ruby", { topic: "gems" }, bus);
    assertEquals(heard, [
      { server_id: server.id, status: "connecting", seq: 1 },
      { server_id: server.id, status: "reconnecting", error: "Connection reset", seq: 2 },
      { server_id: server.id, name: "#Ruby", joined: true, topic: null, seq: 3 },
      { server_id: server.id, name: "#Ruby", joined: true, topic: "gems", seq: 4 },
    ]);
    const replayed = await readEvents(db, server.id, 0, 10);
    assertEquals(
      replayed.map((e) => ({ ...e.data, seq: e.seq })),
      heard,
      "the log replays exactly what was published",
    );
  } finally {
    await bus.close();
    await database.drop();
  }
});

Deno.test("event log: cursors round-trip; anything else is not a cursor", () => {
  const cursor = new Map([[2, 1003], [1, 57]]);
  const text = encodeCursor(cursor);
  assertEquals(text, "c1-57.2-1003");
  assertEquals(decodeCursor(text), new Map([[1, 57], [2, 1003]]));
  assertEquals(decodeCursor("c"), new Map());
  for (
    const bad of [
      undefined,
      "",
      "x",
      "c1",
      "c1-",
      "c1-2.",
      "c-1-2",
      "c1-2;3-4",
      "c" + "1-1.".repeat(2000) + "1-1",
    ]
  ) {
    assertEquals(decodeCursor(bad), undefined, String(bad).slice(0, 20));
  }
});

Deno.test("event log: published payloads are validated; big batches become wake-ups", () => {
  assertEquals(parsePublished("server_3_status", { server_id: 3, seq: 7, status: "connected" })?.events, [
    { serverId: 3, seq: 7, event: "status", data: { server_id: 3, status: "connected" } },
  ]);
  assertEquals(parsePublished("server_3_status", { server_id: 4, seq: 7, status: "connected" }), undefined);
  assertEquals(parsePublished("server_3_status", { server_id: 3, seq: -1, status: "connected" }), undefined);
  assertEquals(parsePublished("server_3_other", { server_id: 3, seq: 1 }), undefined);
  assertEquals(parsePublished("server_3_messages", { server_id: 3, seq: 9 }), {
    serverId: 3,
    seq: 9,
    events: undefined,
  });
  const message = (i: number) => ({
    seq: i,
    message: {
      id: i,
      server_id: 3,
      target: "#t",
      sender: "bob",
      content: "x".repeat(100),
      message_type: "privmsg" as const,
      created_at: new Date(0).toISOString(),
    },
  });
  const small = messagesPayload(3, [message(1), message(2)]);
  assertEquals(small.messages?.length, 2);
  assertEquals(
    parsePublished("server_3_messages", JSON.parse(JSON.stringify(small)))?.events?.map((e) => e.seq),
    [
      1,
      2,
    ],
  );
  const big = messagesPayload(3, Array.from({ length: 100 }, (_, i) => message(i + 1)));
  assertEquals(big, { server_id: 3, seq: 100 }, "too big for a notification: a wake-up");
  assert(JSON.stringify(small).length < 7900);
});

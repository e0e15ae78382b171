import { assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { appendServerEvent, eventHeads, readEvents } from "../../../lib/events/eventLog.ts";
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

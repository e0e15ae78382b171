import { createTestDatabase } from "../support/database.ts";
import { assertEquals } from "../support/assert.ts";
import { createUserAndServer } from "../support/userServer.ts";
import { insertMessages } from "../../lib/messages.ts";
import { readEvents } from "../../lib/events/eventLog.ts";
import { parsePublished } from "../../lib/events/wireFormat.ts";
import { markReadAndTell } from "../../lib/readMarkers.ts";
import { listWindows } from "../../lib/windows.ts";
import { sql } from "kysely";

Deno.test("readMarkers: a marker that moves is a read event in the server's log and on the bus, read back as sent", async () => {
  const database = await createTestDatabase();
  try {
    const db = database.db;
    const { server } = await createUserAndServer(db);
    const stored = await insertMessages(db, server.id, [
      { target: "Bob", sender: "Bob", content: "one", message_type: "privmsg" },
      { target: "Bob", sender: "Bob", content: "two", message_type: "privmsg" },
    ]);
    const published: { channel: string; data: unknown }[] = [];
    const bus = {
      publish: (channel: string, data: unknown) => Promise.resolve(void published.push({ channel, data })),
    };
    const first = stored[0].message.id;
    const last = stored[1].message.id;

    const event = await markReadAndTell(db, server.id, "Bob", last, bus);
    assertEquals(event?.event, "read");
    assertEquals(event?.data, { server_id: server.id, target: "bob", last_read_id: last });
    assertEquals((await listWindows(db, server)).find((w) => w.target === "Bob")?.unread, 0);
    // Replayed from the log exactly as it went live.
    const logged = (await readEvents(db, server.id, 0, 100)).filter((e) => e.event === "read");
    assertEquals(logged, [event!]);
    assertEquals(published.length, 1);
    assertEquals(parsePublished(published[0].channel, published[0].data), {
      serverId: server.id,
      seq: event!.seq,
      events: [event!],
    });

    // Not moved (the same, or an older message): nothing said.
    assertEquals(await markReadAndTell(db, server.id, "bob", last, bus), undefined);
    assertEquals(await markReadAndTell(db, server.id, "BOB", first, bus), undefined);
    assertEquals(published.length, 1);
    // A publisher that fails leaves the marker and the log as they are.
    const broken = { publish: () => Promise.reject(new Error("bus down")) };
    await insertMessages(db, server.id, [{
      target: "Bob",
      sender: "Bob",
      content: "three",
      message_type: "privmsg",
    }]);
    const third = (await readEvents(db, server.id, 0, 100)).findLast((e) => e.event === "message")!;
    const again = await markReadAndTell(
      db,
      server.id,
      "Bob",
      third.event === "message" ? third.data.id : 0,
      broken,
    );
    assertEquals(again?.event, "read");
    // Forged or malformed bus data is not a read event.
    assertEquals(
      parsePublished(`server_${server.id}_channels`, {
        kind: "read",
        server_id: server.id,
        seq: 9,
        target: 5,
      }),
      undefined,
    );
  } finally {
    await database.drop();
  }
});

Deno.test("readMarkers: a log without the read kind (an early 0012) still stores the marker", async () => {
  const database = await createTestDatabase();
  try {
    const db = database.db;
    await sql`alter table server_events drop constraint server_events_kind_check`.execute(db);
    await sql`alter table server_events add constraint server_events_kind_check
              check (kind in ('status', 'channel', 'members'))`.execute(db);
    const { server } = await createUserAndServer(db);
    const [one] = await insertMessages(db, server.id, [
      { target: "Bob", sender: "Bob", content: "one", message_type: "privmsg" },
    ]);
    assertEquals(await markReadAndTell(db, server.id, "Bob", one.message.id), undefined);
    assertEquals((await listWindows(db, server)).find((w) => w.target === "Bob")?.unread, 0);
  } finally {
    await database.drop();
  }
});

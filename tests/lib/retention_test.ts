import { sql } from "kysely";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { readSse } from "../support/sseClient.ts";
import { createServer } from "../support/worker.ts";
import type { Db } from "../../lib/db/database.ts";
import { appendServerEvent, readEvents } from "../../lib/events/eventLog.ts";
import { EventFeed } from "../../lib/events/eventFeed.ts";
import { EventStream } from "../../lib/events/eventStream.ts";
import { insertMessages } from "../../lib/messages.ts";
import { Retention, type RetentionPolicy, trimAll, trimServer } from "../../lib/retention.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";

const DAY_MS = 24 * 60 * 60_000;
const forever = (max: number): RetentionPolicy => ({ retentionDays: undefined, maxMessagesPerServer: max });

const msg = (content: string, created_at?: Date) => ({
  target: "#t",
  sender: "bob",
  content,
  message_type: "privmsg" as const,
  created_at,
});

// `count` events numbered 1..count: messages, with a status event every 10th.
async function fillLog(db: Db, serverId: number, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) {
    if (seq % 10 === 0) {
      await appendServerEvent(db, { event: "status", data: { server_id: serverId, status: "connected" } });
    } else {
      await insertMessages(db, serverId, [msg(`m${seq}`)]);
    }
  }
}

const seqsOf = async (db: Db, serverId: number) =>
  (await readEvents(db, serverId, 0, 10_000)).map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

Deno.test("retention: only the newest MAX_MESSAGES_PER_SERVER of each server's log are kept, deleted in batches", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const chatty = await createServer(db, { port: 6667 });
    const quiet = await createServer(db, { port: 6668 });
    await fillLog(db, chatty.id, 27);
    await fillLog(db, quiet.id, 10);

    let pauses = 0;
    const deleted = await trimServer(db, chatty.id, forever(10), {
      batchSize: 4,
      pauseMs: 0,
      shouldStop: () => (pauses++, false),
    });
    assertEquals(deleted, 17, "messages and status events alike");
    assertEquals(await seqsOf(db, chatty.id), range(18, 27));
    assertEquals(pauses, 4, "17 rows in batches of 4: five batches, a pause between each");
    assertEquals(
      await trimAll(db, forever(10), { pauseMs: 0 }),
      0,
      "nothing more, and the other server is under it",
    );
    assertEquals(await seqsOf(db, quiet.id), range(1, 10));
    // The writers' numbering goes on from where it was.
    const [next] = await insertMessages(db, chatty.id, [msg("after")]);
    assertEquals(next.seq, 28);
  } finally {
    await database.drop();
  }
});

Deno.test("retention: a run told to stop stops between batches", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    await fillLog(db, server.id, 30);
    const deleted = await trimServer(db, server.id, forever(5), {
      batchSize: 4,
      pauseMs: 0,
      shouldStop: () => true,
    });
    assertEquals(deleted, 4, "one batch");
    assertEquals(await seqsOf(db, server.id), range(5, 30));
  } finally {
    await database.drop();
  }
});

Deno.test("retention: RETENTION_DAYS deletes from the oldest end while the rows there are older, whatever a server dates a later one", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    const now = new Date();
    const old = new Date(now.getTime() - 40 * DAY_MS);
    // 1-4 old messages, 5 an old status event, 6 new, 7 dated in the past by the server, 8 new.
    await insertMessages(db, server.id, [msg("1", old), msg("2", old), msg("3", old), msg("4", old)]);
    await appendServerEvent(db, { event: "status", data: { server_id: server.id, status: "connected" } });
    await sql`update server_events set created_at = ${old} where server_id = ${server.id}`.execute(db);
    await insertMessages(db, server.id, [msg("6"), msg("7", old), msg("8")]);
    // Unset, the default, deletes nothing however old.
    const unbounded = { retentionDays: undefined, maxMessagesPerServer: undefined };
    assertEquals(await trimServer(db, server.id, unbounded, { batchSize: 2, pauseMs: 0, now }), 0);
    const policy = { retentionDays: 30, maxMessagesPerServer: undefined };
    assertEquals(await trimServer(db, server.id, policy, { batchSize: 2, pauseMs: 0, now }), 5);
    assertEquals(await seqsOf(db, server.id), [6, 7, 8]);
    assertEquals(await trimServer(db, server.id, { ...policy, retentionDays: 50 }, { now }), 0);
    assertEquals(await trimServer(db, server.id, forever(1_000_000), { now }), 0, "unset: kept for ever");
  } finally {
    await database.drop();
  }
});

Deno.test("retention: trimming never waits for the sequence row a worker's batch holds", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    await fillLog(db, server.id, 20);
    // A batch in flight: its transaction holds the server's sequence row.
    const trx = await db.startTransaction().execute();
    try {
      await insertMessages(trx, server.id, [msg("in flight")]);
      const trimmed = trimServer(db, server.id, forever(5), { pauseMs: 0 });
      const deadline = new Promise<"waited">((r) => setTimeout(() => r("waited"), 10_000));
      assertEquals(await Promise.race([trimmed, deadline]), 15);
    } finally {
      await trx.commit().execute();
    }
    assertEquals(await seqsOf(db, server.id), range(16, 21), "the batch committed after it, kept");
  } finally {
    await database.drop();
  }
});

Deno.test("retention: a live-stream cursor older than the oldest kept event replays what is kept", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    await fillLog(db, server.id, 30);
    await trimServer(db, server.id, forever(12), { pauseMs: 0 });
    // The client last saw number 3, long deleted.
    const stream = new EventStream({ db, feed, userId: server.user_id, cursor: new Map([[server.id, 3]]) });
    stream.start();
    const client = readSse(new Response(stream.body));
    await client.waitForEvents(1, "ready", 10_000);
    const replayed = client.events.filter((e) => e.event === "message" || e.event === "status");
    const contents = replayed.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content);
    assertEquals(contents, range(19, 30).filter((n) => n % 10 !== 0).map((n) => `m${n}`));
    assertEquals(replayed.length, 12, "and the status events kept");
    assert(client.events.at(-1)?.id?.includes(`${server.id}-30`), "the cursor moves to the newest");
    await client.close();
  } finally {
    feed.close();
    await bus.close();
    await database.drop();
  }
});

Deno.test("retention: started, it trims on its interval; stopped, it stops", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    await fillLog(db, server.id, 20);
    const retention = Retention.start(db, forever(5), { firstRunMs: 0, intervalMs: 50, pauseMs: 0 });
    try {
      await waitFor(async () => (await seqsOf(db, server.id))[0] === 16, 10_000, "the first run");
      await insertMessages(db, server.id, [msg("a"), msg("b")]);
      await waitFor(async () => (await seqsOf(db, server.id))[0] === 18, 10_000, "the next run");
    } finally {
      await retention.stop();
    }
    await insertMessages(db, server.id, [msg("c"), msg("d")]);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals((await seqsOf(db, server.id))[0], 18, "no run after stop");
  } finally {
    await database.drop();
  }
});

Deno.test("retention: a server deleted under a batch: the batch waits for the deletion, then stops", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    await fillLog(db, server.id, 30);
    // The deletion is under way (its trigger deletes the same rows) and not committed.
    const trx = await db.startTransaction().execute();
    let trimmed: Promise<number> | undefined;
    try {
      await trx.deleteFrom("servers").where("id", "=", server.id).execute();
      let settled = false;
      trimmed = trimServer(db, server.id, forever(5), { pauseMs: 0 }).finally(() => settled = true);
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(settled, false, "it waits for the deletion");
    } finally {
      await trx.commit().execute();
    }
    assertEquals(await trimmed, 0, "nothing left of it to delete, and no error");
    assertEquals(await seqsOf(db, server.id), []);
  } finally {
    await database.drop();
  }
});

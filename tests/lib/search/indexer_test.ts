/**
 * The search indexer on a real PostgreSQL: a message is found the moment it
 * is stored, before the indexer reaches it and after, once; the indexer
 * catches up in batches, is safe to stop and start again, runs once per
 * database; migration 0018 hands over from the trigger without a gap.
 */
import { type Kysely, sql } from "kysely";
import { assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createServer } from "../../support/worker.ts";
import type { Db } from "../../../lib/db/database.ts";
import * as indexerMigration from "../../../lib/db/migrations/0018_search_indexer.ts";
import { insertMessages, type NewMessageInput } from "../../../lib/messages.ts";
import { parseSearchQuery, searchMessages, type SearchOrder } from "../../../lib/search.ts";
import { indexAll, indexBatch, SearchIndexer } from "../../../lib/search/indexer.ts";

const say = (content: string, sender = "bob", message_type: NewMessageInput["message_type"] = "privmsg") => ({
  target: "#a",
  sender,
  content,
  message_type,
});

async function find(db: Db, userId: number, q: string, order: SearchOrder = "newest") {
  const parsed = parseSearchQuery(q);
  if (!parsed.ok) throw new Error(parsed.error);
  const page = await searchMessages(db, userId, { query: parsed.query, order, limit: 50, cursor: null });
  return { contents: page.results.map((r) => r.message.content), total: page.total };
}

async function state(db: Db, serverId: number) {
  const { rows } = await sql<{ unindexed: number; other: number; watermark: string | null; newest: string }>`
    select (select count(*)::int from messages where server_id = ${serverId} and search_vector is null
              and message_type <> 'join') as unindexed,
           (select count(*)::int from messages where server_id = ${serverId} and search_vector is not null
              and message_type = 'join') as other,
           (select indexed_seq from search_index_progress where server_id = ${serverId}) as watermark,
           (select last_seq from server_event_seqs where server_id = ${serverId}) as newest`.execute(db);
  return rows[0];
}

Deno.test("search indexer: a message is found as soon as it is stored, and once when indexed", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    const other = await db.insertInto("users").values({ name: "mallory", password_hash: "x" })
      .returning("id").executeTakeFirstOrThrow();
    const theirs = await createServer(db, { port: 6667, user_id: other.id, name: "theirs" });
    await insertMessages(db, server.id, [say("deploy failed on friday"), say("all good", "Carol[m]")]);
    await insertMessages(db, theirs.id, [say("deploy of mallory")]);
    // Nothing has indexed them: they are matched directly, words and from: alike.
    assertEquals((await state(db, server.id)).unindexed, 2);
    assertEquals(await find(db, server.user_id, "deploy"), {
      contents: ["deploy failed on friday"],
      total: 1,
    });
    assertEquals(await find(db, server.user_id, "from:carol{m}"), { contents: ["all good"], total: 1 });
    assertEquals(await find(db, server.user_id, "deploy", "rank"), {
      contents: ["deploy failed on friday"],
      total: 1,
    });

    assertEquals(await indexAll(db), 3);
    assertEquals((await state(db, server.id)).unindexed, 0);
    // One row stored after the indexer passed: the two parts meet without a gap or a repeat.
    await insertMessages(db, server.id, [say("deploy again")]);
    assertEquals(await find(db, server.user_id, "deploy"), {
      contents: ["deploy again", "deploy failed on friday"],
      total: 2,
    });
    assertEquals((await find(db, server.user_id, "deploy", "rank")).total, 2);
    assertEquals(await find(db, other.id, "deploy"), { contents: ["deploy of mallory"], total: 1 });
    await indexAll(db);
    assertEquals(await find(db, server.user_id, "deploy"), {
      contents: ["deploy again", "deploy failed on friday"],
      total: 2,
    });
    assertEquals(await find(db, other.id, "deploy"), { contents: ["deploy of mallory"], total: 1 });
  } finally {
    await database.drop();
  }
});

Deno.test("search indexer: catches up in batches, only searched kinds, the same results at every step", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    for (let chunk = 0; chunk < 5; chunk++) {
      await insertMessages(
        db,
        server.id,
        Array.from({ length: 500 }, (_, i) => {
          const n = chunk * 500 + i;
          return n % 10 === 0 ? say(`joined ${n}`, "bob", "join") : say(`line ${n} word${n % 7}`);
        }),
      );
    }
    const expected = await find(db, server.user_id, "word3");
    assertEquals(expected.total, 321);
    let batches = 0;
    while (true) {
      const batch = await indexBatch(db, 700);
      batches++;
      assertEquals(batch.busy, false);
      // Part indexed, part not: the same answer.
      assertEquals(await find(db, server.user_id, "word3"), expected);
      if (!batch.more) break;
    }
    assertEquals(batches, 4);
    const after = await state(db, server.id);
    assertEquals({ unindexed: after.unindexed, other: after.other }, { unindexed: 0, other: 0 });
    assertEquals(after.watermark, after.newest);
    // Nothing left: a batch does nothing.
    assertEquals(await indexBatch(db), { indexed: 0, more: false, busy: false });
  } finally {
    await database.drop();
  }
});

Deno.test("search indexer: stopped and started again it goes on where it was; one indexer per database", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    await insertMessages(db, server.id, Array.from({ length: 3000 }, (_, i) => say(`line ${i}`)));
    // Another instance's indexer holds the work: this one does nothing meanwhile.
    const held = await db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtext('ircweb:search-indexer'))`.execute(conn);
      try {
        return await indexBatch(db);
      } finally {
        await sql`select pg_advisory_unlock(hashtext('ircweb:search-indexer'))`.execute(conn);
      }
    });
    assertEquals(held, { indexed: 0, more: false, busy: true });

    // Stopped in the pause after its first batch, as at a restart of the app.
    let indexer = SearchIndexer.start(db, { batch: 1000, idlePollMs: 20, pausePerWork: 10_000 });
    await waitFor(async () => (await state(db, server.id)).unindexed < 3000);
    await indexer.stop();
    const stopped = await state(db, server.id);
    assertEquals(stopped.unindexed, 2000);
    // Every row up to the watermark has its vector.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from messages
      where server_id = ${server.id} and search_vector is null and seq <= ${stopped.watermark}`.execute(db);
    assertEquals(rows[0].n, 0);

    indexer = SearchIndexer.start(db, { batch: 1000, idlePollMs: 20, pausePerWork: 0 });
    try {
      await waitFor(async () => (await state(db, server.id)).unindexed === 0);
      // What is stored while it runs is indexed too.
      await insertMessages(db, server.id, [say("late line")]);
      await waitFor(async () => {
        const now = await state(db, server.id);
        return now.unindexed === 0 && now.watermark === now.newest;
      });
    } finally {
      await indexer.stop();
    }
    assertEquals((await find(db, server.user_id, "line")).total, 1000);
    assertEquals((await find(db, server.user_id, "late")).contents, ["late line"]);
  } finally {
    await database.drop();
  }
});

Deno.test("search indexer migration: the trigger's rows are taken as indexed, the rest waits for the indexer; down puts the trigger back", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  const untyped = db as unknown as Kysely<unknown>;
  // Searched rows with no vector (the watermarks' table is gone after down).
  const unindexed = async (serverId: number) => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from messages
      where server_id = ${serverId} and search_vector is null`.execute(db);
    return rows[0].n;
  };
  try {
    const server = await createServer(db, { port: 6667 });
    await indexerMigration.down(untyped);
    await insertMessages(db, server.id, [say("from the trigger")]);
    assertEquals(await unindexed(server.id), 0);
    await indexerMigration.up(untyped);
    // Run again (interrupted after its transaction): nothing changes.
    await indexerMigration.up(untyped);
    const handed = await state(db, server.id);
    assertEquals(handed.watermark, handed.newest);
    await insertMessages(db, server.id, [say("after the trigger")]);
    assertEquals((await state(db, server.id)).unindexed, 1);
    assertEquals((await find(db, server.user_id, "trigger")).total, 2);
    // Down: the trigger again, and the row the indexer had not reached given its vector.
    await indexerMigration.down(untyped);
    assertEquals(await unindexed(server.id), 0);
    await insertMessages(db, server.id, [say("trigger once more")]);
    assertEquals(await unindexed(server.id), 0);
    await indexerMigration.up(untyped);
  } finally {
    await database.drop();
  }
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("not reached in 10 s");
}

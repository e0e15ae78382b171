/**
 * Search: the query language, the highlight segments, and the migration's
 * indexes on a real PostgreSQL (used by the planner, rebuilt when a build was
 * interrupted, no obstacle to a worker's inserts).
 */
import pg from "pg";
import { type Kysely, sql } from "kysely";
import { assert, assertEquals } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { createDb } from "../../lib/db/database.ts";
import * as searchMigration from "../../lib/db/migrations/0009_search.ts";
import * as indexerMigration from "../../lib/db/migrations/0018_search_indexer.ts";
import { provisionWorkerRole } from "../../lib/db/workerRoles.ts";
import { insertMessages } from "../../lib/messages.ts";
import {
  parseSearchCursor,
  parseSearchQuery,
  searchMessages,
  splitHeadline,
  substringHighlight,
} from "../../lib/search.ts";
import { parseSlashCommand, searchQueryOf } from "../../lib/slashCommand.ts";
import { listMessagesAround, parseAroundId } from "../../lib/search/around.ts";

function parsed(q: string) {
  const result = parseSearchQuery(q);
  if (!result.ok) throw new Error(result.error);
  return result.query;
}

Deno.test("search query: filters are taken out, the rest is websearch text as typed", () => {
  const q = parsed(
    'from:Bob[m] in:#deno "exact phrase" -word or other server:libera contains:"a b" after:2025-01-31',
  );
  assertEquals(q.text, '"exact phrase" -word or other');
  assertEquals(q.from, "Bob[m]");
  assertEquals(q.in, "#deno");
  assertEquals(q.server, "libera");
  assertEquals(q.substrings, ["a b"]);
  assertEquals(q.since?.toISOString(), "2025-02-01T00:00:00.000Z");
  assertEquals(q.until, null);
  assertEquals(parsed("x before:2025-01-31").until?.toISOString(), "2025-01-31T00:00:00.000Z");
  assertEquals(parsed("x after:2025-01-31T10:00:00Z").since?.toISOString(), "2025-01-31T10:00:00.000Z");
  // A word with a colon that is no filter stays a word; keys ignore case.
  assertEquals(parsed("http://x.org FROM:bob").text, "http://x.org");
  assertEquals(parsed("http://x.org FROM:bob").from, "bob");
  assertEquals(parsed("re: hello").text, "re: hello");
  // Punctuation alone is a substring.
  assertEquals(parsed(":-)").substrings, [":-)"]);
  assertEquals(parsed(":-)").text, "");
});

Deno.test("search query: what cannot be searched is said", () => {
  const error = (q: string) => {
    const result = parseSearchQuery(q);
    assert(!result.ok, q);
    return result.error;
  };
  assertEquals(error(""), "Type something to search for: words, from:nick or in:#channel");
  assertEquals(error("server:libera"), "Type something to search for: words, from:nick or in:#channel");
  assertEquals(error("after:2025-13-01 x"), "after: takes a date such as 2025-01-31 (or a full ISO time)");
  assertEquals(error("from: x"), "from: needs a value");
  assertEquals(error("x".repeat(501)), "The search is too long (at most 500 characters)");
});

Deno.test("search cursor: only what a page of the same order wrote", () => {
  assertEquals(parseSearchCursor("n42", "newest"), { id: 42 });
  assertEquals(parseSearchCursor("r0.0607927_42", "rank"), { id: 42, rank: 0.0607927 });
  assertEquals(parseSearchCursor("n42", "rank"), null);
  assertEquals(parseSearchCursor("r0.1_42", "newest"), null);
  assertEquals(parseSearchCursor("n99999999999999999999", "newest"), null);
});

Deno.test("highlights: headline markers become segments, the entities given to ts_headline decoded", () => {
  const m = "hlmarker";
  assertEquals(splitHeadline(`a &lt;b&gt; &amp;lt; ${m}sword${m}e tail`, m), [
    { text: "a <b&gt; &lt; ", match: false },
    { text: "word", match: true },
    { text: " tail", match: false },
  ]);
  assertEquals(substringHighlight("See Example.org/x and example.ORG/x", ["example.org/x"]), [
    { text: "See ", match: false },
    { text: "Example.org/x", match: true },
    { text: " and ", match: false },
    { text: "example.ORG/x", match: true },
  ]);
});

Deno.test("/search words: the query of the line, and the API refuses it with where to search", () => {
  assertEquals(searchQueryOf("/search deploy failed"), "deploy failed");
  assertEquals(searchQueryOf("/SEARCH  from:bob "), "from:bob");
  assertEquals(searchQueryOf("/search"), "");
  assertEquals(searchQueryOf("/searching x"), null);
  assertEquals(searchQueryOf("search x"), null);
  assertEquals(parseSlashCommand("/search deploy", "#a"), {
    ok: false,
    error: "/search is the web UI's: search with GET /api/search?q=words",
  });
});

Deno.test("search: a line comes back exactly, whatever it holds (tags, entities, IRC codes)", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const content = "<alice> &amp; <b>deploy</b> \x02bold\x02 &lt;raw <!-- x --> end";
    await insertMessages(database.db, server.id, [{
      target: "#a",
      sender: "x",
      content,
      message_type: "privmsg",
    }]);
    const page = await searchMessages(database.db, server.user_id, {
      query: parsed("deploy"),
      order: "newest",
      limit: 10,
      cursor: null,
    });
    assertEquals(page.results.length, 1);
    assertEquals(page.results[0].highlight.map((s) => s.text).join(""), content);
    assertEquals(page.results[0].highlight.filter((s) => s.match), [{ text: "deploy", match: true }]);
  } finally {
    await database.drop();
  }
});

Deno.test("search: from:nick is the sender's lexeme, which no typed text matches, whatever the nick holds", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const say = (sender: string, content: string) => ({
      target: "#a",
      sender,
      content,
      message_type: "privmsg" as const,
    });
    // A hostile server's nick: too long for a lexeme (the insert must not fail), quotes, backslashes.
    await insertMessages(database.db, server.id, [
      say("o'Brien\\[x]", "hello there"),
      say("n".repeat(3000), "hello long"),
      say("bob", "hello from bob"),
      say("carol", "from bob, hello"),
    ]);
    const find = async (q: string) =>
      (await searchMessages(database.db, server.user_id, {
        query: parsed(q),
        order: "newest",
        limit: 10,
        cursor: null,
      }))
        .results.map((r) => r.message.content);
    assertEquals(await find("from:O'BRIEN\\{X} hello"), ["hello there"]);
    assertEquals(await find("from:bob"), ["hello from bob"]);
    // Typed words are words: "from bob" is the text, not the sender.
    assertEquals(await find('"from bob"'), ["from bob, hello", "hello from bob"]);
    assertEquals(await find("hello long"), ["hello long"]);
  } finally {
    await database.drop();
  }
});

async function indexState(db: Kysely<unknown>): Promise<Record<string, boolean>> {
  const { rows } = await sql<{ name: string; valid: boolean }>`
    select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname like 'messages_search_%' order by 1`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, r.valid]));
}

Deno.test("search migration: vectors from the trigger, the index used, and an interrupted run finished on the next", async () => {
  const database = await createTestDatabase();
  const db = database.db as unknown as Kysely<unknown>;
  try {
    assertEquals(await indexState(db), { messages_search_vector: true });
    // 0009 as a database from before 0018 has it, trigger and all.
    await indexerMigration.down(db);
    const server = await createServer(database.db, { port: 6667 });
    await sql`
      insert into messages (server_id, target, sender, content, message_type, seq)
      select ${server.id}, '#a', 'bob', 'word' || g || ' filler text', case when g % 10 = 0 then 'join' else 'privmsg' end, g
      from generate_series(1, 5000) g`.execute(db);
    const nulls = async () => {
      const { rows } = await sql<{ searched: number; other: number }>`
        select count(*) filter (where message_type <> 'join')::int as searched,
               count(*) filter (where message_type = 'join')::int as other
        from messages where search_vector is null`.execute(db);
      return rows[0];
    };
    // The trigger gave every searched row its vector, and no join one.
    assertEquals(await nulls(), { searched: 0, other: 500 });
    await sql`analyze messages`.execute(db);
    // Whether the index can serve the query (on a table this small a scan may be cheaper).
    const plan = await db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const { rows } = await sql<{ "QUERY PLAN": string }>`explain select id from messages m
        where m.search_vector @@ websearch_to_tsquery('simple', 'word42')
        and m.${sql.raw(searchMigration.SEARCHED_TYPES_SQL)}`.execute(trx);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
    assert(plan.includes("messages_search_vector"), plan);

    // Interrupted: half the backfill not done, the concurrent build left
    // INVALID; the migration, not recorded, runs again at the next start.
    await sql`update messages set search_vector = null where id % 2 = 0`.execute(db);
    await sql`update pg_index set indisvalid = false where indexrelid = 'messages_search_vector'::regclass`
      .execute(db);
    assertEquals(await indexState(db), { messages_search_vector: false });
    // What the next start does with a migration not recorded as applied.
    await searchMigration.up(db);
    assertEquals(await indexState(db), { messages_search_vector: true });
    assertEquals(await nulls(), { searched: 0, other: 500 });
    await indexerMigration.up(db);
    const page = await searchMessages(database.db, server.user_id, {
      query: parsed("word4242"),
      order: "newest",
      limit: 10,
      cursor: null,
    });
    assertEquals(page.results.map((r) => r.message.content), ["word4242 filler text"]);
  } finally {
    await database.drop();
  }
});

Deno.test("search migration: the concurrent build lets inserts go on, a worker's role's included", async () => {
  const database = await createTestDatabase();
  const db = database.db as unknown as Kysely<unknown>;
  const server = await createServer(database.db, { port: 6667 });
  const login = await provisionWorkerRole(database.db, server.id);
  const url = new URL(database.url);
  url.username = login.user;
  url.password = login.password;
  const worker = createDb(url.href, { maxConnections: 1 });
  // A writer's transaction left open while the build starts.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  try {
    // Rows from before the migration (no trigger, no vector), then the
    // migration again after its column and trigger, at the index build.
    await searchMigration.down(db);
    await sql`
      insert into messages (server_id, target, sender, content, message_type, seq)
      select ${server.id}, '#a', 'bob', 'old ' || g, 'privmsg', 100000 + g
      from generate_series(1, 2000) g`.execute(
      db,
    );
    await searchMigration.up(db);
    await sql`drop index ${sql.id(searchMigration.VECTOR_INDEX)}`.execute(db);
    await sql`update messages set search_vector = null where content like 'old %'`.execute(db);
    await blocker.query("begin");
    await blocker.query(
      "insert into messages (server_id, target, sender, content, message_type, seq) values ($1, '#a', 'x', 'open', 'privmsg', 200000)",
      [server.id],
    );
    let built = false;
    const building = searchMigration.up(db).then(() => built = true);
    // The build waits for the open transaction (a CONCURRENTLY build waits
    // out every writer it started with)...
    while (true) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'create index concurrently%'
          and wait_event_type = 'Lock'`.execute(db);
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // ...and meanwhile the worker's inserts go through: a plain CREATE INDEX
    // would hold them all behind its lock until the build was done.
    for (let i = 0; i < 5; i++) {
      const stored = await insertMessages(worker, server.id, [
        { target: "#a", sender: "me", content: `during build ${i}`, message_type: "privmsg" },
      ]);
      assertEquals(stored.length, 1);
    }
    assertEquals(built, false);
    await blocker.query("commit");
    await building;
    assertEquals(await indexState(db), { messages_search_vector: true });
    // With the index in place the worker still inserts, and what it wrote is found.
    await insertMessages(worker, server.id, [
      { target: "#a", sender: "me", content: "after build https://x.example/p?q=1", message_type: "privmsg" },
    ]);
    const found = await searchMessages(database.db, server.user_id, {
      query: parsed("build contains:x.example/p?q"),
      order: "newest",
      limit: 10,
      cursor: null,
    });
    assertEquals(found.results.map((r) => r.message.content), ["after build https://x.example/p?q=1"]);
    assertEquals(
      (await searchMessages(database.db, server.user_id, {
        query: parsed('"during build"'),
        order: "newest",
        limit: 10,
        cursor: null,
      })).total,
      5,
    );
    // The rows from before the migration were given their vectors too.
    assertEquals(
      (await searchMessages(database.db, server.user_id, {
        query: parsed("old"),
        order: "newest",
        limit: 1,
        cursor: null,
      }))
        .total,
      1000,
    );
  } finally {
    await blocker.end();
    await worker.destroy();
    await database.drop();
  }
});

Deno.test("messages around one: its window's lines before and after it, or null when it is not that window's", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const other = await createServer(database.db, { port: 6668, name: "other" });
    const stored = await insertMessages(
      database.db,
      server.id,
      Array.from({ length: 30 }, (_, i) => ({
        target: i % 2 ? "#A" : "#b",
        sender: "x",
        content: `line ${i}`,
        message_type: "privmsg" as const,
      })),
    );
    const [elsewhere] = await insertMessages(database.db, other.id, [
      { target: "#a", sender: "x", content: "other", message_type: "privmsg" },
    ]);
    const id = stored[15].message.id; // "line 15" in #A
    const around = await listMessagesAround(database.db, server.id, "#a", id, 6);
    assertEquals(around?.messages.map((m) => m.content), [
      "line 11",
      "line 13",
      "line 15",
      "line 17",
      "line 19",
      "line 21",
    ]);
    assertEquals([around?.hasOlder, around?.hasNewer], [true, true]);
    const edge = await listMessagesAround(database.db, server.id, "#a", stored[29].message.id, 6);
    assertEquals(edge?.messages.map((m) => m.content), ["line 25", "line 27", "line 29"]);
    assertEquals(edge?.hasNewer, false);
    assertEquals(await listMessagesAround(database.db, server.id, "#b", id, 6), null);
    assertEquals(await listMessagesAround(database.db, server.id, "#a", elsewhere.message.id, 6), null);
    assertEquals(parseAroundId("12"), 12);
    assertEquals(parseAroundId("0"), null);
    assertEquals(parseAroundId("1e3"), null);
  } finally {
    await database.drop();
  }
});

import { sql } from "kysely";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { createSession } from "../../lib/auth/sessions.ts";
import { insertMessages, type NewMessageInput } from "../../lib/messages.ts";
import { parseSearchQuery, searchMessages, type SearchPage, SearchTooSlowError } from "../../lib/search.ts";
import { expectJson, type TestApp, type TestUser, withApp } from "./testApp.ts";

const say = (target: string, sender: string, content: string, created_at?: Date): NewMessageInput => ({
  target,
  sender,
  content,
  message_type: "privmsg",
  created_at,
});

async function search(t: TestApp, user: TestUser, params: Record<string, string>): Promise<SearchPage> {
  return await expectJson<SearchPage>(
    await t.call(`/api/search?${new URLSearchParams(params)}`, { as: user }),
    200,
  );
}

const contents = (page: SearchPage) => page.results.map((r) => r.message.content);

Deno.test("search: words, phrases, exclusions and or, newest first, with the matches marked", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice, { name: "libera" });
    await insertMessages(t.database.db, server.id, [
      say("#deno", "bob", "the deploy failed again"),
      say("#deno", "carol", "deploy went fine today"),
      say("#deno", "bob", "a failed build, not a deploy"),
      say("#deno", "dave", "¿dónde está el café? 東京"),
      { target: "#deno", sender: "erin", content: "erin@host", message_type: "join" },
    ]);

    assertEquals(contents(await search(t, alice, { q: "deploy" })), [
      "a failed build, not a deploy",
      "deploy went fine today",
      "the deploy failed again",
    ]);
    assertEquals(contents(await search(t, alice, { q: '"deploy failed"' })), ["the deploy failed again"]);
    assertEquals(contents(await search(t, alice, { q: "deploy -failed" })), ["deploy went fine today"]);
    assertEquals(contents(await search(t, alice, { q: "fine or build" })), [
      "a failed build, not a deploy",
      "deploy went fine today",
    ]);
    // The simple configuration: any language, as typed (no English stemming: "deploys" is another word).
    assertEquals(contents(await search(t, alice, { q: "café" })), ["¿dónde está el café? 東京"]);
    assertEquals(contents(await search(t, alice, { q: "deploys" })), []);
    // Joins are not searched.
    assertEquals(contents(await search(t, alice, { q: "erin" })), []);

    const page = await search(t, alice, { q: "went" });
    assertEquals(page.total, 1);
    assertEquals(page.total_exact, true);
    assertEquals(page.results[0].server_name, "libera");
    assertEquals(page.results[0].message.target, "#deno");
    assertEquals(page.results[0].highlight, [
      { text: "deploy ", match: false },
      { text: "went", match: true },
      { text: " fine today", match: false },
    ]);
  });
});

Deno.test("search: from:, in:, server:, after:, before: and contains: filters", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const libera = await t.server(alice, { name: "libera" });
    const oftc = await t.server(alice, { name: "oftc" });
    const db = t.database.db;
    await insertMessages(db, libera.id, [
      say(
        "#deno",
        "Bob[m]",
        "release notes at https://example.org/r/2.9?x=1",
        new Date("2025-01-10T12:00:00Z"),
      ),
      say("#rust", "carol", "release day :-)", new Date("2025-02-10T12:00:00Z")),
    ]);
    await insertMessages(db, oftc.id, [
      say("#deno", "bob[m]", "release candidate", new Date("2025-03-10T12:00:00Z")),
    ]);

    // Nicks compare the IRC way: case and [] against {} folded.
    assertEquals(contents(await search(t, alice, { q: "from:BOB{M} release" })), [
      "release candidate",
      "release notes at https://example.org/r/2.9?x=1",
    ]);
    assertEquals(contents(await search(t, alice, { q: "in:#DENO release" })).length, 2);
    assertEquals(contents(await search(t, alice, { q: "in:#rust" })), ["release day :-)"]);
    assertEquals(contents(await search(t, alice, { q: "server:oftc release" })), ["release candidate"]);
    assertEquals(contents(await search(t, alice, { q: `server:${libera.id} release` })).length, 2);
    assertEquals(contents(await search(t, alice, { q: "release after:2025-01-10" })), [
      "release candidate",
      "release day :-)",
    ]);
    assertEquals(contents(await search(t, alice, { q: "release before:2025-02-10" })), [
      "release notes at https://example.org/r/2.9?x=1",
    ]);
    assertEquals(contents(await search(t, alice, { q: "release after:2025-01-31 before:2025-03-01" })), [
      "release day :-)",
    ]);
    // A substring full-text search does not tokenise like this, as typed.
    const url = await search(t, alice, { q: 'contains:"/r/2.9?x="' });
    assertEquals(contents(url), ["release notes at https://example.org/r/2.9?x=1"]);
    assertEquals(url.results[0].highlight.filter((s) => s.match), [{ text: "/r/2.9?x=", match: true }]);
    // LIKE's wildcards are plain characters here.
    assertEquals(contents(await search(t, alice, { q: "contains:%" })), []);
    // Punctuation alone is looked for as typed.
    assertEquals(contents(await search(t, alice, { q: ":-)" })), ["release day :-)"]);
  });
});

Deno.test("search: a user never sees another user's messages, in results or in counts", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const mallory = await t.user("mallory");
    const aliceServer = await t.server(alice, { name: "shared-name" });
    const malloryServer = await t.server(mallory, { name: "shared-name" });
    await insertMessages(t.database.db, aliceServer.id, [
      say("#secret", "alice", "the launch code is swordfish"),
    ]);
    await insertMessages(
      t.database.db,
      malloryServer.id,
      Array.from({ length: 3 }, (_, i) => say("#secret", "mallory", `swordfish guess ${i}`)),
    );

    const mine = await search(t, alice, { q: "swordfish" });
    assertEquals(contents(mine), ["the launch code is swordfish"]);
    assertEquals(mine.total, 1);
    for (
      const q of [
        "swordfish",
        "launch",
        "in:#secret",
        "from:alice",
        "contains:swordfish",
        `server:${aliceServer.id} launch`,
        "server:shared-name launch",
      ]
    ) {
      const theirs = await search(t, mallory, { q });
      assert(theirs.results.every((r) => r.message.server_id === malloryServer.id), q);
      assert(!contents(theirs).some((c) => c.includes("launch")), q);
      assertEquals(theirs.total, theirs.results.length, q);
    }
    assertEquals((await search(t, mallory, { q: "swordfish" })).total, 3);
    assertEquals((await search(t, mallory, { q: "launch" })).total, 0);
    // Without a login, nothing.
    assertEquals((await t.call("/api/search?q=swordfish")).status, 401);
  });
});

Deno.test("search: pages with a cursor, newest first and by rank", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    await insertMessages(
      t.database.db,
      server.id,
      Array.from({ length: 7 }, (_, i) => say("#a", "bob", `${"ping ".repeat(1 + (i % 3))}number ${i}`)),
    );
    const seen: string[] = [];
    let page = await search(t, alice, { q: "ping", limit: "3" });
    assertEquals(page.total, 7);
    while (true) {
      seen.push(...contents(page));
      if (!page.next_cursor) break;
      page = await search(t, alice, { q: "ping", limit: "3", cursor: page.next_cursor });
    }
    assertEquals(seen.map((c) => c.split(" ").at(-1)), ["6", "5", "4", "3", "2", "1", "0"]);

    const ranked: SearchPage["results"] = [];
    page = await search(t, alice, { q: "ping", limit: "2", order: "rank" });
    assertEquals(page.order, "rank");
    while (true) {
      ranked.push(...page.results);
      if (!page.next_cursor) break;
      page = await search(t, alice, { q: "ping", limit: "2", order: "rank", cursor: page.next_cursor });
    }
    assertEquals(ranked.length, 7);
    assertEquals(new Set(ranked.map((r) => r.message.id)).size, 7);
    // More pings rank higher; ties newest first.
    const pings = ranked.map((r) => r.message.content.split("ping").length - 1);
    assertEquals(pings, [...pings].sort((a, b) => b - a));
  });
});

Deno.test("search: what is wrong with a request is said, with the parameter", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const bad = async (params: Record<string, string>, field: string) => {
      const body = await expectJson<{ error: string; field: string }>(
        await t.call(`/api/search?${new URLSearchParams(params)}`, { as: alice }),
        422,
      );
      assertEquals(body.field, field, body.error);
    };
    await bad({}, "q");
    await bad({ q: "   " }, "q");
    await bad({ q: "x".repeat(501) }, "q");
    await bad({ q: "after:yesterday hello" }, "q");
    await bad({ q: "after:2025-02-30 hello" }, "q");
    await bad({ q: "from: hello" }, "q");
    await bad({ q: "hello", order: "oldest" }, "order");
    await bad({ q: "hello", limit: "0" }, "limit");
    await bad({ q: "hello", limit: "201" }, "limit");
    await bad({ q: "hello", cursor: "bogus" }, "cursor");
    await bad({ q: "hello", order: "rank", cursor: "n12" }, "cursor");
  });
});

Deno.test("search page: the results of the signed-in user, escaped, matches marked, each linking to its window around it", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const mallory = await t.user("mallory");
    const server = await t.server(alice, { name: "libera" });
    const theirs = await t.server(mallory, { name: "evilnet" });
    const [stored] = await insertMessages(t.database.db, server.id, [
      say("#deno", "<b>bob</b>", 'the <script>alert("x")</script> deploy \x02went\x02 fine'),
    ]);
    await insertMessages(t.database.db, theirs.id, [say("#deno", "mallory", "deploy secrets")]);
    const session = await createSession(t.database.db, alice.id);
    const get = (path: string) => t.call(path, { headers: { cookie: `ircweb_session=${session.token}` } });

    const response = await get(`/search?${new URLSearchParams({ q: "deploy" })}`);
    assertEquals(response.status, 200);
    const html = await response.text();
    assert(!html.includes("<script>alert"), "the message's markup is escaped");
    assert(html.includes("the &lt;script>alert(&quot;x&quot;)&lt;/script> "), html);
    assert(html.includes("&lt;b>bob&lt;/b>"), "the nick is escaped");
    assert(/<mark class="search-match"><span class="irc-text">deploy<\/span><\/mark>/.test(html), html);
    assert(html.includes(`href="/servers/${server.id}/chat/%23deno?around=${stored.message.id}"`), html);
    assert(!html.includes("secrets") && !html.includes("evilnet"), "another user's messages are not shown");
    assert(html.includes('name="q"'), "the layout has the search box");

    // A bad query says what is wrong; no query, just the form.
    const bad = await get("/search?q=after%3Atomorrow");
    assertEquals(bad.status, 422);
    assert((await bad.text()).includes("after: takes a date"));
    assertEquals((await get("/search")).status, 200);
    // Signed out: to the login, coming back here.
    const out = await t.call("/search?q=deploy");
    assertEquals(out.status, 303);
    assertEquals(out.headers.get("location"), `/login?next=${encodeURIComponent("/search?q=deploy")}`);
  });
});

Deno.test("search: a search that reaches the time limit is stopped and says how to narrow it", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    await sql`
      insert into messages (server_id, target, sender, content, message_type, seq)
      select ${server.id}, '#a', 'bob', 'filler line number ' || g, 'privmsg', g
      from generate_series(1, 200000) g`.execute(t.database.db);
    const parsed = parseSearchQuery("contains:no-such-substring");
    assert(parsed.ok);
    const slow = searchMessages(t.database.db, alice.id, {
      query: parsed.query,
      order: "newest",
      limit: 10,
      cursor: null,
      timeoutMs: 1,
    });
    await assertRejects(() => slow, SearchTooSlowError, "narrow it with a word, in:#channel or a date");
    // The same within the default limit finds nothing, and says so.
    assertEquals((await search(t, alice, { q: "contains:no-such-substring" })).total, 0);
  });
});

Deno.test("a result's link: the window opens at that line, marked, with the lines around it and a way to the newest", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const mallory = await t.user("mallory");
    const server = await t.server(alice, { name: "libera" });
    const stored = await insertMessages(
      t.database.db,
      server.id,
      Array.from({ length: 400 }, (_, i) => say("#deno", "bob", `line number ${i}`)),
    );
    const id = stored[100].message.id;
    const session = await createSession(t.database.db, alice.id);
    const get = (path: string, token = session.token) =>
      t.call(path, { headers: { cookie: `ircweb_session=${token}` } });

    const html = await (await get(`/servers/${server.id}/chat/%23deno?around=${id}`)).text();
    assert(
      new RegExp(`<li class="[^"]*\\baround-target\\b[^"]*" data-id="${id}"`).test(html),
      "the line is marked",
    );
    assert(html.includes("line number 60") && html.includes("line number 140"), "the lines around it");
    assert(!html.includes("line number 399"), "not the newest");
    assert(html.includes("jump to the newest"));
    // Not that window's message (or another user's): the window as usual, at its newest.
    const plain = await (await get(`/servers/${server.id}/chat/%23other?around=${id}`)).text();
    assert(!plain.includes("around-target"));
    const theirs = await createSession(t.database.db, mallory.id);
    assertEquals((await get(`/servers/${server.id}/chat/%23deno?around=${id}`, theirs.token)).status, 404);
    // /search typed without JavaScript goes to the results page.
    const form = new URLSearchParams({ target: "#deno", content: "/search line number" });
    const sent = await t.call(`/servers/${server.id}/send`, {
      method: "POST",
      body: form.toString(),
      headers: {
        cookie: `ircweb_session=${session.token}`,
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://127.0.0.1:8000",
        "sec-fetch-site": "same-origin",
      },
    });
    assertEquals(sent.status, 303);
    assertEquals(sent.headers.get("location"), "/search?q=line+number");
  });
});

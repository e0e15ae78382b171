import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { insertMessages, listMessages } from "../../lib/messages.ts";
import { setChannelJoined, setChannelTopic } from "../../lib/channels.ts";
import { findServer, setServerStatus } from "../../lib/servers.ts";
import { decodeCursor } from "../../lib/events/cursor.ts";
import { readEvents } from "../../lib/events/eventLog.ts";
import type { LogEvent } from "../../lib/events/wireFormat.ts";
import { sharedAssetStore } from "../../lib/assets.ts";
import { pageRoutes } from "../../routes/pages/mod.ts";
import { IMMUTABLE_CACHE } from "../../routes/assets.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { readSse } from "../support/sseClient.ts";
import { waitForStatus } from "../support/worker.ts";
import { type TestApp, withApp } from "./testApp.ts";
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { ORIGIN, postForm, sessionCookie as login } from "./pageSession.ts";

/** GETs a page as the holder of `cookie`. */
function page(t: TestApp, path: string, cookie?: string): Promise<Response> {
  return t.call(path, { headers: cookie ? { cookie } : {} });
}

async function html(response: Response, status = 200): Promise<string> {
  const text = await response.text();
  assertEquals(response.status, status, `status of ${response.url || "page"}: ${text.slice(0, 500)}`);
  assertMatch(response.headers.get("content-type") ?? "", /text\/html/);
  return text;
}

function scriptTags(text: string): string[] {
  return [...text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

/** The props an island was rendered with. */
function islandProps(text: string, name: string): Record<string, unknown> {
  const match = new RegExp(
    `<div class="island" data-island="${name}">[\\s\\S]*?</div><script type="application/json" data-island-props(?:="")?>([^<]*)</script>`,
  ).exec(text);
  if (!match) throw new Error(`no ${name} island in the page`);
  return JSON.parse(match[1]);
}

/** A fresh app with alice logged in (her session's cookie) and a server of hers, nick alice. */
function withAlice(
  fn: (t: TestApp, alice: { cookie: string; server: Server }) => Promise<void>,
  options: { server?: Partial<NewServer>; joined?: string[] } = {},
): Promise<void> {
  return withApp(async (t) => {
    const alice = await t.user("alice");
    const cookie = await login(t, alice);
    const server = await t.server(alice, { nickname: "alice", ...options.server });
    for (const channel of options.joined ?? []) {
      await setChannelJoined(t.database.db, server.id, channel, true);
    }
    await fn(t, { cookie, server });
  });
}

Deno.test("pages: first run sends everything to /setup, whose form ships no JavaScript", async () => {
  await withApp(async (t) => {
    for (const path of ["/", "/login", "/servers/new"]) {
      const response = await page(t, path);
      assertEquals([response.status, response.headers.get("location")], [303, "/setup"], path);
    }
    const text = await html(await page(t, "/setup"));
    assertMatch(text, /<form method="post" action="\/setup"/);
    assertMatch(text, /name="name"/);
    assertMatch(text, /type="password"/);
    assertEquals(scriptTags(text), [], "a page without islands has no script");
    assertMatch(text, /<link rel="stylesheet" href="\/assets\/app-[0-9a-f]{16}\.css"/);
    const error = await html(await page(t, "/setup?error=password"));
    assertMatch(error, /That password cannot be used/);
  });
});

Deno.test("pages: without a session, pages redirect to the login, remembering where to go", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const response = await page(t, `/servers/${server.id}/chat/%23ruby`);
    assertEquals(response.status, 303);
    assertEquals(
      response.headers.get("location"),
      `/login?next=${encodeURIComponent(`/servers/${server.id}/chat/%23ruby`)}`,
    );
    assertEquals((await page(t, "/")).headers.get("location"), "/login");

    const loginPage = await html(await page(t, `/login?next=%2Fservers%2F${server.id}&error=invalid`));
    assertMatch(loginPage, /Wrong name or password/);
    assertMatch(loginPage, new RegExp(`name="next" value="/servers/${server.id}"`));
    assertEquals(scriptTags(loginPage), []);
    // Another site as `next` is not kept.
    assertMatch(await html(await page(t, "/login?next=%2F%2Fevil.example")), /name="next" value="\/"/);
    assertMatch(await html(await page(t, "/login?next=%2F%09%2Fevil.example")), /name="next" value="\/"/);

    // Logged in, /login goes on to `next`.
    const cookie = await login(t, alice);
    const again = await page(t, `/login?next=%2Fservers%2F${server.id}`, cookie);
    assertEquals([again.status, again.headers.get("location")], [303, `/servers/${server.id}`]);
    // Not to another site, even by a tab that browsers would drop from the URL.
    const away = await page(t, "/login?next=%2F%09%2Fevil.example%2Fphish", cookie);
    assertEquals([away.status, away.headers.get("location")], [303, "/"]);
    // Nor by dot segments that resolve to a path starting with `//`.
    const dots = await page(t, `/login?next=${encodeURIComponent("/..//evil.example/phish")}`, cookie);
    assertEquals([dots.status, dots.headers.get("location")], [303, "/"]);
  });
});

Deno.test("pages: the servers list shows each server with a live status island and links the bundle", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const cookie = await login(t, alice);
    const empty = await html(await page(t, "/", cookie));
    assertMatch(empty, /No IRC servers yet/);
    assertEquals(scriptTags(empty), [], "no islands, no script");

    const server = await t.server(alice, { name: "Libera <Chat>", host: "irc.example.org", port: 6697 });
    const text = await html(await page(t, "/", cookie));
    assertMatch(text, /Libera &lt;Chat>/);
    assertMatch(text, /irc\.example\.org:6697/);
    const real = scriptTags(text).filter((s) => !s.includes("application/json"));
    assertEquals(real.length, 1);
    assertMatch(real[0], /^<script type="module" src="\/assets\/islands-[0-9a-f]{16}\.js">$/);
    const props = islandProps(text, "ServerControls");
    assertEquals(props, {
      serverId: server.id,
      serverName: "Libera <Chat>",
      status: "disconnected",
      error: null,
      next: "/",
    });
    assertMatch(text, /data-status="disconnected"/);
    assertMatch(text, new RegExp(`action="/servers/${server.id}/connect"`));
    // The meta cursor lets the live stream start where the page was rendered.
    assertMatch(text, /<meta name="event-cursor" content="c[0-9.-]*"/);
  });
});

Deno.test("pages: the Content-Security-Policy of pages allows no inline script", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const response = await page(t, "/", await login(t, alice));
    await response.text();
    const csp = response.headers.get("content-security-policy") ?? "";
    assertMatch(csp, /script-src 'self'/);
    assert(!csp.includes("unsafe-inline"), csp);
  });
});

Deno.test("pages: island props cannot end their script block (no injection through IRC text)", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const evil = `</script><script>alert(1)</script><!-- & \u2028`;
    await setChannelJoined(t.database.db, server.id, "#ruby", true);
    await setChannelTopic(t.database.db, server.id, "#ruby", evil);
    await insertMessages(t.database.db, server.id, [
      { target: "#ruby", sender: "mallory", content: evil, message_type: "privmsg" },
    ]);
    const text = await html(await page(t, `/servers/${server.id}/chat/%23ruby`, cookie));
    assert(!text.includes("<script>alert(1)"), "the text never becomes a script element");
    assertEquals(scriptTags(text).filter((s) => !s.includes("application/json")).length, 1);
    const props = islandProps(text, "ChannelView");
    assertEquals(props.topic, evil, "the props read back as the same text");
    assertEquals((props.messages as { content: string }[])[0].content, evil);
    // And the server-rendered line shows it as text.
    assertMatch(text, /&lt;\/script>&lt;script>alert\(1\)&lt;\/script>/);
  });
});

Deno.test("pages: a channel page shows the latest messages, topic, nick, and knows there are older ones", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const db = t.database.db;
    await setChannelTopic(db, server.id, "#ruby", "Ruby talk");
    await insertMessages(
      db,
      server.id,
      Array.from({ length: 130 }, (_, i) => ({
        target: "#ruby",
        sender: i % 2 ? "bob" : "carol",
        content: `line ${i}`,
        message_type: "privmsg" as const,
      })),
    );
    await insertMessages(db, server.id, [
      {
        target: "#ruby",
        sender: "bob",
        content: "\x02bold\x02 hi alice see https://example.com/x",
        message_type: "privmsg",
      },
      { target: "#ruby", sender: "bob", content: "", message_type: "join" },
    ]);
    const text = await html(await page(t, `/servers/${server.id}/chat/%23ruby`, cookie));
    const props = islandProps(text, "ChannelView");
    const messages = props.messages as { content: string }[];
    assertEquals(messages.length, 100);
    assertEquals(messages[0].content, "line 32");
    assertEquals(props.hasMore, true);
    assertEquals([props.target, props.topic, props.nick, props.joined], [
      "#ruby",
      "Ruby talk",
      "alice",
      true,
    ]);
    assertMatch(text, /<h1>#ruby<\/h1>/);
    assertMatch(text, /Ruby talk/);
    assertMatch(text, /<span class="irc-b">bold<\/span> hi <mark class="mention">alice<\/mark>/);
    assertMatch(text, /<a href="https:\/\/example\.com\/x" rel="noopener noreferrer nofollow"/);
    assertMatch(text, /class="msg msg-privmsg mention-line"/);
    assertMatch(text, /→ <span class="nick [^"]+">bob<\/span> joined/);
    // The composer works without JavaScript too.
    assertMatch(text, new RegExp(`<form class="composer" method="post" action="/servers/${server.id}/send"`));
    assertMatch(text, /<input type="hidden" name="target" value="#ruby"/);
  }, { joined: ["#ruby"] });
});

Deno.test("pages: unread counts per window; opening a window writes nothing, its script marks it read", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const db = t.database.db;
    await insertMessages(db, server.id, [
      { target: "#ruby", sender: "bob", content: "one", message_type: "privmsg" },
      { target: "#ruby", sender: "bob", content: "two", message_type: "privmsg" },
      { target: "#ruby", sender: "alice", content: "mine does not count", message_type: "privmsg" },
      { target: "#ruby", sender: "bob", content: "", message_type: "join" },
      { target: "#deno", sender: "carol", content: "three", message_type: "privmsg" },
      { target: "Dave", sender: "Dave", content: "psst", message_type: "privmsg" },
    ]);
    const windows = async (path: string) => {
      const nav = islandProps(await html(await page(t, path, cookie)), "ServerNav");
      const [only] = nav.servers as { windows: { target: string; kind: string; unread: number }[] }[];
      return Object.fromEntries(only.windows.map((w) => [w.target, [w.kind, w.unread]]));
    };
    assertEquals(await windows(`/servers/${server.id}`), {
      "#deno": ["channel", 1],
      "#ruby": ["channel", 2],
      Dave: ["query", 1],
    });
    // The open window shows nothing unread...
    assertEquals((await windows(`/servers/${server.id}/chat/%23ruby`))["#ruby"], ["channel", 0]);
    assertEquals((await windows(`/servers/${server.id}/chat/dave`))["Dave"], ["query", 0]);
    // ...but a GET marks nothing read (a prefetch or another site's link could make it).
    assertEquals(await windows(`/servers/${server.id}`), {
      "#deno": ["channel", 1],
      "#ruby": ["channel", 2],
      Dave: ["query", 1],
    });

    // The page's script marks what arrives live as read; only its own origin may.
    const [last] = await insertMessages(db, server.id, [
      { target: "#deno", sender: "carol", content: "four", message_type: "privmsg" },
    ]);
    const read = (headers: Record<string, string>) =>
      t.call(`/servers/${server.id}/read`, {
        method: "POST",
        headers: { cookie, ...headers },
        body: { target: "#deno", id: last.message.id },
      });
    assertEquals(
      (await read({ "sec-fetch-site": "cross-site", origin: "https://evil.example" })).status,
      403,
    );
    assertEquals((await windows(`/servers/${server.id}`))["#deno"], ["channel", 2]);
    assertEquals((await read({ "sec-fetch-site": "same-origin", origin: ORIGIN })).status, 204);
    assertEquals((await windows(`/servers/${server.id}`))["#deno"], ["channel", 0]);
  }, { joined: ["#ruby", "#deno"] });
});

Deno.test("pages: another user's server, or a bad window name, is not found", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const bob = await t.user("bob");
    const server = await t.server(bob);
    const cookie = await login(t, alice);
    for (
      const path of [`/servers/${server.id}`, `/servers/${server.id}/edit`, `/servers/${server.id}/chat/%23x`]
    ) {
      assertEquals((await page(t, path, cookie)).status, 404, path);
    }
    const own = await t.server(alice);
    assertEquals((await page(t, `/servers/${own.id}/chat/bad%20name`, cookie)).status, 404);
    assertEquals((await postForm(t, `/servers/${server.id}/connect`, cookie, {})).status, 404);
  });
});

Deno.test("pages: adding a server through the form; a wrong field is shown with what was typed", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const cookie = await login(t, alice);
    const form = await html(await page(t, "/servers/new", cookie));
    assertMatch(form, /<form method="post" action="\/servers"/);
    assertEquals(scriptTags(form), []);

    const bad = await html(
      await postForm(t, "/servers", cookie, {
        name: "Libera",
        host: "irc.libera.chat",
        port: "6697",
        tls: "on",
        nickname: "1bad",
      }),
      422,
    );
    assertMatch(bad, /Nickname is not a valid IRC nickname\./);
    assertMatch(bad, /value="irc\.libera\.chat"/);
    assertMatch(bad, /value="1bad"/);

    // The form connects what it adds: a name of this machine, never a network's.
    const created = await postForm(t, "/servers", cookie, {
      name: "Libera",
      host: "localhost",
      port: "6697",
      tls: "on",
      nickname: "alice",
      password: "sekrit",
      flood_burst: "5",
      flood_interval_ms: "2000",
    });
    assertEquals(created.status, 303);
    const id = Number(/^\/servers\/(\d+)$/.exec(created.headers.get("location") ?? "")?.[1]);
    const row = await findServer(t.database.db, id);
    assertEquals(
      [row?.user_id, row?.host, row?.port, row?.tls, row?.nickname, row?.password],
      [alice.id, "localhost", 6697, true, "alice", "sekrit"],
    );
  });
});

Deno.test("pages: editing a server keeps saved passwords unless replaced or removed", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const form = await html(await page(t, `/servers/${server.id}/edit`, cookie));
    assert(!form.includes("sekrit"), "a saved password is never shown");
    assertMatch(form, /Saved\. Leave empty to keep it\./);

    const fields = { name: "Renamed", host: "127.0.0.1", port: "6667", nickname: "alice2", password: "" };
    assertEquals((await postForm(t, `/servers/${server.id}/edit`, cookie, fields)).status, 303);
    let row = await findServer(t.database.db, server.id);
    assertEquals([row?.name, row?.nickname, row?.tls, row?.password], ["Renamed", "alice2", false, "sekrit"]);

    await postForm(t, `/servers/${server.id}/edit`, cookie, { ...fields, clear_password: "on" });
    row = await findServer(t.database.db, server.id);
    assertEquals(row?.password, null);

    const bad = await html(
      await postForm(t, `/servers/${server.id}/edit`, cookie, { ...fields, port: "70000" }),
      422,
    );
    assertMatch(bad, /Port must be an integer from 1 to 65535\./);
  }, { server: { password: "sekrit" } });
});

Deno.test("pages: a line sent without JavaScript to a disconnected server comes back with the reason", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const text = await html(
      await postForm(t, `/servers/${server.id}/send`, cookie, { target: "#ruby", content: "hello <there>" }),
      409,
    );
    const props = islandProps(text, "ChannelView");
    assertEquals([props.draft, props.error], ["hello <there>", "Server not connected"]);
    assertMatch(text, />hello &lt;there><\/textarea>/);
    assertMatch(text, /role="alert">Server not connected</);
  });
});

/**
 * The page routes on a handle of the test database that stops after the
 * `n`-th statement a request runs and commits `change` (on a handle of its
 * own) before going on: what a worker writing at that moment would do.
 */
function pagesChangingAfter(t: TestApp) {
  let armed: { countdown: number; change: () => Promise<void> } | undefined;
  const db = t.database.db.withPlugin({
    transformQuery: ({ node }) => node,
    async transformResult({ result }) {
      if (armed && --armed.countdown === 0) {
        const { change } = armed;
        armed = undefined;
        await change();
      }
      return result;
    },
  });
  const pages = pageRoutes({
    db,
    assets: sharedAssetStore,
    fetch: async (request) => await t.app.fetch(request),
  });
  return {
    /** GETs `path`; returns its HTML and whether `change` ran (the page ran `n` statements or more). */
    async get(path: string, cookie: string, n: number, change: () => Promise<void>) {
      armed = { countdown: n, change };
      const text = await html(await pages.request(`${ORIGIN}${path}`, { headers: { cookie } }));
      const changed = armed === undefined;
      armed = undefined;
      return { text, changed };
    },
  };
}

/** The events of `serverId` after the live-stream cursor a page was rendered with. */
async function eventsAfterPage(t: TestApp, text: string, serverId: number): Promise<LogEvent[]> {
  const cursor = decodeCursor(/<meta name="event-cursor" content="([^"]*)"/.exec(text)?.[1]);
  assert(cursor, "the page has a cursor");
  return await readEvents(t.database.db, serverId, cursor.get(serverId) ?? 0, 1000);
}

Deno.test("pages: what changes while a page is read is on the page or after its cursor, never lost", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const db = t.database.db;
    const pages = pagesChangingAfter(t);
    let round = 0;
    // A status change, a topic and a message, as a worker would write them.
    const change = async () => {
      round++;
      if (round % 2) await setServerStatus(db, server.id, "connected");
      else await setServerStatus(db, server.id, "error", `lost ${round}`);
      await setChannelTopic(db, server.id, "#ruby", `topic ${round}`);
      await insertMessages(db, server.id, [
        { target: "#ruby", sender: "bob", content: `line ${round}`, message_type: "privmsg" },
      ]);
    };
    const paths = ["/", `/servers/${server.id}`, `/servers/${server.id}/chat/%23ruby`];
    for (const path of paths) {
      // The change after each statement of the page in turn, until it runs no more.
      for (let n = 1;; n++) {
        const { text, changed } = await pages.get(path, cookie, n, change);
        if (!changed) break;
        const where = `${path}, change after statement ${n}`;
        const row = (await findServer(db, server.id))!;
        const events = await eventsAfterPage(t, text, server.id);
        // What the page shows, with what the live stream sends on top of it.
        const lastStatus = events.findLast((e) => e.event === "status");
        const live = (status: unknown, error: unknown) =>
          lastStatus?.event === "status"
            ? [lastStatus.data.status, lastStatus.data.error ?? null]
            : [status, error];
        const now = [row.status, row.last_error];
        if (path !== `/servers/${server.id}/chat/%23ruby`) {
          const controls = islandProps(text, "ServerControls");
          assertEquals(live(controls.status, controls.error), now, `${where}: ServerControls`);
        }
        if (path !== "/") {
          const view = islandProps(text, "ChannelView");
          assertEquals(live(view.status, view.statusError), now, `${where}: ChannelView`);
          const nav = (islandProps(text, "ServerNav").servers as { id: number; status: string }[])
            .find((s) => s.id === server.id)!;
          assertEquals(live(nav.status, null)[0], row.status, `${where}: ServerNav`);
        }

        if (path.includes("/chat/")) {
          const view = islandProps(text, "ChannelView");
          const lastTopic = events.findLast((e) => e.event === "channel" && e.data.name === "#ruby");
          assertEquals(
            lastTopic?.event === "channel" ? lastTopic.data.topic : view.topic,
            `topic ${round}`,
            where,
          );
          const seen = new Set([
            ...(view.messages as { id: number }[]).map((m) => m.id),
            ...events.flatMap((e) => e.event === "message" ? [e.data.id] : []),
          ]);
          const stored = await listMessages(db, server.id, { target: "#ruby", limit: 100 });
          assertEquals(stored.filter((m) => !seen.has(m.id)), [], where);
        }
      }
    }
    assert(round > 10, `the pages ran ${round} statements in all`);
  }, { joined: ["#ruby"] });
});

Deno.test("pages: an unread count and the live stream after the page's cursor never count a message twice", async () => {
  await withAlice(async (t, { cookie, server }) => {
    const db = t.database.db;
    const pages = pagesChangingAfter(t);
    const change = async () => {
      await insertMessages(db, server.id, [
        { target: "#ruby", sender: "bob", content: "said while the page was read", message_type: "privmsg" },
      ]);
    };
    for (let n = 1;; n++) {
      const { text, changed } = await pages.get(`/servers/${server.id}`, cookie, n, change);
      if (!changed) break;
      const nav = islandProps(text, "ServerNav").servers as {
        windows: { target: string; unread: number }[];
      }[];
      const counted = nav[0].windows.find((w) => w.target === "#ruby")?.unread ?? 0;
      // What the navigation adds on top of the page: each message of the stream after its cursor.
      const live = (await eventsAfterPage(t, text, server.id))
        .filter((e) => e.event === "message" && e.data.target === "#ruby").length;
      const stored = (await listMessages(db, server.id, { target: "#ruby", limit: 100 })).length;
      assertEquals(counted + live, stored, `change after statement ${n}: ${counted} counted, ${live} live`);
    }
  }, { joined: ["#ruby"] });
});

Deno.test("assets: hashed URLs, cached for good; the CSS has the IRC colours; old hashes are gone", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    await t.server(alice);
    const text = await html(await page(t, "/", await login(t, alice)));
    const script = /src="(\/assets\/islands-[0-9a-f]{16}\.js)"/.exec(text)![1];
    const style = /href="(\/assets\/app-[0-9a-f]{16}\.css)"/.exec(text)![1];
    const js = await t.call(script);
    assertEquals(js.status, 200);
    assertMatch(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assertEquals(js.headers.get("cache-control"), IMMUTABLE_CACHE);
    const code = await js.text();
    assertMatch(code, /data-island/);
    assert(!/\bDeno\.|from"npm:|kysely/.test(code), "no server code in the browser bundle");
    const css = await t.call(style);
    assertEquals(css.headers.get("cache-control"), IMMUTABLE_CACHE);
    assertMatch(await css.text(), /\.irc-fg-98\{color:#ffffff\}/);
    const stale = await t.call("/assets/islands-0000000000000000.js");
    assertEquals(stale.status, 404);
    await stale.text();
  });
});

Deno.test({
  name:
    "card: a form POST of a message reaches IRC, comes on the live stream, and is rendered in the channel page",
  // The live stream's reader and the IRC client are closed explicitly; the worker is the supervisor's.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await withIrcPeer(async ({ ngircd, bob }) => {
      await withAlice(async (t, { cookie, server }) => {
        // A connected server with a joined channel, by the page's own forms.
        const connect = await postForm(t, `/servers/${server.id}/connect`, cookie, { next: "/" });
        assertEquals([connect.status, connect.headers.get("location")], [303, "/"]);
        await waitForStatus(t.database.db, server.id, "connected", 20_000);
        await bob.join("#ruby");
        const join = await postForm(t, `/servers/${server.id}/send`, cookie, {
          target: "",
          content: "/join #ruby",
        });
        assertEquals(join.status, 303);
        await bob.waitForMember("#ruby", "alice");

        const stream = await t.call("/api/events", { headers: { cookie } });
        assertEquals(stream.status, 200);
        const sse = readSse(stream);
        try {
          await sse.waitForEvents(1, "ready", 10_000);

          const sent = await postForm(t, `/servers/${server.id}/send`, cookie, {
            target: "#ruby",
            content: "Hello, <world>!",
          });
          assertEquals(sent.status, 303);
          const channelPage = sent.headers.get("location")!;
          assertEquals(channelPage, `/servers/${server.id}/chat/%23ruby`);

          // The command reached the IRC server: the other user got it.
          await bob.waitForLine(/^:alice!\S+ PRIVMSG #ruby :Hello, <world>!$/, 15_000);

          // The message arrived on the live stream...
          await sse.waitUntil(
            () =>
              sse.events.some((e) =>
                e.event === "message" && JSON.parse(e.data).content === "Hello, <world>!"
              ),
            "the message event",
            15_000,
          ).catch(async (error) => {
            // Once seen under CI's load and not since: say whether the worker
            // had logged the line (the stream stalled) or not (the worker did).
            const logged = await readEvents(t.database.db, server.id, 0, 100);
            throw new Error(
              `${error.message}\nthe event log holds: ${logged.map((e) => e.event).join(", ") || "nothing"}`,
            );
          });
          const event = sse.events.find((e) =>
            e.event === "message" && JSON.parse(e.data).content === "Hello, <world>!"
          )!;
          const message = JSON.parse(event.data);
          assertEquals([message.target, message.sender, message.message_type], ["#ruby", "alice", "privmsg"]);

          // ...and is rendered in the channel page, escaped, as the user's own line.
          const text = await html(await page(t, channelPage, cookie));
          assertMatch(
            text,
            new RegExp(
              `<li class="msg msg-privmsg own" data-id="${message.id}">.*?<span class="nick [^"]+">alice</span></span> <span class="irc-text">Hello, &lt;world>!</span>`,
            ),
          );
        } finally {
          await sse.close();
        }
      }, { server: { port: ngircd.port } });
    });
  },
});

Deno.test("pages: a refused setup says why once, keeps the name, and checks the length in the browser", async () => {
  await withApp(async (t) => {
    const response = await t.call("/setup", {
      method: "POST",
      headers: {
        origin: ORIGIN,
        "sec-fetch-site": "same-origin",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ name: "admin", password: "short" }).toString(),
    });
    assertEquals(response.status, 303);
    const location = response.headers.get("location") ?? "";
    const text = await html(await page(t, location));
    assertEquals(text.match(/That password cannot be used/g)?.length, 1, "the password's problem, said once");
    assertMatch(text, /<input id="field-name" name="name" type="text" value="admin"/);
    assertMatch(text, /name="password" type="password"[^>]*minlength="\d+"/i);
  });
});

Deno.test({
  name: "pages: a server added through the form is connected at once, and marked to connect again",
  // The worker is the supervisor's, stopped by withApp.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const irc = startFakeIrcServer();
    try {
      await withApp(async (t) => {
        const alice = await t.user("alice");
        const cookie = await login(t, alice);
        const created = await postForm(t, "/servers", cookie, {
          name: "Local",
          host: "127.0.0.1",
          port: String(irc.port),
          nickname: "alice",
        });
        assertEquals(created.status, 303);
        const id = Number(/^\/servers\/(\d+)$/.exec(created.headers.get("location") ?? "")?.[1]);
        assertEquals((await findServer(t.database.db, id))?.autoconnect, true);
        await irc.waitForClient(20_000);
        await waitForStatus(t.database.db, id, "connected", 20_000);
      });
    } finally {
      await irc.close();
    }
  },
});

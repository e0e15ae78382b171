import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import type { FakeIrcOptions, FakeIrcServer } from "../support/fakeIrcServer.ts";
import { withConnectedServer } from "../support/connectedServer.ts";
import { waitForStatus } from "../support/worker.ts";
import { insertMessages, type MessageJson } from "../../lib/messages.ts";
import { expectJson, type TestApp, type TestUser, withApp } from "./testApp.ts";

/** A connected server of a new user "alice", through the API. */
async function withConnected(
  ircOptions: FakeIrcOptions,
  fn: (t: TestApp, ctx: {
    alice: TestUser;
    serverId: number;
    irc: FakeIrcServer;
    send: (body: unknown) => Promise<Response>;
  }) => Promise<void>,
): Promise<void> {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const options = { irc: ircOptions, server: { nickname: "alice" } };
    await withConnectedServer(t, alice, options, async ({ server, irc }) => {
      const send = (body: unknown) =>
        t.call(`/api/servers/${server.id}/messages`, { method: "POST", as: alice, body });
      await fn(t, { alice, serverId: server.id, irc, send });
    });
  });
}

Deno.test("messages: POST content -> the command reaches IRC through the worker, 201 with the stored message", async () => {
  await withConnected({}, async (t, { alice, serverId, irc, send }) => {
    assertEquals(await expectJson(await send({ target: "#ruby", content: "/join #ruby" }), 200), {
      ok: true,
    });
    await irc.waitForLine("JOIN #ruby");

    const stored = await expectJson<MessageJson>(
      await send({ target: "#ruby", content: "Hello, world!" }),
      201,
    );
    await irc.waitForLine("PRIVMSG #ruby :Hello, world!");
    assertEquals(
      { ...stored, id: 0, created_at: "" },
      {
        id: 0,
        server_id: serverId,
        target: "#ruby",
        sender: "alice",
        content: "Hello, world!",
        message_type: "privmsg",
        created_at: "",
      },
    );
    assert(stored.id > 0 && !Number.isNaN(Date.parse(stored.created_at)));

    const action = await expectJson<MessageJson>(await send({ target: "#ruby", content: "/me waves" }), 201);
    await irc.waitForLine("PRIVMSG #ruby :\x01ACTION waves\x01");
    assertEquals([action.message_type, action.content, action.target], ["action", "waves", "#ruby"]);

    const query = await expectJson<MessageJson>(
      await send({ target: "#ruby", content: "/msg bob psst" }),
      201,
    );
    await irc.waitForLine("PRIVMSG bob :psst");
    assertEquals([query.target, query.content], ["bob", "psst"]);

    const notice = await expectJson<MessageJson>(
      await send({ target: "#ruby", content: "/notice #ruby heads up" }),
      201,
    );
    await irc.waitForLine("NOTICE #ruby :heads up");
    assertEquals(notice.message_type, "notice");

    const escaped = await expectJson<MessageJson>(await send({ target: "#ruby", content: "//shrug" }), 201);
    assertEquals(escaped.content, "/shrug");
    await irc.waitForLine("PRIVMSG #ruby :/shrug");

    const history = await expectJson<MessageJson[]>(
      await t.call(`/api/servers/${serverId}/messages?target=%23RUBY`, { as: alice }),
      200,
    );
    const own = history.filter((m) => m.sender === "alice" && m.message_type !== "join");
    assertEquals(own.map((m) => m.id), [stored.id, action.id, notice.id, escaped.id], "newest last");

    assertEquals(await expectJson(await send({ target: "#ruby", content: "/part #ruby later" }), 200), {
      ok: true,
    });
    await irc.waitForLine("PART #ruby :later");
    assertEquals(await expectJson(await send({ content: "/nick alice2" }), 200), { ok: true });
    await irc.waitForLine("NICK alice2");

    assertEquals(await expectJson(await send({ content: "/quit Gone fishing" }), 200), { ok: true });
    await irc.waitForLine("QUIT :Gone fishing");
    const row = await waitForStatus(t.database.db, serverId, "disconnected", 15_000);
    assertEquals(row.pid, null);
    const after = await expectJson(await send({ target: "#ruby", content: "anyone?" }), 409);
    assertEquals(after.error, "Server not connected");
    await expectJson(await send({ content: "/quit" }), 409);
  });
});

Deno.test("messages: a line sent again with its client_id is answered as before, not said twice", async () => {
  await withConnected({}, async (_t, { irc, send }) => {
    const first = await expectJson<MessageJson>(
      await send({ target: "#ruby", content: "once only", client_id: "line-1" }),
      201,
    );
    // The answer was lost on the way, say: the browser sends it again, and again at once.
    const again = await Promise.all([
      send({ target: "#ruby", content: "once only", client_id: "line-1" }),
      send({ target: "#ruby", content: "once only", client_id: "line-1" }),
    ]);
    for (const response of again) assertEquals(await expectJson<MessageJson>(response, 201), first);
    // Two sends under way together are one too.
    const together = await Promise.all([
      send({ target: "#ruby", content: "at the same time", client_id: "line-2" }),
      send({ target: "#ruby", content: "at the same time", client_id: "line-2" }),
    ]);
    const [a, b] = await Promise.all(together.map((r) => expectJson<MessageJson>(r, 201)));
    assertEquals(a, b);
    // Another id is another line, with the same text.
    await expectJson(await send({ target: "#ruby", content: "once only", client_id: "line-3" }), 201);
    await irc.waitForLines(/^PRIVMSG #ruby :once only$/, 2);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(irc.lines.filter((l) => l === "PRIVMSG #ruby :once only").length, 2);
    assertEquals(irc.lines.filter((l) => l === "PRIVMSG #ruby :at the same time").length, 1);
    // A refused line is not remembered: it may be sent again for real.
    const bad = await send({ target: "#ruby", content: "x", client_id: "x".repeat(101) });
    assertEquals((await expectJson<{ field: string }>(bad, 422)).field, "client_id");
  });
});

Deno.test("messages: a query with ZNC's *status or a UTF-8 nick can be answered", async () => {
  await withConnected({}, async (_t, { irc, send }) => {
    for (const target of ["*status", "José"]) {
      const stored = await expectJson<MessageJson>(await send({ target, content: "help" }), 201);
      assertEquals([stored.target, stored.content], [target, "help"]);
      await irc.waitForLine(`PRIVMSG ${target} :help`);
    }
  });
});

Deno.test("messages: with IRCv3 echo-message the stored message is the echoed one", async () => {
  await withConnected({ echoMessage: true }, async (_t, { serverId, irc, send }) => {
    const stored = await expectJson<MessageJson>(await send({ target: "#ruby", content: "echo me" }), 201);
    await irc.waitForLine("PRIVMSG #ruby :echo me");
    assertEquals([stored.server_id, stored.target, stored.sender, stored.content], [
      serverId,
      "#ruby",
      "alice",
      "echo me",
    ]);
  });
});

Deno.test("messages: 422 naming the field for each kind of bad body or query", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const path = `/api/servers/${server.id}/messages`;
    const cases: [unknown, string, RegExp][] = [
      ["{", "body", /not valid JSON/],
      [["hi"], "body", /JSON object/],
      [{ target: "#ruby" }, "content", /content is required/],
      [{ target: "#ruby", content: 5 }, "content", /must be a string/],
      [{ target: "#ruby", content: "" }, "content", /must not be empty/],
      [{ target: "#ruby", content: "x".repeat(8193) }, "content", /at most 8192/],
      [{ target: "#ruby", content: "hi\r\nQUIT" }, "content", /CR, LF or NUL/],
      [{ target: "#ruby", content: "/frobnicate" }, "content", /Unknown command/],
      [{ target: "#ruby", content: "/join" }, "content", /Usage: \/join/],
      [{ target: 7, content: "hi" }, "target", /must be a string/],
      [{ target: "#bad target", content: "hi" }, "target", /channel or a nickname/],
      [{ content: "hi" }, "target", /target is required/],
    ];
    for (const [body, field, error] of cases) {
      const answer = await expectJson(await t.call(path, { method: "POST", as: alice, body }), 422)
        .catch((e) => {
          throw new Error(`${JSON.stringify(body).slice(0, 80)}: ${e.message}`);
        });
      assertEquals(answer.field, field, JSON.stringify(answer));
      assertMatch(answer.error as string, error);
    }
    for (
      const [query, field] of [["limit=501", "limit"], ["limit=0", "limit"], ["limit=ten", "limit"], [
        "before=x",
        "before",
      ], ["before=-0", "before"]]
    ) {
      const answer = await expectJson(await t.call(`${path}?target=%23ruby&${query}`, { as: alice }), 422);
      assertEquals(answer.field, field, query);
    }
    // Valid input on a server that is not connected.
    assertEquals(
      (await expectJson(
        await t.call(path, { method: "POST", as: alice, body: { target: "#ruby", content: "hi" } }),
        409,
      )).error,
      "Server not connected",
    );
  });
});

Deno.test("messages: history pages backwards by id, newest last, one target, only this server", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const other = await t.server(alice, { name: "Other" });
    const texts = ["one", "two", "three", "four", "five"];
    const stored = await insertMessages(
      t.database.db,
      server.id,
      texts.map((content, i) => ({
        target: i % 2 ? "#Ruby" : "#ruby",
        sender: "bob",
        content,
        message_type: "privmsg",
      })),
    );
    await insertMessages(t.database.db, server.id, [
      { target: "#rust", sender: "bob", content: "elsewhere", message_type: "privmsg" },
      { target: null, sender: "irc.example.org", content: "Welcome", message_type: "system" },
    ]);
    await insertMessages(t.database.db, other.id, [{
      target: "#ruby",
      sender: "eve",
      content: "other server",
      message_type: "privmsg",
    }]);
    const path = `/api/servers/${server.id}/messages`;
    const get = async (query: string) =>
      (await expectJson<MessageJson[]>(await t.call(`${path}?${query}`, { as: alice }), 200)).map((m) =>
        m.content
      );

    assertEquals(await get("target=%23ruby"), texts);
    assertEquals(await get("target=%23ruby&limit=2"), ["four", "five"]);
    const ids = stored.map((s) => s.message.id);
    assertEquals(await get(`target=%23ruby&limit=2&before=${ids[3]}`), ["two", "three"]);
    assertEquals(await get(`target=%23ruby&before=${ids[0]}`), []);
    assertEquals(await get("target=%23rust"), ["elsewhere"]);
    assertEquals(await get(""), ["Welcome"], "no target: the server's own messages");
    assertEquals(await get("target=%23ruby&limit=500"), texts);
  });
});

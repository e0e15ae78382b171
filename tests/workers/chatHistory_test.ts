// The fake IRC server answers CHATHISTORY as the IRCv3 draft says
// (https://ircv3.net/specs/extensions/chathistory): no server packaged by
// Debian offers `draft/chathistory` (see `history` in tests/support/fakeIrcServer.ts).
import { assertEquals, waitFor } from "../support/assert.ts";
import type { HistoryLine } from "../support/fakeIrcServer.ts";
import { withWorker } from "../support/worker.ts";
import type { Db } from "../../lib/db/database.ts";

async function said(db: Db, serverId: number): Promise<[string, string | null][]> {
  const rows = await db.selectFrom("messages").select(["content", "msgid"])
    .where("server_id", "=", serverId).where("message_type", "=", "privmsg").orderBy("seq").execute();
  return rows.map((r) => [r.content, r.msgid]);
}

Deno.test("chathistory: after a reconnect the gap is filled from the server's history, each line once", async () => {
  const history: HistoryLine[] = [];
  const caps = ["message-tags", "server-time", "batch", "draft/chathistory"];
  await withWorker({ irc: { caps, history } }, async ({ irc, sender, database: { db }, server }) => {
    const line = (n: number): HistoryLine => ({
      target: "#c",
      time: `2026-01-02T03:04:0${n}.000Z`,
      msgid: `m${n}`,
      line: `:bob!b@h PRIVMSG #c :line ${n}`,
    });
    const live = (h: HistoryLine) => irc.clients[0].send(`@time=${h.time};msgid=${h.msgid} ${h.line}`);
    await sender.join("#c");
    await irc.waitForLine(/^JOIN #c/);
    for (const n of [1, 2]) {
      history.push(line(n));
      live(line(n));
    }
    await waitFor(async () => (await said(db, server.id)).length === 2);

    irc.clients[0].close();
    await waitFor(() => irc.clients.length === 0);
    // Said while the worker was away: only the server has them.
    history.push(line(3), line(4));
    await irc.waitForClient(10_000);
    // It asks from its newest stored line, by msgid, once it is back in the channel.
    await irc.waitForLine(/^CHATHISTORY AFTER #c msgid=m2 \d+$/, 10_000);
    await waitFor(async () => (await said(db, server.id)).length === 4);
    // A line both in the history and sent live (a bouncer replaying its buffer) is stored once.
    live(line(4));
    history.push(line(5));
    live(line(5));
    await waitFor(async () => (await said(db, server.id)).some(([content]) => content === "line 5"));
    assertEquals(await said(db, server.id), [1, 2, 3, 4, 5].map((n) => [`line ${n}`, `m${n}`]));
    // The first join had nothing stored to resume from: no request then.
    assertEquals(irc.lines.filter((l) => l.startsWith("CHATHISTORY AFTER")).length, 1);
  });
});

Deno.test("chathistory: without a stored msgid the worker asks from its newest line's server time", async () => {
  const history: HistoryLine[] = [];
  const caps = ["message-tags", "server-time", "batch", "draft/chathistory"];
  await withWorker({ irc: { caps, history } }, async ({ irc, sender, database: { db }, server }) => {
    await sender.join("#c");
    await irc.waitForLine(/^JOIN #c/);
    // Stored live from a line with a time and no msgid.
    irc.clients[0].send("@time=2026-01-02T03:04:02.000Z :bob!b@h PRIVMSG #c :line 2");
    history.push({
      target: "#c",
      time: "2026-01-02T03:04:02.000Z",
      msgid: "m2",
      line: ":bob!b@h PRIVMSG #c :line 2",
    });
    await waitFor(async () => (await said(db, server.id)).length === 1);
    irc.clients[0].close();
    await waitFor(() => irc.clients.length === 0);
    history.push({
      target: "#c",
      time: "2026-01-02T03:04:03.000Z",
      msgid: "m3",
      line: ":bob!b@h PRIVMSG #c :line 3",
    });
    await irc.waitForLine(/^CHATHISTORY AFTER #c timestamp=2026-01-02T03:04:02\.000Z \d+$/, 10_000);
    await waitFor(async () => (await said(db, server.id)).length === 2);
    assertEquals(await said(db, server.id), [["line 2", null], ["line 3", "m3"]]);
  });
});

Deno.test("chathistory: private conversations, one we had and one begun while away, are asked for after a reconnect", async () => {
  const history: HistoryLine[] = [];
  const caps = ["message-tags", "server-time", "batch", "draft/chathistory"];
  await withWorker({ irc: { caps, history } }, async ({ irc, database: { db }, server }) => {
    const said = (n: number, from: string): HistoryLine => ({
      target: from,
      time: `2026-01-02T03:04:0${n}.000Z`,
      msgid: `p${n}`,
      line: `:${from}!u@h PRIVMSG tester :private ${n}`,
    });
    history.push(said(1, "bob"));
    irc.clients[0].send(`@time=${said(1, "bob").time};msgid=p1 ${said(1, "bob").line}`);
    await waitFor(async () => (await conversations(db, server.id)).length === 1);
    irc.clients[0].close();
    await waitFor(() => irc.clients.length === 0);
    history.push(said(2, "bob"), said(3, "carol"));
    await irc.waitForClient(10_000);
    // Which conversations had lines since the newest stored one, then each of them.
    await irc.waitForLine(
      /^CHATHISTORY TARGETS timestamp=2026-01-02T03:04:01\.000Z timestamp=\S+ \d+$/,
      10_000,
    );
    await irc.waitForLine(/^CHATHISTORY AFTER bob msgid=p1 \d+$/);
    await irc.waitForLine(/^CHATHISTORY AFTER carol timestamp=2026-01-02T03:04:01\.000Z \d+$/);
    await waitFor(async () => (await conversations(db, server.id)).length === 3);
    assertEquals(await conversations(db, server.id), [
      ["bob", "private 1"],
      ["bob", "private 2"],
      ["carol", "private 3"],
    ]);
  });
});

Deno.test("chathistory: replayed lines with no msgid that the log has are stored once, and a live line after them stays after them", async () => {
  const history: HistoryLine[] = [];
  const caps = ["message-tags", "server-time", "batch", "draft/chathistory"];
  await withWorker({ irc: { caps, history } }, async ({ irc, sender, database: { db }, server }) => {
    // The history has milliseconds, the live lines had whole seconds (as some servers give):
    // asked after the newest stored time, the answer starts with that line again.
    const line = (n: number): HistoryLine => ({
      target: "#c",
      time: `2026-01-02T03:04:0${n}.500Z`,
      line: `:bob!b@h PRIVMSG #c :line ${n}`,
    });
    await sender.join("#c");
    await irc.waitForLine(/^JOIN #c/);
    for (const n of [1, 2]) {
      history.push(line(n));
      irc.clients[0].send(`@time=2026-01-02T03:04:0${n}.000Z ${line(n).line}`);
    }
    await waitFor(async () => (await said(db, server.id)).length === 2);
    irc.clients[0].close();
    await waitFor(() => irc.clients.length === 0);
    history.push(line(3));
    await irc.waitForClient(10_000);
    await irc.waitForLine(/^CHATHISTORY AFTER #c timestamp=2026-01-02T03:04:02\.000Z \d+$/, 10_000);
    irc.clients[0].send(`@time=2026-01-02T03:04:09.000Z :bob!b@h PRIVMSG #c :live after`);
    await waitFor(async () => (await said(db, server.id)).length === 4);
    assertEquals(await said(db, server.id), [
      ["line 1", null],
      ["line 2", null],
      ["line 3", null],
      ["live after", null],
    ]);
  });
});

async function conversations(db: Db, serverId: number): Promise<[string | null, string][]> {
  const rows = await db.selectFrom("messages").select(["target", "content"])
    .where("server_id", "=", serverId).where("message_type", "=", "privmsg").orderBy("seq").execute();
  return rows.map((r) => [r.target, r.content]);
}

// Scrolling past the oldest stored line asks the server's history
// (CHATHISTORY BEFORE). No server packaged by Debian offers
// `draft/chathistory`: the tests' own IRC server answers it as the IRCv3
// draft says (https://ircv3.net/specs/extensions/chathistory).
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { type FakeIrcServer, type HistoryLine, startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { readSse, type SseClient } from "../support/sseClient.ts";
import { waitForStatus } from "../support/worker.ts";
import { expectJson, expectStatus, type TestApp, type TestUser, withApp } from "./testApp.ts";
import { encodeCursor } from "../../lib/events/cursor.ts";
import { findServer } from "../../lib/servers.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import type { MessageJson } from "../../lib/messages.ts";
import type { Db } from "../../lib/db/database.ts";

const CAPS = ["message-tags", "server-time", "batch", "draft/chathistory"];

// 200 lines said before we ever joined; every seventh has no msgid (a server that gives none).
function oldLines(): HistoryLine[] {
  return Array.from({ length: 200 }, (_, i) => ({
    target: "#c",
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    ...(i % 7 === 3 ? {} : { msgid: `old${i}` }),
    line: `:bob!b@h PRIVMSG #c :old ${i}`,
  }));
}

// Connected, and in #c once the server has our JOIN.
async function connectAndJoin(
  t: TestApp,
  user: TestUser,
  serverId: number,
  irc: FakeIrcServer,
): Promise<void> {
  await expectStatus(await t.call(`/api/servers/${serverId}/connect`, { method: "POST", as: user }), 202);
  await waitForStatus(t.database.db, serverId, "connected", 15_000);
  await expectStatus(
    await t.call(`/api/servers/${serverId}/commands`, {
      method: "POST",
      as: user,
      body: { command: "join", channel: "#c" },
    }),
    200,
  );
  await irc.waitForLine("JOIN #c");
}

async function stored(db: Db, serverId: number, prefix: string): Promise<string[]> {
  const rows = await db.selectFrom("messages").select("content").where("server_id", "=", serverId)
    .where("content", "like", `${prefix}%`).orderBy("id").execute();
  return rows.map((r) => r.content);
}

async function page(t: TestApp, user: TestUser, serverId: number, before?: number): Promise<MessageJson[]> {
  const query = `target=%23c&limit=100${before === undefined ? "" : `&before=${before}`}`;
  return await expectJson<MessageJson[]>(
    await t.call(`/api/servers/${serverId}/messages?${query}`, { as: user }),
    200,
  );
}

// Every page from the newest back, until one is short (no more history anywhere).
async function allPages(t: TestApp, user: TestUser, serverId: number): Promise<MessageJson[]> {
  let all: MessageJson[] = [];
  let before: number | undefined;
  for (let n = 0; n < 10; n++) {
    const rows = await page(t, user, serverId, before);
    all = [...rows, ...all];
    if (rows.length < 100) return all;
    before = rows[0].id;
  }
  throw new Error("more than 10 pages");
}

Deno.test("backfill: paging past the oldest stored line fetches the server's older lines, in order, once, never live", async () => {
  const history = oldLines();
  const irc = startFakeIrcServer({ caps: CAPS, history });
  const streams: SseClient[] = [];
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const server = await t.server(alice, { port: irc.port, nickname: "alice" });
      await connectAndJoin(t, alice, server.id, irc);
      // Three lines stored live, after the old ones; the server's history has them too.
      for (const n of [0, 1, 2]) {
        const line: HistoryLine = {
          target: "#c",
          time: new Date(Date.UTC(2026, 0, 2, 0, 0, n)).toISOString(),
          msgid: `live${n}`,
          line: `:bob!b@h PRIVMSG #c :live ${n}`,
        };
        history.push(line);
        irc.clients[0].send(`@time=${line.time};msgid=${line.msgid} ${line.line}`);
      }
      await waitFor(async () => (await stored(t.database.db, server.id, "live ")).length === 3);
      // A stream open throughout, and one reading the whole log from its start afterwards.
      // From the log's head now, so a line stored before the stream registers is replayed, not missed.
      const head = await t.database.db.selectFrom("server_event_seqs").select("last_seq")
        .where("server_id", "=", server.id).executeTakeFirstOrThrow();
      const live = readSse(
        await t.call("/api/events", {
          as: alice,
          headers: { "last-event-id": encodeCursor(new Map([[server.id, Number(head.last_seq)]])) },
        }),
      );
      streams.push(live);
      const contents = (s: SseClient) =>
        s.events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content as string);
      const say = async (text: string, at: string) => {
        irc.clients[0].send(`@time=${at};msgid=${text} :bob!b@h PRIVMSG #c :${text}`);
        await live.waitUntil(() => contents(live).includes(text), `"${text}" on the stream`);
      };
      // Past this, the stream is live.
      await say("marker", "2026-01-02T00:00:03.000Z");

      const lines = (await allPages(t, alice, server.id)).filter((m) => m.message_type === "privmsg")
        .map((m) => m.content);
      const text = (h: HistoryLine) => h.line.replace(/^.* :/, "");
      assertEquals(lines, [...history.map(text), "marker"]);
      const asked = irc.lines.filter((l) => l.startsWith("CHATHISTORY BEFORE"));
      // From the oldest live line, then from the oldest fetched (by msgid or, without one, by time), then the end.
      assertEquals(asked[0], "CHATHISTORY BEFORE #c msgid=live0 100");
      assert(asked.length >= 3, `asked ${asked.join(" | ")}`);
      assertEquals(await stored(t.database.db, server.id, "old "), history.slice(0, 200).map(text));

      // Paged again: the database answers, nothing is stored twice.
      const again = (await allPages(t, alice, server.id)).filter((m) => m.message_type === "privmsg");
      assertEquals(again.length, 204);
      assertEquals((await stored(t.database.db, server.id, "old ")).length, 200);

      // The same page asked of the worker again (a second tab): the server
      // sends the same lines, with and without msgid; none is stored again.
      const row = (await findServer(t.database.db, server.id))!;
      const reply = await new IrcCommandSender(row, { timeoutMs: 10_000 }).sendCommand({
        command: "fetch_history",
        target: "#c",
        before: "msgid=live0",
        limit: 100,
      });
      assertEquals(reply, { ok: true });
      await irc.waitForLines(/^CHATHISTORY BEFORE #c msgid=live0 100$/, 2);
      assertEquals((await stored(t.database.db, server.id, "old ")).length, 200);

      // Not live: a line said now reaches the open stream, and none of the old ones did.
      await say("after", "2026-01-03T00:00:00.000Z");
      assertEquals(contents(live).filter((c) => c.startsWith("old ")), []);
      // Nor in the log a reconnecting stream replays.
      const replay = readSse(
        await t.call("/api/events", {
          as: alice,
          headers: { "last-event-id": encodeCursor(new Map([[server.id, 0]])) },
        }),
      );
      streams.push(replay);
      await replay.waitUntil(() => contents(replay).includes("after"), "the replay");
      assertEquals(
        contents(replay).filter((c) =>
          c.startsWith("old ") || c.startsWith("live ") || c === "after" || c === "marker"
        ),
        [
          "live 0",
          "live 1",
          "live 2",
          "marker",
          "after",
        ],
      );
      // A window's ids rise with its lines' time, fetched ones included.
      const ids = (await page(t, alice, server.id)).map((m) => m.id);
      assert(ids.every((id, i) => i === 0 || id > ids[i - 1]), "ids rise with time");
    });
  } finally {
    for (const s of streams) await s.close();
    await irc.close();
  }
});

Deno.test("backfill: a server without chathistory pages from the database only", async () => {
  const irc = startFakeIrcServer({ caps: ["message-tags", "server-time", "batch"], history: oldLines() });
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const server = await t.server(alice, { port: irc.port, nickname: "alice" });
      await connectAndJoin(t, alice, server.id, irc);
      for (const n of [0, 1, 2]) irc.clients[0].send(`:bob!b@h PRIVMSG #c :live ${n}`);
      await waitFor(async () => (await stored(t.database.db, server.id, "live ")).length === 3);
      const rows = (await page(t, alice, server.id)).filter((m) => m.message_type === "privmsg");
      assertEquals(rows.map((m) => m.content), ["live 0", "live 1", "live 2"]);
      // Asked of the worker directly, it says why.
      const row = (await findServer(t.database.db, server.id))!;
      const refused = await new IrcCommandSender(row).sendCommand({
        command: "fetch_history",
        target: "#c",
        before: "timestamp=2026-01-01T00:00:00.000Z",
        limit: 10,
      }).then(() => "accepted", (error: Error) => error.message);
      assertEquals(refused, "No history on this server");
      assertEquals(irc.lines.filter((l) => l.startsWith("CHATHISTORY")), []);
    });
  } finally {
    await irc.close();
  }
});

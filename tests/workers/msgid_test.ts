import { assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer, withWorker } from "../support/worker.ts";
import { insertMessages, type NewMessageInput } from "../../lib/messages.ts";
import type { Db } from "../../lib/db/database.ts";

interface Row {
  seq: string;
  content: string;
  msgid: string | null;
}

async function rows(db: Db, serverId: number): Promise<Row[]> {
  return await db.selectFrom("messages").select(["seq", "content", "msgid"])
    .where("server_id", "=", serverId).where("message_type", "=", "privmsg").orderBy("seq").execute();
}

Deno.test("msgid: a line the server sends again with the same msgid is stored once", async () => {
  // irc-framework asks for message-tags by default; the fake server offers it.
  await withWorker(
    { irc: { caps: ["message-tags", "server-time"] } },
    async ({ irc, database: { db }, server }) => {
      const client = irc.clients[0];
      const line = "@msgid=abc;time=2026-01-02T03:04:05.000Z :bob!b@h PRIVMSG #c :hi";
      client.send(line);
      client.send(line);
      client.send("@msgid=def :bob!b@h PRIVMSG #c :second");
      client.send(line);
      // No msgid: nothing to tell two of them apart by, both are kept.
      client.send(":bob!b@h PRIVMSG #c :plain");
      client.send(":bob!b@h PRIVMSG #c :plain");
      client.send("@msgid=last :bob!b@h PRIVMSG #c :end");
      await waitFor(async () => (await rows(db, server.id)).some((r) => r.content === "end"));
      const stored = await rows(db, server.id);
      assertEquals(stored.map((r) => [r.content, r.msgid]), [
        ["hi", "abc"],
        ["second", "def"],
        ["plain", null],
        ["plain", null],
        ["end", "last"],
      ]);
      // The replayed lines took no numbers: the server's log has no gap.
      const seqs = stored.map((r) => Number(r.seq));
      assertEquals(seqs, seqs.map((_, i) => seqs[0] + i));
    },
  );
});

Deno.test("msgid: one batch keeps the first of a repeated msgid, and another server's msgid is its own", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    const other = await createServer(db, { port: 6668 });
    const m = (content: string, msgid?: string): NewMessageInput => ({
      target: "#c",
      sender: "bob",
      content,
      message_type: "privmsg",
      msgid,
    });
    const first = await insertMessages(db, server.id, [m("a", "x"), m("b"), m("a again", "x"), m("c", "y")]);
    assertEquals(first.map((s) => [s.message.content, s.seq]), [["a", 1], ["b", 2], ["c", 3]]);
    // All of them stored already: nothing stored, no number taken.
    assertEquals(await insertMessages(db, server.id, [m("a", "x"), m("c", "y")]), []);
    const next = await insertMessages(db, server.id, [m("d", "z")]);
    assertEquals(next.map((s) => s.seq), [4]);
    assertEquals((await insertMessages(db, other.id, [m("a", "x")])).length, 1);
  } finally {
    await database.drop();
  }
});

import { assert, assertEquals } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { boundedText, MAX_STORED_TEXT_BYTES, storableText } from "../../lib/storableText.ts";
import { changeChannel } from "../../lib/channels.ts";
import { findServer, updateServer } from "../../lib/servers.ts";

Deno.test("storable text: NUL removed, half a surrogate pair made U+FFFD, the rest untouched", () => {
  assertEquals(storableText("a\0b\0"), "ab");
  assertEquals(storableText("x\uD800y"), "x\uFFFDy");
  assertEquals(storableText("héllo 🎉 \x01bold\x02"), "héllo 🎉 \x01bold\x02");
});

Deno.test("storable text: a NUL from IRC in a channel name, a topic or an error does not fail the write", async () => {
  const database = await createTestDatabase();
  try {
    const { db } = database;
    const server = await createServer(db, { port: 6667 });
    const { channel, event } = await db.transaction().execute((trx) =>
      changeChannel(trx, server.id, "#a\0b", { joined: true, topic: "to\0pic" })
    );
    assertEquals([channel.name, channel.topic, event?.event], ["#ab", "topic", "channel"]);
    await updateServer(db, server.id, {
      status: "error",
      last_error: "bad\0 password",
      current_nickname: "n\0ick",
    });
    const row = await findServer(db, server.id);
    assertEquals([row?.status, row?.last_error, row?.current_nickname], ["error", "bad password", "nick"]);
    const logged = await db.selectFrom("server_events").select("data").where("server_id", "=", server.id)
      .where("kind", "=", "status").executeTakeFirstOrThrow();
    assertEquals((logged.data as { error?: string }).error, "bad password");
  } finally {
    await database.drop();
  }
});

Deno.test("boundedText: a text past the bound is cut at a character, in bytes, and says so", () => {
  assertEquals(boundedText("short"), "short");
  const long = "é".repeat(MAX_STORED_TEXT_BYTES); // twice the bound in bytes
  const cut = boundedText(long);
  const bytes = new TextEncoder().encode(cut).length;
  assert(bytes <= MAX_STORED_TEXT_BYTES, `${bytes} bytes`);
  assert(bytes > MAX_STORED_TEXT_BYTES - 8, `${bytes} bytes`);
  assert(cut.endsWith("é\u2026") && !cut.includes("\uFFFD"), cut.slice(-4));
  assertEquals(boundedText("a\0b".repeat(10), 10), "abababa\u2026", "NUL removed first, then cut");
});

import { assert, assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createServer } from "../../support/worker.ts";
import { messagesChannel } from "../../../lib/events/busChannels.ts";
import { INLINE_PAYLOAD_BYTES, messagesPayload, parsePublished } from "../../../lib/events/wireFormat.ts";
import { insertMessagesNotifying, type NewMessageInput } from "../../../lib/messages.ts";

Deno.test("wire format: published payloads are validated; big batches become wake-ups", () => {
  assertEquals(parsePublished("server_3_status", { server_id: 3, seq: 7, status: "connected" })?.events, [
    { serverId: 3, seq: 7, event: "status", data: { server_id: 3, status: "connected" } },
  ]);
  assertEquals(parsePublished("server_3_status", { server_id: 4, seq: 7, status: "connected" }), undefined);
  assertEquals(parsePublished("server_3_status", { server_id: 3, seq: -1, status: "connected" }), undefined);
  assertEquals(parsePublished("server_3_other", { server_id: 3, seq: 1 }), undefined);
  assertEquals(parsePublished("server_3_messages", { server_id: 3, seq: 9 }), {
    serverId: 3,
    seq: 9,
    events: undefined,
  });
  const message = (i: number) => ({
    seq: i,
    message: {
      id: i,
      server_id: 3,
      target: "#t",
      sender: "bob",
      content: "x".repeat(100),
      message_type: "privmsg" as const,
      created_at: new Date(0).toISOString(),
    },
  });
  const small = messagesPayload(3, [message(1), message(2)]);
  assertEquals(small.messages?.length, 2);
  assertEquals(
    parsePublished("server_3_messages", JSON.parse(JSON.stringify(small)))?.events?.map((e) => e.seq),
    [
      1,
      2,
    ],
  );
  const big = messagesPayload(3, Array.from({ length: 100 }, (_, i) => message(i + 1)));
  assertEquals(big, { server_id: 3, seq: 100 }, "too big for a notification: a wake-up");
  assert(JSON.stringify(small).length < 7900);
});

Deno.test("wire format: a message of a payload with a field that is not what it should be makes it a wake-up", () => {
  const good = {
    id: 1,
    server_id: 3,
    target: "#t",
    sender: null,
    content: "hi",
    message_type: "privmsg",
    created_at: new Date(0).toISOString(),
    seq: 1,
  };
  const { seq: _, ...data } = good;
  assertEquals(parsePublished("server_3_messages", { server_id: 3, seq: 1, messages: [good] })?.events, [
    { serverId: 3, seq: 1, event: "message", data: { ...data, message_type: "privmsg" } },
  ]);
  for (
    const bad of [
      { content: 42 },
      { message_type: "rm -rf" },
      { server_id: 4 },
      { id: "1" },
      { target: { name: "#t" } },
      { created_at: 0 },
    ]
  ) {
    assertEquals(
      parsePublished("server_3_messages", { server_id: 3, seq: 1, messages: [{ ...good, ...bad }] }),
      { serverId: 3, seq: 1, events: undefined },
      JSON.stringify(bad),
    );
  }
  assertEquals(parsePublished("server_3_status", { server_id: 3, seq: 2, status: "pwned" }), undefined);
});

Deno.test("wire format: the payload the insert's SQL builds is messagesPayload's, key for key, on both sides of the size limit", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    // Heard by nobody: only the payload is looked at.
    const notification = { header: `${messagesChannel(server.id)}\ttest\t1\t\n`, pgChannel: "ircweb_test" };
    const sizes = new Set<string>();
    // One message, then three, grown 9 bytes of JSON at a time across the limit.
    for (const count of [1, 3]) {
      const around = Math.floor((INLINE_PAYLOAD_BYTES - 40 - count * 140) / count / 9);
      for (let reps = around - 12; reps <= around + 12; reps++) {
        const batch: NewMessageInput[] = Array.from({ length: count }, (_, i) => ({
          target: "#t",
          sender: "bob",
          content: `${"é\x01x".repeat(reps)}${i}`,
          message_type: "privmsg",
          created_at: new Date("2026-01-02T03:04:05.678Z"),
        }));
        const { stored, payload } = await insertMessagesNotifying(db, server.id, batch, null, notification);
        const fromSql = JSON.parse(payload);
        const fromJs = messagesPayload(server.id, stored);
        assertEquals(fromSql, fromJs, `${count} message(s) of ${reps * 9} bytes of JSON`);
        assertEquals(JSON.stringify(fromSql), JSON.stringify(fromJs), "the same keys in the same order");
        sizes.add(fromJs.messages ? "inline" : "wake-up");
      }
    }
    assertEquals([...sizes].sort(), ["inline", "wake-up"], "both sides of the limit were tried");
  } finally {
    await database.drop();
  }
});

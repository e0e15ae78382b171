import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { createUserAndServer } from "../support/userServer.ts";
import type { Db } from "../../lib/db/database.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import type { Logger } from "../../lib/log.ts";
import type { ChannelMember } from "../../lib/db/schema.ts";
import { channelsChannel, messagesChannel } from "../../lib/events/busChannels.ts";
import { lastBatchOf } from "../../lib/messages.ts";
import { findServer } from "../../lib/servers.ts";
import { publishBatch, writeBatch } from "../../workers/eventBatch.ts";
import type { WriteItem } from "../../workers/writeItem.ts";

/** A logger that keeps what it is told. */
function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { lines, debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

const message = (content: string, msgid?: string): WriteItem => ({
  kind: "message",
  message: { target: "#t", sender: "bob", content, message_type: "privmsg", ...(msgid ? { msgid } : {}) },
});

const member = (nick: string): ChannelMember => ({
  nick,
  modes: "",
  prefix: "",
  rank: 2,
  user: null,
  host: null,
  account: null,
  away: null,
  realname: null,
});

interface Batches {
  database: TestDatabase;
  bus: ServiceBus;
  serverId: number;
  /** What this process's subscribers heard, by channel kind. */
  heard: {
    messages: { server_id: number; seq: number; messages?: { content: string }[] }[];
    channels: Record<string, unknown>[];
  };
}

async function withBatches(fn: (t: Batches) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    const { server } = await createUserAndServer(database.db);
    const heard: Batches["heard"] = { messages: [], channels: [] };
    bus.subscribe<Batches["heard"]["messages"][number]>(
      messagesChannel(server.id),
      (d) => heard.messages.push(d),
    );
    bus.subscribe<Record<string, unknown>>(channelsChannel(server.id), (d) => heard.channels.push(d));
    await bus.ready();
    await fn({ database, bus, serverId: server.id, heard });
  } finally {
    await bus.close();
    await database.drop();
  }
}

async function contents(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("messages").select("content").where("server_id", "=", serverId)
    .orderBy("seq").execute();
  return rows.map((r) => r.content);
}

Deno.test("event batch: messages only are one insert under the batch id; without a bus nothing is notified", () =>
  withBatches(async ({ database, serverId, heard }) => {
    const written = await writeBatch(database.db, serverId, [message("one"), message("two")], "batch-1");
    assertEquals(written.messages.map((m) => m.message.content), ["one", "two"]);
    assertEquals(written.events, []);
    assertEquals(written.notified, undefined);
    assertEquals(await contents(database.db, serverId), ["one", "two"]);
    assertEquals((await lastBatchOf(database.db, serverId))?.batchId, "batch-1");
    assertEquals(heard.messages, []);
  }));

Deno.test("event batch: with the bus, messages are notified with their commit and delivered here only when told", () =>
  withBatches(async ({ database, bus, serverId, heard }) => {
    const written = await writeBatch(
      database.db,
      serverId,
      [message("one", "m1"), message("two", "m2")],
      "b",
      bus,
    );
    assert(written.notified !== undefined, "the notification went with the insert");
    const [first, last] = written.messages.map((m) => m.seq);
    assertEquals(last, first + 1);
    assertEquals(heard.messages, [], "delivered here before the caller said so");
    written.notified();
    assertEquals(heard.messages.map((m) => [m.seq, m.messages?.map((x) => x.content)]), [[last, [
      "one",
      "two",
    ]]]);
    // The same lines replayed by the server (their msgids stored): nothing stored, nobody notified.
    const replayed = await writeBatch(
      database.db,
      serverId,
      [message("one", "m1"), message("two", "m2")],
      "c",
      bus,
    );
    assertEquals(replayed.messages, []);
    replayed.notified?.();
    assertEquals(heard.messages.length, 1);
    assertEquals(await contents(database.db, serverId), ["one", "two"]);
  }));

Deno.test("event batch: a mixed batch keeps its order and returns the events of what changed", () =>
  withBatches(async ({ database, serverId }) => {
    const batch: WriteItem[] = [
      message("before"),
      { kind: "channel", name: "#t", change: { joined: true, topic: "hello" } },
      {
        kind: "members",
        change: { kind: "reset", channel: "#t", members: [member("bob"), member("carol")] },
      },
      { kind: "nickname", nick: "alice_" },
      message("after"),
      // Already so: no event.
      { kind: "channel", name: "#T", change: { joined: true } },
      { kind: "members", change: { kind: "remove", channel: "#t", nick: "carol" } },
    ];
    const written = await writeBatch(database.db, serverId, batch, "mixed", undefined);
    assertEquals(written.messages.map((m) => m.message.content), ["before", "after"]);
    assertEquals(written.notified, undefined);
    const seqs = [...written.messages.map((m) => m.seq), ...written.events.map((e) => e.seq)];
    assertEquals(new Set(seqs).size, seqs.length, "every stored thing has a number of its own");
    const channel = written.events.filter((e) => e.event === "channel");
    assertEquals(channel.map((e) => e.data), [{
      server_id: serverId,
      name: "#t",
      joined: true,
      topic: "hello",
    }]);
    // The channel's event comes between the two messages, as its item did.
    assert(written.messages[0].seq < channel[0].seq && channel[0].seq < written.messages[1].seq);
    const members = written.events.filter((e) => e.event === "members");
    assert(members.length > 0, "the member changes were recorded");
    const rows = await database.db.selectFrom("channel_members").select("nick").where(
      "server_id",
      "=",
      serverId,
    )
      .execute();
    assertEquals(rows.map((r) => r.nick), ["bob"], "the batch's member changes folded in order");
    assertEquals((await findServer(database.db, serverId))?.current_nickname, "alice_");
    assertEquals(await contents(database.db, serverId), ["before", "after"]);
  }));

Deno.test("event batch: publishing sends the messages, a bare wake-up, or the events, each where it belongs", () =>
  withBatches(async ({ database, bus, serverId, heard }) => {
    const log = recordingLog();
    const written = await writeBatch(database.db, serverId, [
      message("hi"),
      { kind: "channel", name: "#t", change: { topic: "news" } },
    ], "p");
    // Publishing goes on after it returns: what this process hears is waited for.
    publishBatch(bus, serverId, written, log);
    await waitFor(() => heard.messages.length === 1 && heard.channels.length === 1, 5000, "the batch");
    assertEquals(heard.messages.map((m) => m.messages?.map((x) => x.content)), [["hi"]]);
    assertEquals(heard.channels.map((c) => [c.name, c.topic, c.seq]), [[
      "#t",
      "news",
      written.events[0].seq,
    ]]);
    publishBatch(bus, serverId, { messages: [], events: [], wake: 41 }, log);
    await waitFor(() => heard.messages.length === 2, 5000, "the wake-up");
    assertEquals(heard.messages[1], { server_id: serverId, seq: 41 });
    // Nothing stored and nothing to announce: nothing sent.
    publishBatch(bus, serverId, { messages: [], events: [] }, log);
    // A batch notified with its commit is only delivered here, not published again.
    let delivered = 0;
    publishBatch(bus, serverId, { ...written, events: [], notified: () => delivered++ }, log);
    assertEquals(delivered, 1);
    // A last wake-up, heard after anything the two above could have sent.
    publishBatch(bus, serverId, { messages: [], events: [], wake: 99 }, log);
    await waitFor(() => heard.messages.at(-1)?.seq === 99, 5000, "the last wake-up");
    assertEquals(heard.messages.map((m) => m.seq), [written.messages[0].seq, 41, 99]);
    assertEquals(heard.channels.length, 1);
    assertEquals(log.lines, []);
  }));

Deno.test("event batch: a notification that cannot be sent is logged, not thrown", () =>
  withBatches(async ({ database, serverId }) => {
    const written = await writeBatch(database.db, serverId, [message("hi")], "q");
    // The bus of another server's worker: it refuses to publish on this server's channels.
    const broken = new ServiceBus({ url: database.url, db: database.db, worker: { serverId: serverId + 1 } });
    try {
      const log = recordingLog();
      publishBatch(broken, serverId, written, log);
      const line = await waitFor(() => log.lines[0], 5000, "the warning");
      assertMatch(line, /^warn not published: /);
    } finally {
      await broken.close();
    }
  }));

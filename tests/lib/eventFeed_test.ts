import { assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { EventFeed, type FeedSubscriber, WRITE_COST_MS } from "../../lib/eventFeed.ts";
import { type LogEvent, messagesChannel } from "../../lib/eventLog.ts";
import { EventStream } from "../../lib/eventStream.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import type { Db } from "../../lib/db/database.ts";
import type { MessageJson } from "../../lib/messages.ts";

/** A subscriber that records the numbers of each delivery. */
class Recorder implements FeedSubscriber {
  readonly deliveries: number[][] = [];
  constructor(readonly userId: number) {}
  deliver(_serverId: number, _seq: number, events: LogEvent[] | undefined): void {
    this.deliveries.push(events?.map((e) => e.seq) ?? []);
  }
  resync(): void {}
  position(): number | undefined {
    return this.deliveries.flat().at(-1) ?? 0;
  }
}

const message = (serverId: number, seq: number) => ({
  server_id: serverId,
  seq,
  messages: [{
    seq,
    id: seq,
    server_id: serverId,
    target: "#t",
    sender: "bob",
    content: `m${seq}`,
    message_type: "privmsg",
    created_at: new Date().toISOString(),
  }],
});

async function withFeed(
  fn: (bus: ServiceBus, feed: EventFeed, serverId: number, userId: number, db: Db) => Promise<void>,
) {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  try {
    const server = await createServer(database.db, { port: 6667 });
    await fn(bus, feed, server.id, server.user_id, database.db);
  } finally {
    feed.close();
    await bus.close();
    await database.drop();
  }
}

Deno.test("event feed: with many streams, what arrives while a burst is written goes out together, in order", async () => {
  await withFeed(async (bus, feed, serverId, userId) => {
    // 5,000 streams: the feed reckons 100 ms of writes after each burst.
    const streams = Array.from({ length: 5000 }, () => new Recorder(userId));
    for (const s of streams) feed.add(s);
    assertEquals(5000 * WRITE_COST_MS >= 50, true, "a hold long enough to publish two messages in");
    await bus.publish(messagesChannel(serverId), message(serverId, 1));
    await waitFor(() => streams[0].deliveries.length === 1, 2000, "the first event");
    assertEquals(streams[0].deliveries, [[1]], "the first event after a quiet spell goes out at once");
    await bus.publish(messagesChannel(serverId), message(serverId, 2));
    await bus.publish(messagesChannel(serverId), message(serverId, 3));
    assertEquals(streams[0].deliveries, [[1]], "held while the first burst is written");
    await waitFor(() => streams.every((s) => s.deliveries.length === 2), 2000, "the held events");
    for (const s of streams) assertEquals(s.deliveries, [[1], [2, 3]]);
  });
});

Deno.test("event feed: a few streams get each event at once, on its own", async () => {
  await withFeed(async (bus, feed, serverId, userId) => {
    const streams = [new Recorder(userId), new Recorder(userId)];
    for (const s of streams) feed.add(s);
    for (let seq = 1; seq <= 3; seq++) {
      await bus.publish(messagesChannel(serverId), message(serverId, seq));
      await waitFor(() => streams.every((s) => s.deliveries.length === seq), 2000, `event ${seq}`);
    }
    for (const s of streams) assertEquals(s.deliveries, [[1], [2], [3]]);
  });
});

Deno.test("event stream: events handed over together are written as one chunk, shared by streams at the same position", async () => {
  await withFeed(async (_bus, feed, serverId, userId, db) => {
    const open = () => {
      const stream = new EventStream({ db, feed, userId, cursor: undefined });
      stream.start();
      return { stream, reader: stream.body.getReader() };
    };
    const a = open();
    const b = open();
    const decoder = new TextDecoder();
    const readUntil = async (reader: ReadableStreamDefaultReader<Uint8Array>, text: string) => {
      let got = "";
      while (!got.includes(text)) got += decoder.decode((await reader.read()).value);
    };
    await readUntil(a.reader, "event: ready");
    await readUntil(b.reader, "event: ready");
    const events = [1, 2, 3].map((seq): LogEvent => ({
      serverId,
      seq,
      event: "message",
      data: message(serverId, seq).messages[0] as unknown as MessageJson,
    }));
    a.stream.deliver(serverId, 3, events);
    b.stream.deliver(serverId, 3, events);
    const chunkA = (await a.reader.read()).value!;
    const chunkB = (await b.reader.read()).value!;
    assertEquals(chunkA, chunkB, "the same bytes");
    const text = decoder.decode(chunkA);
    assertEquals(text.match(/^id: .*$/gm), [
      `id: c${serverId}-1`,
      `id: c${serverId}-2`,
      `id: c${serverId}-3`,
    ]);
    assertEquals(text.match(/"content":"m\d"/g), ['"content":"m1"', '"content":"m2"', '"content":"m3"']);
    // Already sent: nothing more.
    a.stream.deliver(serverId, 3, events.slice(1));
    a.stream.close("done");
    assertEquals((await a.reader.read()).done, true);
    b.stream.close("done");
  });
});

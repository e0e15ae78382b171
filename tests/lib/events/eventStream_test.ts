import { assert, assertEquals, waitFor } from "../../support/assert.ts";
import { messageOf, withFeed } from "../../support/feed.ts";
import { readSse } from "../../support/sseClient.ts";
import type { LogEvent } from "../../../lib/events/wireFormat.ts";
import { EventStream } from "../../../lib/events/eventStream.ts";
import { logger } from "../../../lib/log.ts";
import { EventWriter } from "../../../workers/eventWriter.ts";

const privmsg = (i: number) => ({
  kind: "message" as const,
  message: { target: "#t", sender: "bob", content: `m${i}`, message_type: "privmsg" as const },
});

Deno.test("event stream: a client too slow to keep up is disconnected, and its replay is complete", async () => {
  await withFeed(async ({ database: { db }, bus, feed, server }) => {
    const user = server.user_id;
    const slow = new EventStream({ db, feed, userId: user, cursor: undefined, maxBufferedBytes: 20_000 });
    slow.start(); // and never read
    await waitFor(() => slow.position(server.id) !== undefined, 5000, "the stream to start");
    const writer = new EventWriter({ db, serverId: server.id, log: logger("test"), bus, maxBatch: 20 });
    for (let i = 0; i < 2000; i++) writer.append(privmsg(i));
    assert(await writer.idle(30_000));
    await waitFor(() => slow.closed, 5000, "the slow client to be dropped");
    assertEquals(feed.size, 0, "no longer fed");
    await slow.body.cancel().catch(() => {});

    // It reconnects from where it was and gets everything, in order.
    const again = new EventStream({ db, feed, userId: user, cursor: new Map([[server.id, 0]]) });
    again.start();
    const client = readSse(new Response(again.body));
    await client.waitForEvents(2000, "message", 20_000);
    const got = client.events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content);
    assertEquals(got, Array.from({ length: 2000 }, (_, i) => `m${i}`));
    await client.close();
    await waitFor(() => again.closed && feed.size === 0, 5000, "the stream to end when the client leaves");
  });
});

Deno.test("event stream: events written during the replay are sent once, after it, in order", async () => {
  await withFeed(async ({ database: { db }, bus, feed, server }) => {
    await bus.ready();
    const writer = new EventWriter({ db, serverId: server.id, log: logger("test"), bus });
    for (let i = 0; i < 3000; i++) writer.append(privmsg(i));
    assert(await writer.idle(30_000));
    // Replaying 3,000 while 1,000 more arrive.
    const stream = new EventStream({ db, feed, userId: server.user_id, cursor: new Map([[server.id, 0]]) });
    stream.start();
    const client = readSse(new Response(stream.body));
    for (let i = 3000; i < 4000; i++) {
      writer.append(privmsg(i));
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await client.waitForEvents(4000, "message", 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const got = client.events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content);
    assertEquals(got, Array.from({ length: 4000 }, (_, i) => `m${i}`));
    await client.close();
  });
});

Deno.test("event stream: events handed over together are written as one chunk, shared by streams at the same position", async () => {
  await withFeed(async ({ database: { db }, feed, server: { id: serverId, user_id: userId } }) => {
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
      data: messageOf(serverId, seq),
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

Deno.test("event stream: a replay of 500 lines of control characters reaches the client in full", async () => {
  await withFeed(async ({ database: { db }, bus, feed, server }) => {
    // 450 × \x02 is 2,700 bytes of JSON (\u0002 each): a page of 500 is
    // more than the stream lets wait for a client, so it is paced by it.
    const bold = "\x02".repeat(450);
    const writer = new EventWriter({ db, serverId: server.id, log: logger("test"), bus });
    for (let i = 0; i < 500; i++) {
      writer.append({
        kind: "message",
        message: { target: "#t", sender: "bob", content: `${bold}${i}`, message_type: "privmsg" },
      });
    }
    assert(await writer.idle(30_000));
    const stream = new EventStream({ db, feed, userId: server.user_id, cursor: new Map([[server.id, 0]]) });
    stream.start();
    const client = readSse(new Response(stream.body));
    await client.waitUntil(
      () => client.ended !== false || client.events.some((e) => e.event === "ready"),
      "the replay to end",
      30_000,
    );
    assertEquals(client.ended, false, "the stream is still open");
    const got = client.events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content);
    assertEquals(got, Array.from({ length: 500 }, (_, i) => `${bold}${i}`));
    await client.close();
  });
});

Deno.test("event stream: one event larger than a client may have waiting still gets through", async () => {
  await withFeed(async ({ database: { db }, feed, server: { id: serverId, user_id: userId } }) => {
    const stream = new EventStream({ db, feed, userId, cursor: undefined, maxBufferedBytes: 20_000 });
    stream.start();
    const client = readSse(new Response(stream.body));
    await client.waitForEvents(1, "ready");
    // The first is handed to the waiting reader; the second, 120 KB of JSON
    // in one frame, is more than 20 KB + the 64 KB queue, but little was
    // waiting before it: taking it is progress, not a client too slow.
    const big = { ...messageOf(serverId, 2), content: "\x02".repeat(20_000) };
    const event = (seq: number, data = messageOf(serverId, seq)): LogEvent => ({
      serverId,
      seq,
      event: "message",
      data,
    });
    stream.deliver(serverId, 1, [event(1)]);
    stream.deliver(serverId, 2, [event(2, big)]);
    stream.deliver(serverId, 3, [event(3)]);
    await client.waitUntil(
      () => client.ended !== false || client.events.filter((e) => e.event === "message").length === 3,
      "the three events",
    );
    assertEquals(client.ended, false, "the stream is still open");
    const got = client.events.filter((e) => e.event === "message").map((e) => JSON.parse(e.data).content);
    assertEquals(got, ["m1", big.content, "m3"]);
    await client.close();
  });
});

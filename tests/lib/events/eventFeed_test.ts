import { assertEquals, waitFor } from "../../support/assert.ts";
import { messageOf, withFeed } from "../../support/feed.ts";
import { messagesChannel } from "../../../lib/events/busChannels.ts";
import { type FeedSubscriber, WRITE_COST_MS } from "../../../lib/events/eventFeed.ts";
import type { LogEvent } from "../../../lib/events/wireFormat.ts";

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

// A `server_<id>_messages` notification carrying one message.
const message = (serverId: number, seq: number) => ({
  server_id: serverId,
  seq,
  messages: [{ ...messageOf(serverId, seq), seq }],
});

Deno.test("event feed: with many streams, what arrives while a burst is written goes out together, in order", async () => {
  await withFeed(async ({ bus, feed, server: { id: serverId, user_id: userId } }) => {
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
  await withFeed(async ({ bus, feed, server: { id: serverId, user_id: userId } }) => {
    const streams = [new Recorder(userId), new Recorder(userId)];
    for (const s of streams) feed.add(s);
    for (let seq = 1; seq <= 3; seq++) {
      await bus.publish(messagesChannel(serverId), message(serverId, seq));
      await waitFor(() => streams.every((s) => s.deliveries.length === seq), 2000, `event ${seq}`);
    }
    for (const s of streams) assertEquals(s.deliveries, [[1], [2], [3]]);
  });
});

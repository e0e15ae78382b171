/**
 * A test database with a service bus, an event feed on it and one server,
 * for the tests of the feed and of event streams.
 *
 * @module
 */
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { createServer } from "./worker.ts";
import { EventFeed } from "../../lib/events/eventFeed.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import type { Server } from "../../lib/db/schema.ts";
import type { MessageJson } from "../../lib/messages.ts";

/** What {@link withFeed} hands its test. */
export interface FeedTest {
  database: TestDatabase;
  bus: ServiceBus;
  feed: EventFeed;
  server: Server;
}

/** Runs `fn` with a fresh database, bus, feed and server, and removes them after. */
export async function withFeed(fn: (t: FeedTest) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  try {
    const server = await createServer(database.db, { port: 6667 });
    await fn({ database, bus, feed, server });
  } finally {
    feed.close();
    await bus.close();
    await database.drop();
  }
}

/** A stored message `m<seq>` of `serverId`, numbered `seq` in its log. */
export function messageOf(serverId: number, seq: number): MessageJson {
  return {
    id: seq,
    server_id: serverId,
    target: "#t",
    sender: "bob",
    content: `m${seq}`,
    message_type: "privmsg",
    created_at: new Date().toISOString(),
  };
}

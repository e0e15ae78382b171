/**
 * A worker's database login may notify anything: only what it says of its
 * own server reaches a live stream as it came; what it claims of another
 * server is at most a wake-up, read from the log. On a real PostgreSQL,
 * with a real worker role.
 */
import pg from "pg";
import { sql } from "kysely";
import { assertEquals, waitFor } from "../../support/assert.ts";
import { withFeed } from "../../support/feed.ts";
import { createServer } from "../../support/worker.ts";
import { provisionWorkerRole } from "../../../lib/db/workerRoles.ts";
import { messagesChannel, statusChannel } from "../../../lib/events/busChannels.ts";
import type { FeedSubscriber } from "../../../lib/events/eventFeed.ts";
import { TrustedSenders } from "../../../lib/events/trustedSenders.ts";
import type { LogEvent } from "../../../lib/events/wireFormat.ts";
import { PG_CHANNEL } from "../../../lib/serviceBus.ts";

// What a sender puts on the wire (lib/serviceBus.ts): a header line, then the JSON.
function wire(channel: string, origin: string, counter: number, data: unknown): string {
  return `${channel}\t${origin}\t${counter}\t\n${JSON.stringify(data)}`;
}

function message(serverId: number, seq: number, content: string) {
  return {
    id: seq,
    server_id: serverId,
    target: "#t",
    sender: "mallory",
    content,
    message_type: "privmsg",
    created_at: new Date().toISOString(),
    seq,
  };
}

/** The body of a messages notification: one message, numbered `seq`. */
function batch(serverId: number, seq: number, content: string) {
  return { server_id: serverId, seq, messages: [message(serverId, seq, content)] };
}

Deno.test("trusted senders: a worker's forged events of another server are not handed on; its own are", async () => {
  await withFeed(async ({ database, bus, feed, server: own }) => {
    const other = await createServer(database.db, { port: 6668, name: "other" });
    const login = await provisionWorkerRole(database.db, own.id);
    const workerUrl = new URL(database.url);
    workerUrl.username = login.user;
    workerUrl.password = login.password;
    const worker = new pg.Client({ connectionString: workerUrl.href });
    const app = new pg.Client({ connectionString: database.url });
    await worker.connect();
    await app.connect();
    const got: [number, number, string[] | undefined][] = [];
    const subscriber: FeedSubscriber = {
      userId: own.user_id,
      deliver(serverId: number, seq: number, events: LogEvent[] | undefined) {
        got.push([serverId, seq, events?.map((e) => e.event === "message" ? e.data.content : e.event)]);
      },
      resync() {},
      position: () => 0,
    };
    const remove = feed.add(subscriber);
    try {
      await bus.ready();
      const notify = (client: pg.Client, text: string) =>
        client.query("select pg_notify($1, $2)", [PG_CHANNEL, text]);
      const notes: [pg.Client, string, number, string, Record<string, unknown>][] = [
        // The worker of `own` speaks for `other`: a message and a status, forged.
        [worker, "forged", 1, messagesChannel(other.id), batch(other.id, 999, "forged words")],
        [worker, "forged", 2, statusChannel(other.id), {
          server_id: other.id,
          seq: 1000,
          status: "error",
          error: "forged",
        }],
        // ...and for its own server, which it may.
        [worker, "forged", 3, messagesChannel(own.id), batch(own.id, 1, "own words")],
        // The app's own role speaks for any server.
        [app, "app", 1, messagesChannel(other.id), batch(other.id, 1, "real words")],
      ];
      for (const [client, origin, counter, channel, data] of notes) {
        await notify(client, wire(channel, origin, counter, data));
      }
      await waitFor(() => got.length >= 2 || undefined, 10_000, "the events of both servers");
      // The forged ones were taken as wake-ups; the log of `other` is empty,
      // so there was nothing to read, and nothing was handed on.
      assertEquals(got.filter(([id]) => id === other.id), [[other.id, 1, ["real words"]]]);
      assertEquals(got.filter(([id]) => id === own.id), [[own.id, 1, ["own words"]]]);
    } finally {
      remove();
      await worker.end();
      await app.end();
    }
  });
});

Deno.test("trusted senders: this process, the app's role, and a server's own worker role only", async () => {
  await withFeed(async ({ database }) => {
    const senders = await TrustedSenders.of(database.db);
    const login = await provisionWorkerRole(database.db, 7);
    const { rows } = await sql<{ name: string }>`select session_user::text as name`.execute(database.db);
    const appRole = rows[0].name;
    assertEquals(senders.allows(7, { local: true }), true);
    assertEquals(senders.allows(7, { local: false, role: appRole }), true);
    assertEquals(senders.allows(7, { local: false, role: login.user }), true);
    assertEquals(senders.allows(8, { local: false, role: login.user }), false);
    assertEquals(senders.allows(7, { local: false, role: undefined }), false);
  });
});

import { assertEquals, assertRejects } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { updateChannel } from "../../lib/channels.ts";
import { publishServerEvent } from "../../lib/events/wireFormat.ts";
import { updateServer } from "../../lib/servers.ts";

/** A publisher that keeps what it is given. */
function recorder() {
  const published: [string, unknown][] = [];
  return {
    published,
    publish(channel: string, data: unknown): Promise<void> {
      published.push([channel, data]);
      return Promise.resolve();
    },
  };
}

Deno.test("servers: a status written in a transaction is returned, to publish after the commit", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    const bus = recorder();
    const event = await db.transaction().execute((trx) =>
      updateServer(trx, server.id, { status: "connected", last_error: null })
    );
    assertEquals(event?.event, "status");
    assertEquals(bus.published, [], "nothing is published by a write inside a transaction");
    await publishServerEvent(bus, event!);
    assertEquals(bus.published, [[`server_${server.id}_status`, {
      server_id: server.id,
      status: "connected",
      seq: 1,
    }]]);
    // Outside one, given a publisher: published after the commit; without a change, nothing.
    const next = await updateServer(db, server.id, { status: "error", last_error: "Banned" }, bus);
    assertEquals(next?.seq, 2);
    assertEquals(bus.published.length, 2);
    assertEquals(
      await updateServer(db, server.id, { status: "error", last_error: "Banned" }, bus),
      undefined,
    );
    assertEquals(bus.published.length, 2);
  } finally {
    await database.drop();
  }
});

Deno.test("servers: a publisher handed to a write inside a transaction is refused, not silently unused", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  try {
    const server = await createServer(db, { port: 6667 });
    const bus = recorder();
    await assertRejects(
      () => db.transaction().execute((trx) => updateServer(trx, server.id, { status: "connected" }, bus)),
      Error,
      "published after its commit",
    );
    await assertRejects(
      () => db.transaction().execute((trx) => updateChannel(trx, server.id, "#a", { joined: true }, bus)),
      Error,
      "published after its commit",
    );
    assertEquals(bus.published, []);
  } finally {
    await database.drop();
  }
});

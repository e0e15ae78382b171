import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { startPrivatePostgres } from "../support/privatePostgres.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { createDb, type Db } from "../../lib/db/database.ts";
import { migrateToLatest } from "../../lib/db/migrate.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import type { Logger } from "../../lib/log.ts";
import type { MessageType } from "../../lib/db/schema.ts";
import { EventWriter } from "../../workers/eventWriter.ts";
import { isRejection } from "../../workers/databaseErrors.ts";
import { appendServerEvent } from "../../lib/events/eventLog.ts";
import { sql } from "kysely";

/** A logger that keeps what it is told, for asserting that something was said loudly. */
function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { lines, debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

async function serverRow(db: Db): Promise<number> {
  const user = await db.insertInto("users").values({ name: `u${crypto.randomUUID()}`, password_hash: "-" })
    .returning("id").executeTakeFirstOrThrow();
  const server = await db.insertInto("servers").values({
    user_id: user.id,
    name: "n",
    host: "127.0.0.1",
    port: 6667,
    tls: false,
    nickname: "me",
  }).returning("id").executeTakeFirstOrThrow();
  return server.id;
}

const privmsg = (i: number) => ({
  kind: "message" as const,
  message: { target: "#t", sender: "bob", content: `m${i}`, message_type: "privmsg" as const },
});

async function contents(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("messages").select("content").where("server_id", "=", serverId)
    .orderBy("seq").execute();
  return rows.map((r) => r.content);
}

Deno.test("writer: a burst is written in arrival order in a few statements, one notification per batch", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    const serverId = await serverRow(database.db);
    const notifications: { seq: number; messages?: unknown[] }[] = [];
    bus.subscribe<{ seq: number; messages?: unknown[] }>(
      `server_${serverId}_messages`,
      (d) => notifications.push(d),
    );
    const writer = new EventWriter({ db: database.db, serverId, log: recordingLog(), bus, maxBatch: 1000 });
    for (let i = 0; i < 5000; i++) writer.append(privmsg(i));
    assert(await writer.idle(30_000), "written");
    assertEquals(await contents(database.db, serverId), Array.from({ length: 5000 }, (_, i) => `m${i}`));
    const seqs = await database.db.selectFrom("messages").select("seq").where("server_id", "=", serverId)
      .orderBy("id").execute();
    assertEquals(
      seqs.map((r) => Number(r.seq)),
      Array.from({ length: 5000 }, (_, i) => i + 1),
      "ids follow seqs",
    );
    assert(notifications.length >= 5 && notifications.length <= 10, `${notifications.length} notifications`);
    assertEquals(notifications.at(-1)?.seq, 5000);
  } finally {
    await bus.close();
    await database.drop();
  }
});

Deno.test("writer: small batches carry their messages; a refused event costs only itself, loudly", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    const serverId = await serverRow(database.db);
    const notifications: { seq: number; messages?: { content: string; seq: number }[] }[] = [];
    bus.subscribe<typeof notifications[number]>(`server_${serverId}_messages`, (d) => notifications.push(d));
    const log = recordingLog();
    const writer = new EventWriter({ db: database.db, serverId, log, bus });
    writer.append(privmsg(1));
    writer.append({
      kind: "message",
      message: { target: null, sender: null, content: "bad", message_type: "bogus" as MessageType },
    });
    writer.append(privmsg(2));
    writer.append({ kind: "channel", name: "#t", change: { joined: true, topic: "hello" } });
    writer.append(privmsg(3));
    assert(await writer.idle(10_000));
    assertEquals(await contents(database.db, serverId), ["m1", "m2", "m3"]);
    assert(
      log.lines.some((l) => /^error .*refused by the database and dropped/.test(l)),
      log.lines.join("\n"),
    );
    const channel = await database.db.selectFrom("channels").selectAll().executeTakeFirstOrThrow();
    assertEquals([channel.name, channel.joined, channel.topic], ["#t", true, "hello"]);
    const published = notifications.flatMap((n) => n.messages ?? []).map((m) => [m.content, m.seq]);
    assertEquals(published, [["m1", 1], ["m2", 2], ["m3", 4]], "the channel event took number 3");
  } finally {
    await bus.close();
    await database.drop();
  }
});

Deno.test("writer: isRejection tells refusals from outages", () => {
  assert(isRejection({ code: "23514" }), "check violation");
  assert(isRejection({ code: "23503" }), "foreign key");
  assert(!isRejection({ code: "57P01" }), "admin shutdown");
  assert(!isRejection({ code: "08006" }), "connection failure");
  assert(!isRejection({ code: "ECONNREFUSED" }));
  assert(!isRejection(new Error("Connection terminated unexpectedly")));
  assert(!isRejection({ code: "40P01" }), "deadlock: retried");
  assert(!isRejection(Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" })));
  assert(!isRejection(new Error("Connection terminated due to connection timeout")));
  // Not the database's doing: retrying cannot cure them.
  assert(isRejection(new TypeError("Cannot read properties of undefined (reading 'length')")));
  assert(isRejection(new RangeError("Invalid time value")));
  assert(isRejection(new Error("something else")));
  assert(isRejection({ code: "22021" }), "bad encoding");
});

Deno.test("writer: an event whose write throws without a PostgreSQL code is dropped, loudly, and the writer goes on", async () => {
  const database = await createTestDatabase();
  try {
    const serverId = await serverRow(database.db);
    const log = recordingLog();
    const writer = new EventWriter({ db: database.db, serverId, log });
    writer.append(privmsg(1));
    // Its write throws a RangeError (no date to write), as a malformed
    // event's TypeError would: taken for an outage, it was retried for ever.
    writer.append({
      kind: "message",
      message: { ...privmsg(0).message, content: "no date", created_at: new Date(NaN) },
    });
    // A topic with no channel (`:srv 332 me`) is never queued at all.
    writer.append({ kind: "channel", name: undefined as unknown as string, change: { topic: "t" } });
    writer.append(privmsg(2));
    assert(await writer.idle(10_000), log.lines.join("\n"));
    assertEquals(await contents(database.db, serverId), ["m1", "m2"]);
    assertEquals(writer.failing, false);
    assert(!log.lines.some((l) => /unreachable/.test(l)), log.lines.join("\n"));
    assert(
      log.lines.some((l) => /^error .*refused by the database and dropped/.test(l)),
      log.lines.join("\n"),
    );
    assert(log.lines.some((l) => /^warn event dropped: a channel change/.test(l)), log.lines.join("\n"));
    assertEquals(await database.db.selectFrom("channels").selectAll().execute(), []);
  } finally {
    await database.drop();
  }
});

Deno.test("writer: the buffer is bounded in bytes, not only in events", async () => {
  // Nothing listens there: every write fails as an outage, and events wait.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const db = createDb(`postgres://nobody@127.0.0.1:${port}/none`, { maxConnections: 1 });
  try {
    const log = recordingLog();
    let overflowed = 0;
    const writer = new EventWriter({
      db,
      serverId: 1,
      log,
      retryMinMs: 1000,
      maxBufferedBytes: 1024 * 1024,
      onOverflow: () => overflowed++,
    });
    const big = "x".repeat(64 * 1024);
    for (let i = 0; i < 100; i++) {
      writer.append({ kind: "message", message: { ...privmsg(i).message, content: big } });
    }
    assert(writer.pending < 10, `${writer.pending} events of 128 KiB kept in 1 MiB`);
    assert(writer.pendingBytes <= 1024 * 1024, `${writer.pendingBytes} bytes`);
    assertEquals(writer.dropped, 100 - writer.pending);
    assertEquals(overflowed, 1);
    await writer.close(100);
  } finally {
    await db.destroy();
  }
});

Deno.test("writer: a nick change batch and a status write take the server's rows in one order (no deadlock)", async () => {
  const database = await createTestDatabase();
  try {
    const serverId = await serverRow(database.db);
    const log = recordingLog();
    const writer = new EventWriter({ db: database.db, serverId, log });
    const waiting = async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
      return rows[0].n > 0 ? true : undefined;
    };
    // A status write, as `updateServer` makes it: the server row first, then
    // (for its log event) the sequence row. The writer's batch of a message
    // and the nickname starts between the two.
    await database.db.transaction().execute(async (trx) => {
      await trx.selectFrom("servers").select("id").where("id", "=", serverId).forNoKeyUpdate().execute();
      writer.append(privmsg(1));
      writer.append({ kind: "nickname", nick: "newnick" });
      await waitFor(waiting, 10_000, "the writer to wait for the server row");
      await appendServerEvent(trx, { event: "status", data: { server_id: serverId, status: "connected" } });
      await trx.updateTable("servers").set({ status: "connected" }).where("id", "=", serverId).execute();
    });
    assert(await writer.idle(10_000));
    assert(!log.lines.some((l) => /deadlock|unreachable/.test(l)), log.lines.join("\n"));
    assertEquals(await contents(database.db, serverId), ["m1"]);
    const row = await database.db.selectFrom("servers").select(["status", "current_nickname"])
      .where("id", "=", serverId).executeTakeFirstOrThrow();
    assertEquals([row.status, row.current_nickname], ["connected", "newnick"]);
  } finally {
    await database.drop();
  }
});

Deno.test("writer: PostgreSQL restarted while events flow: all written once, then the overflow said loudly", async () => {
  const cluster = await startPrivatePostgres();
  const db = createDb(cluster.url, { maxConnections: 2 });
  try {
    await migrateToLatest(db);
    const serverId = await serverRow(db);
    const log = recordingLog();
    let overflows = 0;
    const recovered: number[] = [];
    const writer = new EventWriter({
      db,
      serverId,
      log,
      retryMinMs: 50,
      retryMaxMs: 400,
      maxBuffered: 3000,
      onOverflow: () => overflows++,
      onRecovered: (dropped) => recovered.push(dropped),
    });

    // Events keep coming at about 2,000 a second across a restart.
    let sent = 0;
    const flow = setInterval(() => {
      for (let i = 0; i < 10; i++) writer.append(privmsg(sent++));
    }, 5);
    await waitFor(async () => (await contents(db, serverId)).length > 200, 10_000, "some rows");
    await cluster.stop();
    await new Promise((r) => setTimeout(r, 800));
    await cluster.start();
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(flow);
    assert(await writer.idle(30_000), "everything written after the restart");
    assertEquals(await contents(db, serverId), Array.from({ length: sent }, (_, i) => `m${i}`));
    assert(log.lines.some((l) => /^error database unreachable/.test(l)), log.lines.join("\n"));
    assertEquals(overflows, 0);
    assertEquals(recovered, [0]);

    // Past the bound: the newest are dropped, and it is said (log, error message, callback).
    await cluster.stop();
    const before = sent;
    for (let i = 0; i < 3500; i++) writer.append(privmsg(sent++));
    assertEquals(writer.dropped, 500);
    assertEquals(overflows, 1);
    assert(log.lines.some((l) => /^error event buffer full \(3000 events\)/.test(l)), log.lines.join("\n"));
    await cluster.start();
    await waitFor(() => recovered.length === 2, 30_000, "recovery");
    assert(await writer.idle(30_000));
    assertEquals(recovered[1], 500);
    const rows = await db.selectFrom("messages").select(["content", "message_type"]).where(
      "server_id",
      "=",
      serverId,
    )
      .orderBy("seq").execute();
    const expected = Array.from({ length: before + 3000 }, (_, i) => `m${i}`);
    assertEquals(rows.slice(0, -1).map((r) => r.content), expected);
    assertEquals(rows.at(-1)?.message_type, "error");
    assert(/500 event\(s\) were lost/.test(rows.at(-1)!.content), rows.at(-1)!.content);
    await writer.close();
  } finally {
    await db.destroy();
    await cluster.close();
  }
});

Deno.test("writer: a batch committed without an answer is not written again, and what came meanwhile is", async () => {
  const database = await createTestDatabase();
  const target = new URL(database.url);
  const proxy = startTcpProxy(Number(target.port));
  target.port = String(proxy.port);
  const db = createDb(target.href, { maxConnections: 1 });
  try {
    const serverId = await serverRow(database.db);
    const log = recordingLog();
    const writer = new EventWriter({ db, serverId, log, retryMinMs: 300, retryMaxMs: 300 });
    for (let i = 0; i < 10; i++) writer.append(privmsg(i));
    assert(await writer.idle(10_000));

    // This batch commits, but its answer is lost with the connection.
    proxy.dropNextReply();
    for (let i = 10; i < 15; i++) writer.append(privmsg(i));
    await waitFor(() => log.lines.some((l) => /^error database unreachable/.test(l)), 10_000, "the failure");
    // More arrives while the writer waits to retry: its next slice holds both.
    for (let i = 15; i < 22; i++) writer.append(privmsg(i));
    assert(await writer.idle(10_000), "written");
    assertEquals(await contents(database.db, serverId), Array.from({ length: 22 }, (_, i) => `m${i}`));
    assert(log.lines.some((l) => /committed before the connection dropped/.test(l)), log.lines.join("\n"));
    await writer.close();
  } finally {
    await db.destroy();
    proxy.close();
    await database.drop();
  }
});

Deno.test("writer: with the database answering, a flood pauses the source rather than dropping", async () => {
  const database = await createTestDatabase();
  try {
    const serverId = await serverRow(database.db);
    const pauses: boolean[] = [];
    const writer = new EventWriter({
      db: database.db,
      serverId,
      log: recordingLog(),
      maxBuffered: 8000,
      highWater: 2000,
      lowWater: 500,
      onPause: (paused) => pauses.push(paused),
    });
    // A source that honours the pause, producing 20,000 events.
    let sent = 0;
    while (sent < 20_000) {
      if (pauses.at(-1) === true) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      writer.append(privmsg(sent++));
      if (sent % 100 === 0) await Promise.resolve();
    }
    assert(await writer.idle(30_000));
    assertEquals(writer.dropped, 0);
    assertEquals(await contents(database.db, serverId), Array.from({ length: 20_000 }, (_, i) => `m${i}`));
    assert(pauses.length >= 2 && pauses[0] === true && pauses.at(-1) === false, pauses.join(","));
  } finally {
    await database.drop();
  }
});

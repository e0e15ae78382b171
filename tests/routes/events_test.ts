import { sql } from "kysely";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { withConnectedServer } from "../support/connectedServer.ts";
import { withIrcPeer } from "../support/ircPeer.ts";
import { readSse, type SseClient, type SseEvent } from "../support/sseClient.ts";
import { createServer, waitForStatus } from "../support/worker.ts";
import { expectJson, expectStatus, type TestApp, type TestUser, withApp } from "./testApp.ts";
import type { Db } from "../../lib/db/database.ts";
import { Hono } from "hono";
import { createTestDatabase } from "../support/database.ts";
import { EventFeed } from "../../lib/events/eventFeed.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import { eventsRoutes } from "../../routes/api/events.ts";
import { encodeCursor } from "../../lib/events/cursor.ts";
import { logger } from "../../lib/log.ts";
import { EventWriter } from "../../workers/eventWriter.ts";

async function open(t: TestApp, user: TestUser, lastEventId?: string): Promise<SseClient> {
  const response = await t.call("/api/events", {
    as: user,
    headers: lastEventId === undefined ? {} : { "last-event-id": lastEventId },
  });
  assertEquals(response.status, 200);
  assertEquals(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const client = readSse(response);
  opened.push(client);
  return client;
}
const opened: SseClient[] = [];
async function closeAll(): Promise<void> {
  for (const client of opened.splice(0)) await client.close();
}

const data = (e: SseEvent) => JSON.parse(e.data) as Record<string, unknown>;
const messages = (events: SseEvent[]) => events.filter((e) => e.event === "message").map(data);
const contents = (events: SseEvent[], prefix: string) =>
  messages(events).map((m) => m.content as string).filter((c) => c.startsWith(prefix));

/** Connects `server` through the API and waits for its worker to be on IRC. */
async function connect(t: TestApp, user: TestUser, serverId: number): Promise<void> {
  await expectStatus(await t.call(`/api/servers/${serverId}/connect`, { method: "POST", as: user }), 202);
  await waitForStatus(t.database.db, serverId, "connected", 15_000);
}

async function privmsgCount(db: Db, serverId: number, prefix: string): Promise<number> {
  const row = await db.selectFrom("messages").select((e) => e.fn.countAll<string>().as("n"))
    .where("server_id", "=", serverId).where("content", "like", `${prefix}%`).executeTakeFirstOrThrow();
  return Number(row.n);
}

function test(name: string, fn: (t: TestApp) => Promise<void>, heartbeatMs?: number) {
  Deno.test(`events route: ${name}`, async () => {
    try {
      await withApp(fn, { eventsHeartbeatMs: heartbeatMs });
    } finally {
      await closeAll();
    }
  });
}

test("401 without credentials", async (t) => {
  const response = await t.call("/api/events");
  assertEquals(response.status, 401);
  await response.body?.cancel();
});

test("a status change reaches an SSE client, and only its user's", async (t) => {
  const alice = await t.user("alice");
  const bob = await t.user("bob");
  const irc = startFakeIrcServer();
  try {
    const server = await t.server(alice, { port: irc.port });
    const aliceStream = await open(t, alice);
    const bobStream = await open(t, bob);
    await aliceStream.waitForEvents(1, "ready");
    await bobStream.waitForEvents(1, "ready");
    await connect(t, alice, server.id);
    const statuses = await aliceStream.waitUntil(
      () => aliceStream.events.some((e) => e.event === "status" && data(e).status === "connected"),
      "the connected status",
    ).then(() => aliceStream.events.filter((e) => e.event === "status").map(data));
    assertEquals(statuses.map((s) => s.status), ["connecting", "connected"]);
    assertEquals(statuses[0].server_id, server.id);
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(bobStream.events.map((e) => e.event), ["ready"], "bob sees nothing of alice's");
  } finally {
    await irc.close();
  }
});

test("heartbeat comments keep an idle stream open", async (t) => {
  const alice = await t.user("alice");
  const stream = await open(t, alice);
  await stream.waitUntil(
    () => stream.comments.filter((c) => c === "heartbeat").length >= 2,
    "two heartbeats",
  );
}, 50);

Deno.test({
  name: "events route: a PRIVMSG from another IRC client (ngircd) becomes a row and an SSE message event",
  fn: async () => {
    await withIrcPeer(async ({ ngircd, bob }) => {
      await withApp(async (t) => {
        const alice = await t.user("alice");
        const server = await t.server(alice, { port: ngircd.port, nickname: "alice" });
        const stream = await open(t, alice);
        await connect(t, alice, server.id);
        await expectJson(
          await t.call(`/api/servers/${server.id}/commands`, {
            method: "POST",
            as: alice,
            body: { command: "join", channel: "#ruby" },
          }),
          200,
        );
        await bob.join("#ruby");
        await bob.waitForMember("#ruby", "alice");
        await bob.send("PRIVMSG #ruby :Hello from bob");
        await stream.waitUntil(() => contents(stream.events, "Hello from bob").length === 1, "bob's message");
        const event = messages(stream.events).find((m) => m.content === "Hello from bob")!;
        assertEquals([event.server_id, event.target, event.sender, event.message_type], [
          server.id,
          "#ruby",
          "bob",
          "privmsg",
        ]);
        const row = await t.database.db.selectFrom("messages").selectAll().where("id", "=", String(event.id))
          .executeTakeFirstOrThrow();
        assertEquals([row.content, row.sender, row.target], ["Hello from bob", "bob", "#ruby"]);
        assertEquals(row.created_at.toISOString(), event.created_at);
        // History has it too.
        const history = await expectJson<Record<string, unknown>[]>(
          await t.call(`/api/servers/${server.id}/messages?target=%23ruby`, { as: alice }),
          200,
        );
        assert(history.some((m) => m.id === event.id), "in the history");
        await closeAll();
      });
    });
  },
});

test("replay: reconnecting with Last-Event-ID gets exactly the 100 missed, in order, then live ones", async (t) => {
  const alice = await t.user("alice");
  await withConnectedServer(t, alice, {}, async ({ server, client }) => {
    const first = await open(t, alice);
    await first.waitForEvents(1, "ready");
    for (let i = 0; i < 5; i++) client.send(`:bob!b@h PRIVMSG #chan :before ${i}`);
    await first.waitUntil(() => contents(first.events, "before").length === 5, "5 messages");
    await first.close();
    const lastId = first.lastEventId;

    for (let i = 0; i < 100; i++) client.send(`:bob!b@h PRIVMSG #chan :missed ${i}`);
    await waitFor(async () => await privmsgCount(t.database.db, server.id, "missed") === 100, 10_000, "rows");

    const second = await open(t, alice, lastId);
    await second.waitForEvents(1, "ready");
    const replayed = second.events.slice(0, second.events.findIndex((e) => e.event === "ready"));
    assertEquals(replayed.map((e) => e.event), Array(100).fill("message"), "only what was missed");
    assertEquals(contents(replayed, ""), Array.from({ length: 100 }, (_, i) => `missed ${i}`));
    for (let i = 0; i < 3; i++) client.send(`:bob!b@h PRIVMSG #chan :live ${i}`);
    await second.waitUntil(() => contents(second.events, "live").length === 3, "live messages");
    assertEquals(
      contents(second.events, ""),
      [...Array.from({ length: 100 }, (_, i) => `missed ${i}`), "live 0", "live 1", "live 2"],
    );
    const ids = second.events.filter((e) => e.event === "message").map((e) => e.id);
    assertEquals(new Set(ids).size, ids.length, "each event its own cursor");
  });
});

test("replay with two workers writing at once: nothing lost or repeated across reconnects", async (t) => {
  const alice = await t.user("alice");
  const ircs = [startFakeIrcServer(), startFakeIrcServer()];
  try {
    const servers = [
      await t.server(alice, { port: ircs[0].port, name: "one" }),
      await t.server(alice, { port: ircs[1].port, name: "two" }),
    ];
    for (const s of servers) await connect(t, alice, s.id);
    const clients = await Promise.all(ircs.map((irc) => irc.waitForClient()));

    const received: SseEvent[] = [];
    let stream = await open(t, alice);
    await stream.waitForEvents(1, "ready");

    // Both workers write continuously while the client comes and goes.
    const perServer = 300;
    let sent = 0;
    const flow = setInterval(() => {
      for (let i = 0; i < 6 && sent < perServer; i++, sent++) {
        clients[0].send(`:bob!b@h PRIVMSG #a :flow ${sent}`);
        clients[1].send(`:carl!c@h PRIVMSG #b :flow ${sent}`);
      }
      if (sent >= perServer) clearInterval(flow);
    }, 5);
    for (let round = 0; round < 4; round++) {
      await new Promise((r) => setTimeout(r, 60 + round * 40));
      await stream.close();
      received.push(...stream.events);
      await new Promise((r) => setTimeout(r, 80));
      stream = await open(t, alice, stream.lastEventId);
    }
    await waitFor(
      async () => {
        const counts = await Promise.all(servers.map((s) => privmsgCount(t.database.db, s.id, "flow")));
        return counts.every((n) => n === perServer);
      },
      20_000,
      "all rows",
    );
    await stream.waitUntil(
      () => contents([...received, ...stream.events], "flow").length >= 2 * perServer,
      "every message",
      15_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    received.push(...stream.events);
    const all = messages(received).filter((m) => String(m.content).startsWith("flow"));
    for (const s of servers) {
      const got = all.filter((m) => m.server_id === s.id).map((m) => m.content);
      assertEquals(got, Array.from({ length: perServer }, (_, i) => `flow ${i}`), `server ${s.name}`);
    }
  } finally {
    for (const irc of ircs) await irc.close();
  }
});

test("nothing is lost while the app's bus listener reconnects", async (t) => {
  const alice = await t.user("alice");
  await withConnectedServer(t, alice, {}, async ({ client }) => {
    const stream = await open(t, alice);
    await stream.waitForEvents(1, "ready");
    await t.bus.ready();
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'ircweb-bus' and datname = current_database()`.execute(t.database.db);
    for (let i = 0; i < 50; i++) client.send(`:bob!b@h PRIVMSG #chan :gap ${i}`);
    await stream.waitUntil(() => contents(stream.events, "gap").length === 50, "the 50 messages", 15_000);
    assertEquals(contents(stream.events, "gap"), Array.from({ length: 50 }, (_, i) => `gap ${i}`));
  });
});

test("a server created while streaming: its events arrive; status and channel events replay too", async (t) => {
  const alice = await t.user("alice");
  const irc = startFakeIrcServer();
  try {
    const stream = await open(t, alice);
    await stream.waitForEvents(1, "ready");
    const server = await t.server(alice, { port: irc.port });
    await connect(t, alice, server.id);
    await expectJson(
      await t.call(`/api/servers/${server.id}/commands`, {
        method: "POST",
        as: alice,
        body: { command: "join", channel: "#new" },
      }),
      200,
    );
    await stream.waitUntil(() => stream.events.some((e) => e.event === "channel"), "the channel event");
    const live = stream.events.filter((e) => e.event !== "ready");
    const channel = data(live.find((e) => e.event === "channel")!);
    assertEquals(channel, { server_id: server.id, name: "#new", joined: true, topic: null });

    // From the start (the cursor of a client that knew no server yet): the same events again.
    const again = await open(t, alice, "c");
    await again.waitForEvents(1, "ready");
    const replayed = again.events.slice(0, again.events.findIndex((e) => e.event === "ready"));
    const seen = (events: SseEvent[]) => events.map((e) => `${e.event} ${e.data}`);
    assertEquals(seen(replayed).slice(0, live.length), seen(live));
  } finally {
    await irc.close();
  }
});

Deno.test("events route: over a real HTTP server, a client that goes away is let go", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  const user = await database.db.insertInto("users").values({ name: "alice", password_hash: "-" })
    .returning("id").executeTakeFirstOrThrow();
  const app = new Hono().route("/api", eventsRoutes({ db: database.db, bus, feed, userIdOf: () => user.id }));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    const url = `http://127.0.0.1:${server.addr.port}/api/events`;
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const client = readSse(await fetch(url, { signal: controller.signal }));
      await client.waitForEvents(1, "ready");
      assertEquals(feed.size, 1);
      controller.abort();
      await client.close();
      await waitFor(() => feed.size === 0, 5000, "the stream to be let go");
    }
  } finally {
    await server.shutdown();
    feed.close();
    await bus.close();
    await database.drop();
  }
});

Deno.test("events route: over a real HTTP server, a replay of 500 control-character lines arrives in full", async () => {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  const row = await createServer(database.db, { port: 6667 });
  // 450 × \x02 is 2,700 bytes of JSON each: 1.4 MB in one page of the log,
  // more than a stream lets wait for its client.
  const bold = "\x02".repeat(450);
  const writer = new EventWriter({ db: database.db, serverId: row.id, log: logger("test"), bus });
  for (let i = 0; i < 500; i++) {
    writer.append({
      kind: "message",
      message: { target: "#t", sender: "bob", content: `${bold}${i}`, message_type: "privmsg" },
    });
  }
  assert(await writer.idle(30_000));
  const app = new Hono().route(
    "/api",
    eventsRoutes({ db: database.db, bus, feed, userIdOf: () => row.user_id }),
  );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    const client = readSse(
      await fetch(`http://127.0.0.1:${server.addr.port}/api/events`, {
        headers: { "last-event-id": encodeCursor(new Map([[row.id, 0]])) },
      }),
    );
    await client.waitUntil(
      () => client.ended !== false || client.events.some((e) => e.event === "ready"),
      "the end of the replay",
      30_000,
    );
    assertEquals(client.ended, false, "the stream is still open");
    const got = client.events.filter((e) => e.event === "message").map((e) => data(e).content);
    assertEquals(got, Array.from({ length: 500 }, (_, i) => `${bold}${i}`));
    await client.close();
  } finally {
    await server.shutdown();
    feed.close();
    await bus.close();
    await database.drop();
  }
});

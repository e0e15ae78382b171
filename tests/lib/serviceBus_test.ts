import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import { type BusSender, ServiceBus } from "../../lib/serviceBus.ts";
import { MAX_NOTIFY_BYTES } from "../../lib/events/busFrame.ts";
import { createDb } from "../../lib/db/database.ts";
import { PG_ENV_VARS } from "../../lib/supervisor/workerLaunch.ts";
import { sql } from "kysely";

async function withBus(fn: (bus: ServiceBus, database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    await fn(bus, database);
  } finally {
    await bus.close();
    await database.drop();
  }
}

/** Runs tests/support/busPublisher.ts as another process with a worker's narrow flags. */
async function publishFromSubprocess(
  url: string,
  channel: string,
  data: unknown,
  count = 1,
  holdMs = 0,
): Promise<void> {
  const db = new URL(url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--config=${new URL("../../deno.json", import.meta.url).pathname}`,
      "--no-prompt",
      `--allow-net=${db.hostname}:${db.port}`,
      `--allow-env=DATABASE_URL,HOLD_MS,${PG_ENV_VARS.join(",")}`,
      new URL("../support/busPublisher.ts", import.meta.url).pathname,
      channel,
      JSON.stringify(data),
      String(count),
    ],
    env: { DATABASE_URL: url, HOLD_MS: String(holdMs) },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(
    out.success && text.includes("published"),
    `publisher failed: ${new TextDecoder().decode(out.stderr)}`,
  );
}

Deno.test("bus: publish reaches a subscriber", async () => {
  await withBus(async (bus) => {
    let calls = 0;
    bus.subscribe("test_channel", () => calls++);
    await bus.publish("test_channel", { foo: "bar" });
    assertEquals(calls, 1);
    await bus.publish("other_channel", { foo: "bar" });
    assertEquals(calls, 1, "another channel does not reach it");
  });
});

Deno.test("bus: subscribe's callback gets the data, as its own copy", async () => {
  await withBus(async (bus) => {
    const got: unknown[] = [];
    bus.subscribe("test_channel", (data) => got.push(data));
    bus.subscribe("test_channel", (data) => got.push(data));
    const sent = { foo: "bar", n: [1, 2], at: new Date("2024-01-02T03:04:05Z") };
    await bus.publish("test_channel", sent);
    const expected = { foo: "bar", n: [1, 2], at: "2024-01-02T03:04:05.000Z" };
    assertEquals(got, [expected, expected]);
    assert(got[0] !== got[1] && got[0] !== sent, "each subscriber gets a copy");
  });
});

Deno.test("bus: unsubscribe stops the callback", async () => {
  await withBus(async (bus) => {
    const got: unknown[] = [];
    const unsubscribe = bus.subscribe("test_channel", (data) => got.push(data));
    await bus.publish("test_channel", 1);
    unsubscribe();
    await bus.publish("test_channel", 2);
    assertEquals(got, [1]);
  });
});

Deno.test("bus: a throwing subscriber does not affect the others", async () => {
  await withBus(async (bus) => {
    const got: unknown[] = [];
    bus.subscribe("test_channel", () => {
      throw new Error("boom");
    });
    bus.subscribe("test_channel", (data) => got.push(data));
    bus.subscribePrefix("test_", () => {
      throw new Error("boom");
    });
    bus.subscribePrefix("test_", (channel, data) => got.push([channel, data]));
    await bus.publish("test_channel", "x");
    assertEquals(got, ["x", ["test_channel", "x"]]);
  });
});

Deno.test("bus: a message published by another process reaches the test process", async () => {
  await withBus(async (bus, database) => {
    const got: unknown[] = [];
    bus.subscribe("server_42_status", (data) => got.push(data));
    await bus.ready();
    await publishFromSubprocess(database.url, "server_42_status", { status: "connected" });
    await waitFor(() => got.length === 1, 5000, "the message");
    assertEquals(got, [{ status: "connected" }]);
  });
});

Deno.test("bus: a subscriber is told who sent each message: this process, or the sending login's role", async () => {
  await withBus(async (bus, database) => {
    const got: [unknown, BusSender][] = [];
    bus.subscribe("who", (data, sender) => got.push([data, sender]));
    bus.subscribePrefix("wh", (_, data, sender) => got.push([data, sender]));
    await bus.ready();
    await bus.publish("who", "here");
    // Its session stays until well after the message is heard, so its role can be looked up.
    await publishFromSubprocess(database.url, "who", "there", 1, 3000);
    await waitFor(() => got.length === 4, 5000, "both messages, twice");
    const { rows } = await sql<{ name: string }>`select session_user::text as name`.execute(database.db);
    assertEquals(got, [
      ["here", { local: true }],
      ["here", { local: true }],
      ["there", { local: false, role: rows[0].name }],
      ["there", { local: false, role: rows[0].name }],
    ]);
  });
});

Deno.test("bus: a payload too big for NOTIFY travels by reference and arrives whole", async () => {
  await withBus(async (bus, database) => {
    const got: string[] = [];
    bus.subscribe<{ text: string }>("big", (data) => got.push(data.text));
    await bus.ready();
    const text = "é".repeat(MAX_NOTIFY_BYTES); // about twice the limit in UTF-8
    await publishFromSubprocess(database.url, "big", { text });
    await waitFor(() => got.length === 1, 5000, "the big message");
    assertEquals(got[0], text);
    const stored = await database.db.selectFrom("bus_payloads").select("id").execute();
    assertEquals(stored.length, 1);
  });
});

Deno.test("bus: two buses of one process hear each other once each", async () => {
  await withBus(async (a, database) => {
    const otherDb = createDb(database.url, { maxConnections: 1 });
    const b = new ServiceBus({ url: database.url, db: otherDb });
    try {
      const gotA: unknown[] = [];
      const gotB: unknown[] = [];
      a.subscribe("ch", (d) => gotA.push(d));
      b.subscribe("ch", (d) => gotB.push(d));
      await Promise.all([a.ready(), b.ready()]);
      await a.publish("ch", "from a");
      await b.publish("ch", "from b");
      // Wait for both copies (BroadcastChannel and NOTIFY) to have arrived.
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(gotA, ["from a", "from b"]);
      assertEquals(gotB, ["from a", "from b"]);
    } finally {
      await b.close();
      await otherDb.destroy();
    }
  });
});

Deno.test("bus: the listener reconnects by itself and calls the resync hooks", async () => {
  await withBus(async (bus, database) => {
    const got: unknown[] = [];
    let resyncs = 0;
    bus.onResync(() => resyncs++);
    bus.subscribe("ch", (d) => got.push(d));
    await bus.ready();
    await waitFor(() => resyncs === 1, 2000, "the first resync");
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'ircweb-bus' and datname = current_database()`.execute(database.db);
    await waitFor(() => resyncs === 2, 10_000, "the listener to come back");
    await publishFromSubprocess(database.url, "ch", "after");
    await waitFor(() => got.length === 1, 5000, "a message after the reconnect");
    assertEquals(got, ["after"]);
  });
});

Deno.test("bus: the static ServiceBus API uses the process's bus", async () => {
  await withBus(async (_, database) => {
    const bus = new ServiceBus({ url: database.url, db: database.db, processBus: true });
    try {
      const got: unknown[] = [];
      const unsubscribe = ServiceBus.subscribe("test_channel", (data) => got.push(data));
      await ServiceBus.publish("test_channel", { foo: "bar" });
      unsubscribe();
      await ServiceBus.publish("test_channel", { foo: "baz" });
      assertEquals(got, [{ foo: "bar" }]);
    } finally {
      await bus.close();
    }
  });
});

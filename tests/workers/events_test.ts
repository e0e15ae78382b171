import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { EVERY_EVENT_LINES, EVERY_EVENT_STORED } from "./events/everyEvent.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { startPrivatePostgres } from "../support/privatePostgres.ts";
import {
  createServer,
  makeSocketDir,
  spawnWorker,
  type TestWorker,
  waitForStatus,
  withWorker,
} from "../support/worker.ts";
import { createDb, type Db } from "../../lib/db/database.ts";
import { migrateToLatest } from "../../lib/db/migrate.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";

interface Row {
  message_type: string;
  target: string | null;
  sender: string | null;
  content: string;
  created_at: Date;
}

async function rows(db: Db, serverId: number): Promise<Row[]> {
  return await db.selectFrom("messages").select(["message_type", "target", "sender", "content", "created_at"])
    .where("server_id", "=", serverId).orderBy("seq").execute();
}

const brief = (r: Row) => [r.message_type, r.target, r.sender, r.content];

Deno.test("worker events: every kind of IRC event is stored with its target, sender and content", async () => {
  await withWorker({}, async ({ irc, sender, database: { db }, server: { id: serverId } }) => {
    await sender.join("#chan");
    await sender.join("#other");
    await waitFor(async () =>
      (await rows(db, serverId)).filter((r) => r.message_type === "join").length === 2
    );
    const client = irc.clients[0];
    client.send(":fake.irc 353 tester = #chan :tester bob @carol");
    client.send(":fake.irc 366 tester #chan :End of /NAMES list.");
    client.send(":fake.irc 353 tester = #other :tester bob");
    client.send(":fake.irc 366 tester #other :End of /NAMES list.");
    const start = (await rows(db, serverId)).length;
    // And one with the server's time.
    const lines = [
      ...EVERY_EVENT_LINES,
      "@time=2020-01-02T03:04:05.000Z :carol!c@h PRIVMSG #chan :from the past",
    ];
    for (const line of lines) client.send(line);
    const expected = [...EVERY_EVENT_STORED, ["privmsg", "#chan", "carol", "from the past"]];
    const got = await waitFor(
      async () => {
        const all = await rows(db, serverId);
        return all.length >= start + expected.length ? all.slice(start) : undefined;
      },
      10_000,
      "the events",
    );
    assertEquals(got.map(brief), expected);
    assertEquals(got[16].created_at.toISOString(), "2020-01-02T03:04:05.000Z", "server-time is the time");
    assert(Math.abs(got[0].created_at.getTime() - Date.now()) < 60_000, "otherwise the arrival time");
    const channel = await db.selectFrom("channels").selectAll().where("name", "=", "#chan")
      .executeTakeFirstOrThrow();
    assertEquals([channel.joined, channel.topic], [true, "new topic"]);

    // Our own part and kick mark channels left.
    await sender.part("#other", "later");
    client.send(":carol!c@h KICK #chan tester :bye you");
    await waitFor(
      async () => {
        const left = await db.selectFrom("channels").select("joined").where("joined", "=", true).execute();
        return left.length === 0;
      },
      10_000,
      "both channels left",
    );
    const tail = (await rows(db, serverId)).slice(-2).map(brief);
    assertEquals(tail, [["part", "#other", "tester", "later"], ["kick", "#chan", "carol", "tester bye you"]]);
  });
});

for (const echoMessage of [false, true]) {
  Deno.test(`worker events: own messages are stored once (${echoMessage ? "from the echo" : "on send"})`, async () => {
    await withWorker(
      { irc: { echoMessage } },
      async ({ irc, sender, database: { db }, server: { id: serverId } }) => {
        await sender.privmsg("#chan", "my message");
        await sender.action("#chan", "dances");
        await sender.notice("alice", "my notice");
        await sender.privmsg("alice", "in a query");
        await irc.waitForLine("PRIVMSG alice :in a query");
        const own = async () => (await rows(db, serverId)).filter((r) => r.sender === "tester").map(brief);
        const expected = [
          ["privmsg", "#chan", "tester", "my message"],
          ["action", "#chan", "tester", "dances"],
          ["notice", "alice", "tester", "my notice"],
          ["privmsg", "alice", "tester", "in a query"],
        ];
        await waitFor(async () => (await own()).length >= 4, 10_000, "own messages");
        // Give a second copy time to show up, if there were one.
        await new Promise((r) => setTimeout(r, 500));
        assertEquals(await own(), expected);
      },
    );
  });
}

Deno.test("worker events: a burst from IRC is stored in order, announced once per batch", async () => {
  await withWorker({}, async ({ irc, database: { db, url }, server: { id: serverId } }) => {
    const bus = new ServiceBus({ url, db });
    try {
      const announced: number[] = [];
      bus.subscribe<{ seq: number }>(`server_${serverId}_messages`, (d) => announced.push(d.seq));
      await bus.ready();
      const privmsgs = async () => (await rows(db, serverId)).filter((r) => r.message_type === "privmsg");
      const count = 2000;
      const text = Array.from({ length: count }, (_, i) => `:bob!b@h PRIVMSG #chan :line ${i}\r\n`).join("");
      // One write, as a busy server's lines arrive.
      irc.clients[0].send(text.slice(0, -2));
      const got = await waitFor(
        async () => {
          const all = await privmsgs();
          return all.length >= count ? all : undefined;
        },
        20_000,
        `${count} rows`,
      );
      assertEquals(got.map((r) => r.content), Array.from({ length: count }, (_, i) => `line ${i}`));
      const last = await db.selectFrom("server_event_seqs").select("last_seq").executeTakeFirstOrThrow();
      await waitFor(() => announced.at(-1) === Number(last.last_seq), 5000, "the last announcement");
      assert(announced.length < count / 4, `${announced.length} notifications for ${count} messages`);
    } finally {
      await bus.close();
    }
  });
});

Deno.test("worker events: PostgreSQL restarted while messages flow; afterwards each is in the table once", async () => {
  const cluster = await startPrivatePostgres();
  const db = createDb(cluster.url, { maxConnections: 2 });
  const irc = startFakeIrcServer();
  const socketDir = await makeSocketDir();
  let worker: TestWorker | undefined;
  try {
    await migrateToLatest(db);
    const server = await createServer(db, { port: irc.port });
    worker = spawnWorker(server, cluster.url, socketDir);
    await waitForStatus(db, server.id, "connected", 15_000);
    const client = await irc.waitForClient();
    const count = () =>
      db.selectFrom("messages").select((e) => e.fn.countAll<string>().as("n"))
        .where("message_type", "=", "privmsg").executeTakeFirstOrThrow().then((r) => Number(r.n));

    // About 500 messages a second, before, during and after the outage.
    let sent = 0;
    const flow = setInterval(() => {
      for (let i = 0; i < 5; i++) client.send(`:bob!b@h PRIVMSG #chan :n${sent++}`);
    }, 10);
    await waitFor(async () => await count() > 100, 10_000, "messages before the outage");
    await cluster.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.start();
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(flow);
    await waitFor(async () => await count() >= sent, 30_000, `all ${sent} messages`);
    await new Promise((r) => setTimeout(r, 300));
    const stored = await db.selectFrom("messages").select("content").where("message_type", "=", "privmsg")
      .orderBy("seq").execute();
    assertEquals(stored.map((r) => r.content), Array.from({ length: sent }, (_, i) => `n${i}`));
    // The IRC connection was kept all along.
    assertEquals(irc.lines.filter((l) => l.startsWith("USER")).length, 1, "one IRC registration");
    assert(/database unreachable/.test(worker.stderr()), "the outage was logged");
  } catch (error) {
    console.error(worker?.stderr());
    throw error;
  } finally {
    await worker?.kill();
    await irc.close();
    await db.destroy();
    await cluster.close();
    await Deno.remove(socketDir, { recursive: true });
  }
});

Deno.test("worker events: a flood larger than the outage buffer is stored whole while the database answers", async () => {
  await withWorker({}, async ({ irc, database: { db }, server: { id: serverId } }) => {
    const count = 60_000; // more than the 50,000 kept during an outage
    const lines = Array.from({ length: 1000 }, (_, i) => `:bob!b@h PRIVMSG #chan :flood ${i}`).join("\r\n");
    for (let i = 0; i < count / 1000; i++) irc.clients[0].send(lines);
    const stored = () =>
      db.selectFrom("messages").select((e) => e.fn.countAll<string>().as("n")).where(
        "server_id",
        "=",
        serverId,
      )
        .where("content", "like", "flood %").executeTakeFirstOrThrow().then((r) => Number(r.n));
    await waitFor(async () => await stored() >= count, 60_000, `${count} rows`);
    const errors = await db.selectFrom("messages").select("content").where("message_type", "=", "error")
      .execute();
    assertEquals(errors, [], "nothing reported lost");
  });
});

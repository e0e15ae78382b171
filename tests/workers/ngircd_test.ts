/**
 * Interop with a real IRC server: the worker against Debian's ngircd, seen
 * by a second, raw IRC client on the same server.
 */
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import type { TestDatabase } from "../support/database.ts";
import { createNgircd, type Ngircd, startNgircd } from "../support/ngircd.ts";
import { connectRawIrcClient, type RawIrcClient } from "../support/rawIrcClient.ts";
import { type TestWorker, waitForStatus } from "../support/worker.ts";
import { withSpawnedWorker } from "../support/spawnedWorker.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { LineReader } from "../../lib/lineReader.ts";
import { findServer, socketPathFor } from "../../lib/servers.ts";
import type { NewServer, Server } from "../../lib/db/schema.ts";

interface Setup {
  database: TestDatabase;
  ngircd: Ngircd;
  server: Server;
  socketDir: string;
  worker: TestWorker;
  /** Raw clients opened through `observer()`, closed at the end. */
  observer(nick?: string): Promise<RawIrcClient>;
}

/**
 * An ngircd (started unless `startServer` is false), a database and a worker
 * for one server on it; everything is torn down after `fn`.
 */
async function withNgircdWorker(
  fn: (t: Setup) => Promise<void>,
  options: { fields?: Partial<NewServer>; password?: string; startServer?: boolean } = {},
): Promise<void> {
  const ngircd = options.startServer === false
    ? await createNgircd({ password: options.password })
    : await startNgircd({ password: options.password });
  const observers: RawIrcClient[] = [];
  try {
    await withSpawnedWorker(
      { port: ngircd.port, ...options.fields },
      (t) =>
        fn({
          ...t,
          ngircd,
          async observer(nick = "watcher") {
            const client = await connectRawIrcClient(ngircd.port, nick, { password: options.password });
            observers.push(client);
            return client;
          },
        }),
      () => `--- ngircd log ---\n${ngircd.log()}`,
    );
  } finally {
    for (const client of observers) await client.close();
    await ngircd.close();
  }
}

async function sender(database: TestDatabase, serverId: number): Promise<IrcCommandSender> {
  const row = await waitForStatus(database.db, serverId, "connected", 20_000);
  return new IrcCommandSender(row, { timeoutMs: 5000 });
}

Deno.test("ngircd: the worker registers, joins #ruby, talks to another client, changes nick, parts, quits", async () => {
  await withNgircdWorker(async ({ database, server, worker, socketDir, observer }) => {
    const irc = await sender(database, server.id);
    const watcher = await observer();
    await watcher.join("#ruby");

    await irc.join("#ruby");
    await watcher.waitForLine(/^:tester!\S+ JOIN :?#ruby$/);
    await waitFor(
      async () => {
        const channel = await database.db.selectFrom("channels").selectAll().executeTakeFirst();
        return channel?.name === "#ruby" && channel.joined;
      },
      10_000,
      "#ruby recorded as joined",
    );

    await irc.privmsg("#ruby", "Hello, world!");
    await watcher.waitForLine(/^:tester!\S+ PRIVMSG #ruby :Hello, world!$/);
    // Straight to the other user too, as a query.
    await irc.privmsg("watcher", "just you");
    await watcher.waitForLine(/^:tester!\S+ PRIVMSG watcher :just you$/);

    await irc.nick("tester2");
    await watcher.waitForLine(/^:tester!\S+ NICK :?tester2$/);
    await waitFor(
      async () => (await findServer(database.db, server.id))?.current_nickname === "tester2",
      10_000,
      "the new nick on the row",
    );

    await irc.part("#ruby", "Goodbye");
    await watcher.waitForLine(/^:tester2!\S+ PART #ruby :Goodbye$/);

    // Back in, so that the other user sees the QUIT.
    await irc.join("#ruby");
    await watcher.waitForLine(/^:tester2!\S+ JOIN :?#ruby$/);
    await irc.quit("See you");
    await watcher.waitForLine(/^:tester2!\S+ QUIT :.*See you/);
    assertEquals((await worker.status).code, 0);
    await Deno.lstat(socketPathFor(socketDir, server.id)).then(() => assert(false, "socket left"), () => {});
    const row = await findServer(database.db, server.id);
    assertEquals([row?.status, row?.pid, row?.socket_path], ["disconnected", null, null]);
  });
});

Deno.test("ngircd: stopped and started again, the worker reconnects and rejoins #ruby", async () => {
  await withNgircdWorker(async ({ database, server, ngircd, observer }) => {
    const irc = await sender(database, server.id);
    await irc.join("#ruby");
    await waitFor(
      async () => (await database.db.selectFrom("channels").select("joined").executeTakeFirst())?.joined,
      10_000,
      "#ruby recorded as joined",
    );

    await ngircd.stop();
    await waitForStatus(database.db, server.id, "reconnecting", 10_000);
    await ngircd.start();
    await waitForStatus(database.db, server.id, "connected", 30_000);
    const watcher = await observer();
    await watcher.join("#ruby");
    await watcher.waitForMember("#ruby", "tester");
    // And it works as before.
    await irc.privmsg("#ruby", "back again");
    await watcher.waitForLine(/^:tester!\S+ PRIVMSG #ruby :back again$/);
  });
});

Deno.test("ngircd: started only after the worker, it still gets connected", async () => {
  await withNgircdWorker(async ({ database, server, ngircd }) => {
    await waitForStatus(database.db, server.id, "reconnecting", 10_000);
    await ngircd.start();
    const row = await waitForStatus(database.db, server.id, "connected", 30_000);
    assertEquals(row.current_nickname, "tester");
  }, { startServer: false });
});

Deno.test("ngircd: a wrong server password ends in error, without a reconnect loop", async () => {
  await withNgircdWorker(async ({ database, server, ngircd }) => {
    const row = await waitForStatus(database.db, server.id, "error", 15_000);
    assertMatch(row.last_error ?? "", /password/i);
    // Long enough for two reconnects at the shortest backoff.
    await new Promise((r) => setTimeout(r, 3500));
    assertEquals(ngircd.connections(), 1, "one attempt only");
    assertEquals((await findServer(database.db, server.id))?.status, "error");
  }, { password: "secret", fields: { password: "wrong" } });
});

Deno.test("ngircd: the right server password registers", async () => {
  await withNgircdWorker(async ({ database, server }) => {
    await waitForStatus(database.db, server.id, "connected", 15_000);
  }, { password: "secret", fields: { password: "secret" } });
});

Deno.test("ngircd: a nick in use at registration gets an alternative", async () => {
  const ngircd = await startNgircd();
  const holder = await connectRawIrcClient(ngircd.port, "tester");
  try {
    await withSpawnedWorker({ port: ngircd.port }, async ({ database, server }) => {
      const row = await waitForStatus(database.db, server.id, "connected", 15_000);
      assertEquals(row.current_nickname, "tester_");
    });
  } finally {
    await holder.close();
    await ngircd.close();
  }
});

Deno.test("ngircd: flood control sends 20 messages at the configured pace, in order, none lost", async () => {
  const burst = 5;
  const intervalMs = 300;
  await withNgircdWorker(async ({ database, server, socketDir, observer }) => {
    const irc = await sender(database, server.id);
    const watcher = await observer();
    await watcher.join("#ruby");
    await irc.join("#ruby");
    await watcher.waitForLine(/^:tester!\S+ JOIN :?#ruby$/);
    // Let the JOIN's token come back, so the burst is whole.
    await new Promise((r) => setTimeout(r, intervalMs * 2));

    // All 20 at once: written in one go on one connection.
    const requests = Array.from({ length: 20 }, (_, i) => ({
      id: i,
      command: "privmsg",
      target: "#ruby",
      message: `flood ${i}`,
    }));
    const replies = await pipeline(socketPathFor(socketDir, server.id), requests);
    assertEquals(
      replies,
      requests.map((_, i) => i < burst ? { ok: true, id: i } : { ok: true, queued: true, id: i }),
    );

    const lines = await watcher.waitForLines(/ PRIVMSG #ruby :flood \d+$/, 20, 30_000);
    await new Promise((r) => setTimeout(r, intervalMs));
    assertEquals(
      watcher.received.filter((r) => / PRIVMSG #ruby :flood \d+$/.test(r.line)).map((r) =>
        r.line.split(" :")[1]
      ),
      requests.map((r) => r.message),
      "all 20, in order, none doubled",
    );

    // Pace: a token bucket lets at most `burst + elapsed / interval` lines
    // through in any stretch of time. A little slack for delivery jitter; a
    // slow machine only makes the gaps longer.
    const slackMs = 150;
    for (let i = 0; i < lines.length; i++) {
      for (let j = i + burst; j < lines.length; j++) {
        const elapsed = lines[j].at - lines[i].at;
        const least = (j - i + 1 - burst) * intervalMs - slackMs;
        assert(
          elapsed >= least,
          `lines ${i}..${j} arrived ${elapsed.toFixed(0)} ms apart, under ${least} ms`,
        );
      }
    }
  }, { fields: { flood_burst: burst, flood_interval_ms: intervalMs } });
});

/** Writes every request at once on one socket connection and reads one reply each. */
async function pipeline(path: string, requests: object[]): Promise<unknown[]> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(new TextEncoder().encode(requests.map((r) => JSON.stringify(r) + "\n").join("")));
    const reader = new LineReader(conn.readable, 1 << 16);
    const replies: unknown[] = [];
    for (const _ of requests) {
      const next = await reader.next();
      if (next?.kind !== "line") throw new Error("the worker hung up");
      replies.push(JSON.parse(next.line));
    }
    return replies;
  } finally {
    conn.close();
  }
}

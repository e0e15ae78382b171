// Bouncer playback against a real ZNC (Debian's 1.8, tests/support/znc.ts) on a real ngircd: ZNC
// keeps its buffers after each replay, so every attach replays all of them again, and the lines
// carry ZNC's server-time and no msgid: what the log already has is found by time, sender and text.
import { assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { startNgircd } from "../support/ngircd.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { startTcpProxy } from "../support/tcpProxy.ts";
import { startZnc } from "../support/znc.ts";
import {
  createServer,
  makeSocketDir,
  spawnWorker,
  type TestWorker,
  waitForStatus,
} from "../support/worker.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { socketPathFor } from "../../lib/servers.ts";
import type { Db } from "../../lib/db/database.ts";

// Every text line stored, as `window sender: text`, in the order stored.
async function lines(db: Db, serverId: number): Promise<string[]> {
  const rows = await db.selectFrom("messages").select(["target", "sender", "content"])
    .where("server_id", "=", serverId).where("message_type", "=", "privmsg").orderBy("seq").execute();
  return rows.map((r) => `${r.target} ${r.sender}: ${r.content}`);
}

Deno.test("znc: what was said while the worker was away from the bouncer is stored once, and a second replay stores nothing twice", async () => {
  const database = await createTestDatabase();
  const { db } = database;
  const ngircd = await startNgircd();
  const bob = await connectRawIrcClient(ngircd.port, "bob");
  const znc = await startZnc({
    ircPort: ngircd.port,
    nick: "alice",
    channels: ["#znc"],
    clearBuffers: false,
  });
  // Between the worker and ZNC: cut, the worker is away from the bouncer while the bouncer stays on IRC.
  const proxy = startTcpProxy(znc.port);
  const socketDir = await makeSocketDir();
  let worker: TestWorker | undefined;
  try {
    await bob.join("#znc");
    await bob.waitForMember("#znc", "alice");
    const server = await createServer(db, { port: proxy.port, nickname: "alice", password: znc.login });
    worker = spawnWorker(server, database.url, socketDir);
    await waitForStatus(db, server.id, "connected");
    const sender = new IrcCommandSender({ socket_path: socketPathFor(socketDir, server.id) });
    const stored = (expected: string[]) =>
      waitFor(
        async () => {
          const now = await lines(db, server.id);
          return expected.every((line) => now.includes(line)) ? now : undefined;
        },
        15_000,
        `${expected.join(", ")} stored`,
      );

    // Live, through the bouncer: ZNC buffers these too.
    await waitFor(async () =>
      (await db.selectFrom("channels").select("joined").where("server_id", "=", server.id)
        .where("name", "=", "#znc").executeTakeFirst())?.joined
    );
    await sender.privmsg("#znc", "mine before");
    await bob.send("PRIVMSG #znc :live before");
    await stored(["#znc alice: mine before", "#znc bob: live before"]);

    proxy.cut();
    await waitForStatus(db, server.id, "reconnecting");
    await bob.send("PRIVMSG #znc :missed one");
    await bob.send("PRIVMSG #znc :missed two");
    await bob.send("PRIVMSG alice :missed in private");
    // Another client of the same ZNC user sees them once ZNC has them (it treats QUIT as a detach).
    const other = await connectRawIrcClient(znc.port, "alice", { password: znc.login });
    await other.waitForLine(/PRIVMSG alice :.*missed in private$/);
    await other.close();
    proxy.restore();
    await waitForStatus(db, server.id, "connected");
    // A live line after the replay is stored after it: once it is there, the replay was handled.
    await waitFor(async () => (await lines(db, server.id)).includes("#znc bob: missed two"), 15_000);
    await bob.send("PRIVMSG #znc :after the first replay");
    const first = await stored(["#znc bob: after the first replay"]);
    assertEquals(first, [
      "#znc alice: mine before",
      "#znc bob: live before",
      "#znc bob: missed one",
      "#znc bob: missed two",
      "bob bob: missed in private",
      "#znc bob: after the first replay",
    ]);

    // The whole buffer again, all of it stored already.
    proxy.cut();
    await waitForStatus(db, server.id, "reconnecting");
    proxy.restore();
    await waitForStatus(db, server.id, "connected");
    await bob.send("PRIVMSG #znc :after the second replay");
    const second = await stored(["#znc bob: after the second replay"]);
    assertEquals(second, [...first, "#znc bob: after the second replay"]);
  } catch (error) {
    console.error(worker?.stderr(), znc.log());
    throw error;
  } finally {
    await worker?.kill();
    proxy.close();
    await bob.close();
    await znc.stop();
    await ngircd.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
});

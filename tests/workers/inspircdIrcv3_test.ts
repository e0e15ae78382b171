/**
 * IRCv3 against a real server, Debian's InspIRCd 3 (`tests/support/inspircd.ts`):
 * the stored time of a line is the server's (`server-time`), shown by a
 * line InspIRCd replays from its channel history on join, whose time is
 * older than the join; and with `echo-message` our own line is stored once,
 * from the echo, however many lines the server relays around it.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { startIrcNetwork } from "../support/inspircd.ts";
import { connectRawIrcClient } from "../support/rawIrcClient.ts";
import { createServer, makeSocketDir, spawnWorker, waitForStatus } from "../support/worker.ts";
import { IrcCommandSender } from "../../lib/ircCommandSender.ts";
import { socketPathFor } from "../../lib/servers.ts";

Deno.test("IRCv3 on InspIRCd: server-time is the stored time, echo-message stores our line once", async () => {
  const network = await startIrcNetwork();
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  const observer = await connectRawIrcClient(network.port, "watcher");
  const server = await createServer(database.db, { port: network.port, nickname: "v3worker" });
  const worker = spawnWorker(server, database.url, socketDir);
  try {
    // A line said before the worker is in the channel, kept by chanhistory (+H).
    await observer.join("#v3");
    await observer.send("MODE #v3 +H 10:1d");
    await observer.waitForLine(/ MODE #v3 :?\+H/);
    await observer.send("PRIVMSG #v3 :said before you came");
    const saidBy = Date.now();
    await new Promise((r) => setTimeout(r, 1500));

    await waitForStatus(database.db, server.id, "connected", 20_000);
    const sender = new IrcCommandSender({ socket_path: socketPathFor(socketDir, server.id) });
    const joinedAfter = Date.now();
    await sender.sendCommand({ command: "join", channel: "#v3" });
    const replayed = await waitFor(
      () =>
        database.db.selectFrom("messages").select(["created_at", "sender"]).where("server_id", "=", server.id)
          .where("content", "=", "said before you came").executeTakeFirst(),
      10_000,
      "the replayed line stored",
    );
    assertEquals(replayed.sender, "watcher");
    // The server's time of the line, not the time it reached us on join.
    assert(
      replayed.created_at.getTime() <= saidBy + 50 && replayed.created_at.getTime() < joinedAfter - 1000,
      `stored at ${replayed.created_at.toISOString()}, said by ${new Date(saidBy).toISOString()}, ` +
        `joined after ${new Date(joinedAfter).toISOString()}`,
    );

    await sender.sendCommand({ command: "privmsg", target: "#v3", message: "echoed once" });
    await observer.waitForLine(/^:v3worker!\S+ PRIVMSG #v3 :echoed once$/);
    // A later line of the observer's, stored after ours: by then any second copy would be too.
    await observer.send("PRIVMSG #v3 :after the echo");
    await waitFor(
      () =>
        database.db.selectFrom("messages").select("id").where("server_id", "=", server.id)
          .where("content", "=", "after the echo").executeTakeFirst(),
      10_000,
      "the later line stored",
    );
    const own = await database.db.selectFrom("messages").select(["sender", "target"])
      .where("server_id", "=", server.id).where("content", "=", "echoed once").execute();
    assertEquals(own, [{ sender: "v3worker", target: "#v3" }]);
  } catch (error) {
    console.error(worker.stderr());
    throw error;
  } finally {
    await worker.kill();
    await observer.close();
    await network.stop();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
});

Deno.test("IRCv3 on InspIRCd: the server window lists what was negotiated; invite-notify and SETNAME reach the channel", async () => {
  const network = await startIrcNetwork();
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  const server = await createServer(database.db, { port: network.port, nickname: "v3worker" });
  const worker = spawnWorker(server, database.url, socketDir);
  const clients: Awaited<ReturnType<typeof connectRawIrcClient>>[] = [];
  const text = (target: string | null, content: string) =>
    waitFor(
      () => {
        let q = database.db.selectFrom("messages").select(["content", "sender"])
          .where("server_id", "=", server.id).where("content", "=", content);
        q = target === null ? q.where("target", "is", null) : q.where("target", "=", target);
        return q.executeTakeFirst();
      },
      10_000,
      `${content} stored`,
    );
  try {
    await waitForStatus(database.db, server.id, "connected", 20_000);
    const listed = await waitFor(
      () =>
        database.db.selectFrom("messages").select("content").where("server_id", "=", server.id)
          .where("target", "is", null).where("content", "like", "Capabilities: %").executeTakeFirst(),
      10_000,
      "the capabilities listed",
    );
    const caps = listed.content.slice("Capabilities: ".length).split(" ");
    for (const cap of ["server-time", "echo-message", "batch", "cap-notify", "invite-notify", "setname"]) {
      assert(caps.includes(cap), `${cap} in ${listed.content}`);
    }
    // The watcher is first in #inv, so its operator, who may invite; InspIRCd is told
    // (announceinvites) to tell every member with invite-notify, not operators only.
    const watcher = await connectRawIrcClient(network.port, "watcher");
    clients.push(watcher);
    await watcher.join("#inv");
    const sender = new IrcCommandSender({ socket_path: socketPathFor(socketDir, server.id) });
    await sender.sendCommand({ command: "join", channel: "#inv" });
    await watcher.waitForMember("#inv", "v3worker");
    clients.push(await connectRawIrcClient(network.port, "carol"));
    await watcher.send("INVITE carol #inv");
    assertEquals(await text("#inv", "watcher invited carol to #inv"), {
      content: "watcher invited carol to #inv",
      sender: "watcher",
    });
    await watcher.join("#elsewhere");
    await watcher.send("INVITE v3worker #elsewhere");
    await text(null, "watcher invites you to #elsewhere");
    await watcher.send("SETNAME :Watcher Renamed");
    await waitFor(
      async () =>
        (await database.db.selectFrom("channel_members").select("realname").where("server_id", "=", server.id)
          .where("nick", "=", "watcher").executeTakeFirst())?.realname === "Watcher Renamed",
      10_000,
      "the new realname in the members",
    );
  } catch (error) {
    console.error(
      worker.stderr(),
      clients.map((c) => c.received.map((r) => r.line).join("\n")).join("\n----\n"),
    );
    throw error;
  } finally {
    await worker.kill();
    for (const client of clients) await client.close();
    await network.stop();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
});

import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { startRecordingSocket } from "../support/recordingSocket.ts";
import { waitForStatus } from "../support/worker.ts";
import { COMMAND_TIMEOUT_MS } from "../../routes/api/commands.ts";
import { expectJson, withApp } from "./testApp.ts";

const utf8 = (text: string) => new TextEncoder().encode(text).length;

Deno.test("commands and channels: through the API to a real worker and IRC server", async () => {
  const irc = startFakeIrcServer();
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const server = await t.server(alice, { port: irc.port, nickname: "alice" });
      const commands = `/api/servers/${server.id}/commands`;

      const before = await expectJson(
        await t.call(commands, { method: "POST", as: alice, body: { command: "join", channel: "#ruby" } }),
        409,
      );
      assertEquals(before.error, "Server not connected");

      await expectJson(await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice }), 202);
      await waitForStatus(t.database.db, server.id, "connected", 15_000);

      assertEquals(
        await expectJson(
          await t.call(commands, { method: "POST", as: alice, body: { command: "join", channel: "#ruby" } }),
          200,
        ),
        { ok: true },
      );
      await irc.waitForLine("JOIN #ruby");
      await expectJson(
        await t.call(commands, {
          method: "POST",
          as: alice,
          body: { command: "privmsg", target: "#ruby", message: "Hello, world!", id: 7 },
        }),
        200,
      );
      await irc.waitForLine("PRIVMSG #ruby :Hello, world!");
      await expectJson(
        await t.call(commands, {
          method: "POST",
          as: alice,
          body: { command: "action", target: "#ruby", message: "waves" },
        }),
        200,
      );
      await irc.waitForLine("PRIVMSG #ruby :\x01ACTION waves\x01");

      const channels = await waitFor(
        async () => {
          const list = await expectJson<Record<string, unknown>[]>(
            await t.call(`/api/servers/${server.id}/channels`, { as: alice }),
            200,
          );
          return list.length === 1 && list[0].joined === true ? list : undefined;
        },
        10_000,
        "the joined channel to be listed",
      );
      assertEquals(Object.keys(channels[0]).sort(), ["id", "joined", "name", "topic"]);
      assertEquals([channels[0].name, channels[0].topic], ["#ruby", null]);

      // Bad input: 422 with the reason, and nothing reaches IRC.
      const sent = irc.lines.length;
      const cases: [unknown, RegExp][] = [
        ["not json", /not valid JSON/],
        [[1, 2], /JSON object/],
        [{ command: "explode" }, /unknown command/],
        [{ command: "join" }, /channel is missing/],
        [{ command: "join", channel: 42 }, /channel must be a string/],
        [{ command: "join", channel: "ruby" }, /invalid channel name/],
        [{ command: "privmsg", target: "#ruby", message: "hi\r\nQUIT :bye" }, /CR, LF or NUL/],
        [{ command: "privmsg", target: "#ruby x", message: "hi" }, /invalid target/],
        [{ command: "privmsg", target: "#ruby", message: "" }, /must not be empty/],
        [{ command: "nick", nickname: "bad nick" }, /invalid nickname/],
        [{ command: "quit", message: "bye\nJOIN #x" }, /CR, LF or NUL/],
        // 199 characters but 595 bytes: the line would be too long for IRC.
        [
          { command: "join", channel: "#" + "€".repeat(198) },
          /^channel is a channel name of 595 bytes in UTF-8; at most 200 are allowed$/,
        ],
        [
          { command: "privmsg", target: "#" + "€".repeat(198), message: "hi" },
          /^target is a channel name of 595 bytes in UTF-8; at most 200 are allowed$/,
        ],
      ];
      for (const [body, error] of cases) {
        const answer = await expectJson(await t.call(commands, { method: "POST", as: alice, body }), 422);
        assertMatch(answer.error as string, error);
      }
      await expectJson(
        await t.call(commands, { method: "POST", as: alice, body: { command: "join", channel: "#after" } }),
        200,
      );
      await irc.waitForLine("JOIN #after");
      assertEquals(irc.lines.slice(sent), ["JOIN #after"], "only the valid command reached IRC");

      // Long PART and QUIT reasons are cut to fit IRC's 512 bytes (ngircd
      // drops the connection over a longer line), between characters.
      const longest = "#" + "€".repeat(66) + "x"; // 200 bytes
      await expectJson(
        await t.call(commands, {
          method: "POST",
          as: alice,
          body: { command: "part", channel: longest, message: "€".repeat(400) },
        }),
        200,
      );
      const part = await irc.waitForLine(/^PART #€+x :€+$/);
      assert(utf8(part + "\r\n") <= 512 && utf8(part) > 300, `${utf8(part)} bytes`);

      // quit through the commands route: the worker quits and exits.
      await expectJson(
        await t.call(commands, {
          method: "POST",
          as: alice,
          body: { command: "quit", message: "Bye " + "🎉".repeat(300) },
        }),
        200,
      );
      const quit = await irc.waitForLine(/^QUIT :Bye (?:🎉)+$/);
      assert(utf8(quit + "\r\n") <= 512 && utf8(quit) > 300, `${utf8(quit)} bytes`);
      await waitForStatus(t.database.db, server.id, "disconnected", 15_000);
      await waitFor(() => !t.supervisor.isRunning(server.id), 10_000, "the supervisor to let the worker go");
      const after = await expectJson(
        await t.call(commands, { method: "POST", as: alice, body: { command: "join", channel: "#x" } }),
        409,
      );
      assertEquals(after.error, "Server not connected");
    });
  } finally {
    await irc.close();
  }
});

Deno.test("commands: a connect sent right after a quit connects again", async () => {
  const irc = startFakeIrcServer();
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const server = await t.server(alice, { port: irc.port, nickname: "alice" });
      const connect = () => t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice });
      await expectJson(await connect(), 202);
      await waitForStatus(t.database.db, server.id, "connected", 15_000);
      const quitting = t.call(`/api/servers/${server.id}/commands`, {
        method: "POST",
        as: alice,
        body: { command: "quit", message: "brb" },
      });
      await irc.waitForLine("QUIT :brb");
      // The old worker is still on its way out.
      await expectJson(await connect(), 202);
      await expectJson(await quitting, 200);
      await waitForStatus(t.database.db, server.id, "connected", 15_000);
      await waitFor(
        () => irc.lines.filter((l) => l.startsWith("USER")).length === 2,
        10_000,
        "a second login",
      );
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(
        (await t.database.db.selectFrom("servers").select("status").executeTakeFirst())?.status,
        "connected",
      );
      assertEquals(t.supervisor.isRunning(server.id), true);
    });
  } finally {
    await irc.close();
  }
});

Deno.test("commands: a missing socket is 409, a refusal 422, a silent worker 504", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const commands = `/api/servers/${server.id}/commands`;
    const join = { command: "join", channel: "#ruby" };
    const setSocket = (path: string | null) =>
      t.database.db.updateTable("servers").set({ socket_path: path }).where("id", "=", server.id).execute();

    await setSocket(`${t.socketDir}/gone.sock`);
    const missing = await expectJson(await t.call(commands, { method: "POST", as: alice, body: join }), 409);
    assertEquals(missing, { error: "Server not connected", reason: "Socket not found" });

    const refusing = await startRecordingSocket(() => '{"ok":false,"error":"You are not on that channel"}');
    try {
      await setSocket(refusing.path);
      const refused = await expectJson(
        await t.call(commands, { method: "POST", as: alice, body: join }),
        422,
      );
      assertEquals(refused.error, "You are not on that channel");
    } finally {
      await refusing.close();
    }

    const silent = await startRecordingSocket(() => null);
    try {
      await setSocket(silent.path);
      const started = performance.now();
      const timedOut = await expectJson(
        await t.call(commands, { method: "POST", as: alice, body: join }),
        504,
      );
      assertMatch(timedOut.error as string, /did not answer/);
      assertEquals(silent.received.map((l) => JSON.parse(l)), [join]);
      assertEquals(performance.now() - started >= COMMAND_TIMEOUT_MS - 100, true);
    } finally {
      await silent.close();
    }
  });
});

Deno.test("commands: the row cached for commands never outlives a connect, a new socket or a deletion", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const commands = `/api/servers/${server.id}/commands`;
    const privmsg = { command: "privmsg", target: "#ruby", message: "hi" };
    const send = () => t.call(commands, { method: "POST", as: alice, body: privmsg });
    // Written behind the app's back, as another process (the worker) would.
    const setSocket = (path: string | null) =>
      t.database.db.updateTable("servers").set({ socket_path: path }).where("id", "=", server.id).execute();

    // Cached without a socket; a worker comes up: the next command reaches it.
    assertEquals((await expectJson(await send(), 409)).error, "Server not connected");
    const first = await startRecordingSocket();
    const second = await startRecordingSocket();
    try {
      await setSocket(first.path);
      assertEquals(await expectJson(await send(), 200), { ok: true });
      assertEquals(first.received.length, 1);

      // Its worker goes and another one listens elsewhere: sent there, once.
      await first.close();
      await setSocket(second.path);
      assertEquals(await expectJson(await send(), 200), { ok: true });
      assertEquals(second.received.map((l) => JSON.parse(l)), [privmsg]);
      assertEquals(first.received.length, 1);
    } finally {
      await first.close().catch(() => {});
      await second.close();
    }

    // The server is gone: not found, not "not connected".
    await setSocket(null);
    await t.database.db.deleteFrom("servers").where("id", "=", server.id).execute();
    assertEquals((await expectJson(await send(), 404)).error, "Server not found");
  });
});

Deno.test("commands: beyond what flood control may hold, a command is refused with 429 and a reason", async () => {
  const irc = startFakeIrcServer();
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      // One line a minute: everything after the first waits.
      const server = await t.server(alice, {
        port: irc.port,
        nickname: "alice",
        flood_burst: 1,
        flood_interval_ms: 60_000,
      });
      await expectJson(await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice }), 202);
      await waitForStatus(t.database.db, server.id, "connected", 15_000);
      const commands = `/api/servers/${server.id}/commands`;
      // About 8 KB each: 18 or so lines, each within IRC's 512 bytes.
      const body = { command: "privmsg", target: "#ruby", message: "x".repeat(8000) };
      let refused: Response | undefined;
      let accepted = 0;
      for (let i = 0; i < 500 && refused === undefined; i++) {
        const response = await t.call(commands, { method: "POST", as: alice, body });
        if (response.status === 200) {
          accepted++;
          await response.body?.cancel();
        } else refused = response;
      }
      assert(refused !== undefined, `all ${accepted} accepted`);
      const answer = await expectJson(refused, 429);
      assertEquals(answer.code, "queue_full");
      assertMatch(String(answer.error), /Too many lines waiting to be sent/);
      // The bound is the queue's (256 KiB), not anything near the 500 tried.
      assert(accepted > 10 && accepted < 40, `${accepted} accepted`);
      // The messages API answers the same.
      const message = await expectJson(
        await t.call(`/api/servers/${server.id}/messages`, {
          method: "POST",
          as: alice,
          body: { target: "#ruby", content: "x".repeat(8000) },
        }),
        429,
      );
      assertEquals(message.code, "queue_full");
    });
  } finally {
    await irc.close();
  }
});

import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import {
  createServer,
  makeSocketDir,
  spawnWorker,
  waitForStatus,
  withWorker,
  type WorkerTestOptions,
} from "../support/worker.ts";
import { findServer, socketPathFor } from "../../lib/servers.ts";
import { LineReader } from "../../lib/lineReader.ts";
import { sql } from "kysely";

/** Sends raw bytes on a fresh connection and reads `replies` reply lines. */
async function rawRequest(path: string, bytes: string | Uint8Array, replies = 1): Promise<unknown[]> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
    const reader = new LineReader(conn.readable, 1 << 20);
    const out: unknown[] = [];
    for (let i = 0; i < replies; i++) {
      const line = await reader.next();
      if (line?.kind !== "line") throw new Error("no reply");
      out.push(JSON.parse(line.line));
    }
    return out;
  } finally {
    try {
      conn.close();
    } catch { /* the worker closed it first (stopping) */ }
  }
}

Deno.test("worker: each command yields the exact IRC line", async () => {
  await withWorker({}, async ({ irc, sender }) => {
    await sender.join("#ruby");
    await irc.waitForLine("JOIN #ruby");
    await sender.privmsg("#ruby", "Hello, world!");
    await irc.waitForLine("PRIVMSG #ruby :Hello, world!");
    await sender.notice("#ruby", "Notice");
    await irc.waitForLine("NOTICE #ruby :Notice");
    await sender.action("#ruby", "waves");
    await irc.waitForLine("PRIVMSG #ruby :\x01ACTION waves\x01");
    await sender.nick("newnick");
    await irc.waitForLine("NICK newnick");
    await sender.part("#ruby", "Goodbye");
    await irc.waitForLine("PART #ruby :Goodbye");
    await sender.join("#rust");
    await sender.part("#rust");
    await irc.waitForLine("PART #rust");
  });
});

Deno.test("worker: socket is 0600 in a 0700 folder and the row points at it", async () => {
  await withWorker({}, async ({ socketPath, database, server: { id: serverId }, worker }) => {
    const info = await Deno.stat(socketPath);
    assertEquals(info.mode! & 0o777, 0o600);
    const dir = await Deno.stat(socketPath.slice(0, socketPath.lastIndexOf("/")));
    assertEquals(dir.mode! & 0o777, 0o700);
    const row = await findServer(database.db, serverId);
    assertEquals(row?.socket_path, socketPath);
    assertEquals(row?.pid, worker.process.pid);
    assertEquals(row?.current_nickname, "tester");
  });
});

Deno.test("worker: bad input gets ok:false and nothing reaches IRC", async () => {
  await withWorker({}, async ({ irc, socketPath }) => {
    const before = irc.lines.length;
    const cases: [string, RegExp][] = [
      ["not json\n", /not valid JSON/],
      ['{"command":"explode"}\n', /unknown command/],
      ['{"command":"join"}\n', /channel is missing/],
      ['{"command":"join","channel":42}\n', /channel must be a string/],
      ['{"command":"join","channel":"ruby"}\n', /invalid channel name/],
      ['{"command":"privmsg","target":"#ruby","message":"hi\\r\\nQUIT :bye"}\n', /CR, LF or NUL/],
      ['{"command":"privmsg","target":"#ruby","message":"hi\\u0000"}\n', /CR, LF or NUL/],
      ['{"command":"privmsg","target":"#ruby\\r\\nQUIT","message":"hi"}\n', /CR, LF or NUL/],
      ['{"command":"privmsg","target":"#ruby x","message":"hi"}\n', /invalid target/],
      ['{"command":"nick","nickname":"bad nick"}\n', /invalid nickname/],
      ['{"command":"part","channel":"#ruby","message":"a\\nb"}\n', /CR, LF or NUL/],
      ['{"command":"quit","message":"bye\\r\\nJOIN #x"}\n', /CR, LF or NUL/],
      ["[1,2]\n", /JSON object/],
      ['{"command":"privmsg","target":"#ruby","message":""}\n', /must not be empty/],
      ["x".repeat(17 * 1024) + "\n", /longer than 16384 bytes/],
    ];
    for (const [input, error] of cases) {
      const [reply] = await rawRequest(socketPath, input) as { ok: boolean; error: string }[];
      assertEquals(reply.ok, false, input.slice(0, 80));
      assertMatch(reply.error, error);
    }
    // The worker still serves, and nothing was sent for the bad requests.
    const [ok] = await rawRequest(socketPath, '{"command":"join","channel":"#after"}\n');
    assertEquals(ok, { ok: true });
    await irc.waitForLine("JOIN #after");
    const sent = irc.lines.slice(before).filter((l) => !l.startsWith("PING") && !l.startsWith("PONG"));
    assertEquals(sent, ["JOIN #after"]);
  });
});

Deno.test("worker: many requests on one connection, one reply each, ids echoed", async () => {
  await withWorker({}, async ({ irc, socketPath }) => {
    const requests = [
      '{"id":1,"command":"join","channel":"#a"}',
      '{"id":"two","command":"privmsg","target":"#a","message":"one"}',
      '{"id":3,"command":"bogus"}',
      '{"command":"privmsg","target":"#a","message":"two"}',
    ].join("\n") + "\n";
    const replies = await rawRequest(socketPath, requests, 4);
    assertEquals(replies, [
      { ok: true, id: 1 },
      { ok: true, id: "two" },
      { ok: false, error: 'unknown command: "bogus"', id: 3 },
      { ok: true },
    ]);
    await irc.waitForLine("PRIVMSG #a :two");
  });
});

Deno.test("worker: a client that hangs up at once leaves the worker serving", async () => {
  await withWorker({}, async ({ irc, sender, socketPath }) => {
    for (let i = 0; i < 20; i++) {
      const conn = await Deno.connect({ transport: "unix", path: socketPath });
      if (i % 2) await conn.write(new TextEncoder().encode('{"command":"join","channel":"#hang"}\n'));
      conn.close();
    }
    // A request split across writes and a half line before hanging up.
    const conn = await Deno.connect({ transport: "unix", path: socketPath });
    await conn.write(new TextEncoder().encode('{"command":"privmsg","tar'));
    conn.close();
    await sender.privmsg("#ruby", "still here");
    await irc.waitForLine("PRIVMSG #ruby :still here");
  });
});

Deno.test("worker: a long privmsg is split into lines within 512 bytes, UTF-8 intact", async () => {
  await withWorker({}, async ({ irc, sender }) => {
    const words = Array.from({ length: 300 }, (_, i) => `wörd${i}✓`).join(" ");
    const emoji = "🎉".repeat(400);
    await sender.privmsg("#ruby", words);
    await sender.notice("#ruby", emoji);
    const privmsgs = await irc.waitForLines(/^PRIVMSG #ruby :/, 2);
    const notices = await irc.waitForLines(/^NOTICE #ruby :/, 2);
    await new Promise((r) => setTimeout(r, 100));
    const all = irc.lines.filter((l) => /^(PRIVMSG|NOTICE) #ruby :/.test(l));
    const prefix = ":tester!~tester@" + "h".repeat(63) + " ";
    for (const line of all) {
      const bytes = new TextEncoder().encode(prefix + line + "\r\n").length;
      assert(bytes <= 512, `line of ${bytes} bytes`);
      assert(!line.includes("\uFFFD"), "a character was cut");
    }
    const text = (re: RegExp) =>
      all.filter((l) => re.test(l)).map((l) => l.slice(l.indexOf(" :") + 2)).join("");
    assertEquals(text(/^PRIVMSG/), words);
    assertEquals(text(/^NOTICE/), emoji);
    assert(privmsgs.length >= 2 && notices.length >= 2);
  });
});

Deno.test("worker: quit sends QUIT, removes the socket, clears the row, exits 0", async () => {
  await withWorker({}, async ({ irc, sender, socketPath, worker, database, server: { id: serverId } }) => {
    await sender.quit("Goodbye");
    await irc.waitForLine("QUIT :Goodbye");
    const status = await worker.status;
    assertEquals(status.code, 0);
    await Deno.stat(socketPath).then(() => assert(false, "socket still there"), () => {});
    const row = await findServer(database.db, serverId);
    assertEquals([row?.socket_path, row?.pid, row?.status], [null, null, "disconnected"]);
  });
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`worker: ${signal} quits IRC, removes the socket and clears the row`, async () => {
    await withWorker({}, async ({ irc, socketPath, worker, database, server: { id: serverId } }) => {
      worker.process.kill(signal);
      const status = await worker.status;
      assertEquals(status.code, 0);
      await irc.waitForLine(/^QUIT/);
      await Deno.stat(socketPath).then(() => assert(false, "socket still there"), () => {});
      const row = await findServer(database.db, serverId);
      assertEquals([row?.socket_path, row?.pid], [null, null]);
    });
  });
}

Deno.test("worker: a stale socket file is replaced", async () => {
  const stale: WorkerTestOptions = {
    prepare: ({ socketDir, server }) => Deno.writeTextFile(socketPathFor(socketDir, server.id), "x"),
  };
  await withWorker(stale, async ({ irc, sender }) => {
    await sender.join("#stale");
    await irc.waitForLine("JOIN #stale");
  });
});

Deno.test("worker: a socket path over 107 bytes is refused at start, naming it", async () => {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  const deep = `${socketDir}/${"d".repeat(100)}`;
  await Deno.mkdir(deep, { mode: 0o700 });
  const server = await createServer(database.db, { port: 6667 });
  const worker = spawnWorker(server, database.url, deep);
  try {
    const status = await worker.status;
    assertEquals(status.code, 2);
    assertMatch(worker.stderr(), /longer than the 107 bytes/);
    assert(worker.stderr().includes(deep), "the message names the path");
  } finally {
    await worker.kill();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
});

Deno.test("worker: its permissions do not reach files outside them", async () => {
  // The worker's own flags, applied to a probe script: reading the README
  // must be refused.
  const { workerArgs } = await import("../../lib/supervisor/workerLaunch.ts");
  const socketDir = await makeSocketDir();
  const args = workerArgs({
    serverId: 1,
    ircHost: "127.0.0.1",
    ircPort: 6667,
    databaseUrl: "postgres://u:p@127.0.0.1:5432/db",
    socketDir,
  });
  const probe = `${socketDir}/probe.ts`;
  await Deno.writeTextFile(
    probe,
    `try { await Deno.readTextFile(${
      JSON.stringify(new URL("../../README.md", import.meta.url).pathname)
    }); console.log("READ"); } catch (e) { console.log(e.name); }
     try { await Deno.readTextFile(${
      JSON.stringify(socketDir)
    } + "/probe.ts"); console.log("OWN"); } catch (e) { console.log(e.name); }
     try { new Deno.Command("true").outputSync(); console.log("RAN"); } catch (e) { console.log(e.name); }`,
  );
  const flags = args.slice(0, args.indexOf(args.find((a) => a.endsWith("ircWorker.ts"))!));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...flags, `--allow-read=${socketDir}`, probe],
  })
    .output();
  await Deno.remove(socketDir, { recursive: true });
  assertEquals(new TextDecoder().decode(out.stdout).trim().split("\n"), ["NotCapable", "OWN", "NotCapable"]);
});

Deno.test("worker: a connection refused by IRC is retried until the server comes up", async () => {
  const database = await createTestDatabase();
  // Take a free port, then free it: nothing listens there yet.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const socketDir = await makeSocketDir();
  const server = await createServer(database.db, { port });
  const worker = spawnWorker(server, database.url, socketDir);
  let irc: ReturnType<typeof startFakeIrcServer> | undefined;
  try {
    await waitForStatus(database.db, server.id, "reconnecting");
    irc = startFakeIrcServerOn(port);
    await waitForStatus(database.db, server.id, "connected", 15_000);
  } catch (error) {
    console.error(worker.stderr());
    throw error;
  } finally {
    await worker.kill();
    await irc?.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
});

function startFakeIrcServerOn(port: number): ReturnType<typeof startFakeIrcServer> {
  return startFakeIrcServer({ port });
}

Deno.test("worker: a wrong server password ends in error, without a reconnect loop", async () => {
  const options = { irc: { password: "secret" }, server: { password: "wrong" }, status: "error" as const };
  await withWorker(options, async ({ irc, database, server }) => {
    const row = await findServer(database.db, server.id);
    assertMatch(row?.last_error ?? "", /password/i);
    await new Promise((r) => setTimeout(r, 2500));
    const passes = irc.lines.filter((l) => l.startsWith("PASS"));
    assertEquals(passes.length, 1, "no second attempt");
    assertEquals((await findServer(database.db, server.id))?.status, "error");
  });
});

Deno.test("worker: after an error no retry can change, commands are refused as not connected", async () => {
  const options = { irc: { password: "secret" }, server: { password: "wrong" }, status: "error" as const };
  await withWorker(options, async ({ irc, socketPath }) => {
    const [reply] = await rawRequest(
      socketPath,
      '{"command":"privmsg","target":"#a","message":"hi","id":1}\n',
    );
    const refused = reply as { ok: boolean; error: string; code: string; id: number };
    assertEquals([refused.ok, refused.code, refused.id], [false, "not_connected", 1]);
    assertMatch(refused.error, /^Server not connected: .*password/i);
    await new Promise((r) => setTimeout(r, 200));
    assertEquals(irc.lines.filter((l) => l.startsWith("PRIVMSG")), []);
  });
});

Deno.test("worker: a command arriving while it disconnects is refused, not dropped", async () => {
  await withWorker({}, async ({ irc, socketPath, worker }) => {
    // The privmsg is read after the quit was answered: the worker is stopping then.
    const replies = await rawRequest(
      socketPath,
      '{"command":"quit","message":"bye"}\n{"command":"privmsg","target":"#a","message":"late"}\n',
      2,
    );
    assertEquals(replies, [
      { ok: true },
      { ok: false, error: "Server not connected: it is disconnecting", code: "not_connected" },
    ]);
    assertEquals((await worker.status).code, 0);
    await irc.waitForLine("QUIT :bye");
    assertEquals(irc.lines.filter((l) => l.startsWith("PRIVMSG")), []);
  });
});

Deno.test("worker: lines held for a server that never came back are reported when it is disconnected", async () => {
  await withWorker({}, async ({ irc, sender, worker, database, server: { id: serverId } }) => {
    await irc.close();
    await waitForStatus(database.db, serverId, "reconnecting");
    assertEquals(await sender.privmsg("#a", "never sent"), { ok: true, queued: true });
    await sender.quit(null);
    assertEquals((await worker.status).code, 0);
    const errors = await database.db.selectFrom("messages").select("content")
      .where("server_id", "=", serverId).where("message_type", "=", "error").execute();
    assertEquals(errors.map((r) => r.content), [
      "1 line(s) typed while the server was not connected were not sent: it was disconnected first",
    ]);
  });
});

Deno.test("worker: our nick change is on the server row by the time its message is in the log", async () => {
  await withWorker({}, async ({ irc, database, server: { id } }) => {
    const client = await irc.waitForClient();
    // Someone else updating the row holds its writes back (a status write,
    // say), though not a message's insert: the nick must wait with it.
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => locked = resolve);
    const holding = database.db.transaction().execute(async (trx) => {
      await sql`select 1 from servers where id = ${id} for no key update`.execute(trx);
      locked();
      await held;
    });
    await lockTaken;
    // One statement, one snapshot: what a page reading the log and then the row could see.
    const nickWhenLogged = (async () => {
      for (;;) {
        const { rows } = await sql<{ n: string; nick: string | null }>`select
          (select count(*) from messages where server_id = ${id} and message_type = 'nick') as n,
          (select current_nickname from servers where id = ${id}) as nick`.execute(database.db);
        if (Number(rows[0].n) > 0) return rows[0].nick;
      }
    })();
    client.send(":tester!user@127.0.0.1 NICK :renamed");
    setTimeout(release, 500);
    assertEquals(await nickWhenLogged, "renamed");
    await holding;
  });
});

Deno.test("worker: a taken nick at registration gets an alternative", async () => {
  await withWorker({ irc: { takenNicks: ["tester"] } }, async ({ database, server }) => {
    assertEquals((await findServer(database.db, server.id))?.current_nickname, "tester_");
  });
});

Deno.test("worker: lines sent while IRC is down are kept and sent after reconnecting", async () => {
  await withWorker({}, async ({ irc, sender, database, server: { id: serverId } }) => {
    await sender.join("#keep");
    await irc.waitForLine("JOIN #keep");
    await waitFor(async () => (await database.db.selectFrom("channels").selectAll().execute()).length === 1);
    irc.clients[0].close();
    await waitForStatus(database.db, serverId, "reconnecting");
    const reply = await sender.privmsg("#keep", "typed while away");
    assertEquals(reply, { ok: true, queued: true });
    await waitForStatus(database.db, serverId, "connected", 10_000);
    await irc.waitForLines(/^JOIN #keep$/, 2);
    await irc.waitForLine("PRIVMSG #keep :typed while away");
  });
});

Deno.test("worker: after a reconnect only valid channel names from the server's JOINs are rejoined", async () => {
  await withWorker({}, async ({ irc, database, server: { id: serverId } }) => {
    const client = irc.clients[0];
    // What a hostile server may claim we joined: no prefix, a BEL, too long.
    client.send(":tester!t@h JOIN nochan");
    client.send(":tester!t@h JOIN #bell\x07");
    client.send(`:tester!t@h JOIN #${"x".repeat(250)}`);
    client.send(":tester!t@h JOIN #good");
    await waitFor(
      async () => (await database.db.selectFrom("channels").select("name").execute()).length >= 2,
      5000,
      "the storable channels",
    );
    client.close();
    await waitForStatus(database.db, serverId, "reconnecting");
    await waitForStatus(database.db, serverId, "connected", 10_000);
    await irc.waitForLine("JOIN #good");
    // Time for any other JOIN to show up, were there one.
    await new Promise((r) => setTimeout(r, 500));
    assertEquals(irc.lines.filter((line) => line.startsWith("JOIN")), ["JOIN #good"]);
  });
});

Deno.test("worker: a rejoin of more lines than the queue holds goes out whole, several channels a line", async () => {
  await withWorker(
    { server: { flood_burst: 5, flood_interval_ms: 1 } },
    async ({ irc, database, server: { id: serverId } }) => {
      // 2,100 channels of 200 bytes, the longest valid: two to a line, 1,050
      // lines, more than the 1,000 the outgoing queue holds for clients.
      const names = Array.from(
        { length: 2100 },
        (_, i) => `#${String(i).padStart(4, "0")}${"x".repeat(195)}`,
      );
      irc.clients[0].send(names.map((name) => `:tester!t@h JOIN ${name}`).join("\r\n"));
      await waitFor(
        async () => {
          const { n } = await database.db.selectFrom("channels").select((e) =>
            e.fn.countAll<string>().as("n")
          )
            .where("joined", "=", true).executeTakeFirstOrThrow();
          return Number(n) === names.length;
        },
        20_000,
        "every channel joined",
      );
      irc.clients[0].close();
      await waitForStatus(database.db, serverId, "reconnecting");
      await waitForStatus(database.db, serverId, "connected", 10_000);
      const joins = await irc.waitForLines(/^JOIN /, 1050, 20_000);
      assertEquals(joins.length, 1050);
      const rejoined = joins.flatMap((line) => line.slice("JOIN ".length).split(","));
      assertEquals(new Set(rejoined), new Set(names));
    },
  );
});

import { assertEquals, assertRejects } from "../support/assert.ts";
import { IrcCommandError, IrcCommandSender, WorkerConnectionPool } from "../../lib/ircCommandSender.ts";
import { startRecordingSocket } from "../support/recordingSocket.ts";

Deno.test("join sends join command to socket", async () => {
  const socket = await startRecordingSocket();
  try {
    await new IrcCommandSender({ socket_path: socket.path }).join("#ruby");
    assertEquals(socket.received, ['{"command":"join","channel":"#ruby"}']);
  } finally {
    await socket.close();
  }
});

Deno.test("privmsg sends privmsg command", async () => {
  const socket = await startRecordingSocket();
  try {
    await new IrcCommandSender({ socket_path: socket.path }).privmsg("#ruby", "Hello");
    assertEquals(socket.received, ['{"command":"privmsg","target":"#ruby","message":"Hello"}']);
  } finally {
    await socket.close();
  }
});

Deno.test("every helper sends the shape docs/api.md gives", async () => {
  const socket = await startRecordingSocket();
  try {
    const sender = new IrcCommandSender({ socket_path: socket.path });
    await sender.part("#ruby", "Goodbye");
    await sender.part("#ruby");
    await sender.notice("#ruby", "Notice");
    await sender.nick("newnick");
    await sender.action("#ruby", "waves");
    await sender.quit("Goodbye");
    assertEquals(socket.received.map((l) => JSON.parse(l)), [
      { command: "part", channel: "#ruby", message: "Goodbye" },
      { command: "part", channel: "#ruby", message: null },
      { command: "notice", target: "#ruby", message: "Notice" },
      { command: "nick", nickname: "newnick" },
      { command: "action", target: "#ruby", message: "waves" },
      { command: "quit", message: "Goodbye" },
    ]);
  } finally {
    await socket.close();
  }
});

Deno.test("raises error when server not connected", async () => {
  const error = await assertRejects(
    () => new IrcCommandSender({ socket_path: null }).join("#ruby"),
    IrcCommandError,
    "Server not connected",
  );
  assertEquals(error.kind, "not_connected");
});

Deno.test("raises error when socket file missing", async () => {
  const error = await assertRejects(
    () => new IrcCommandSender({ socket_path: "/tmp/ircweb-no-such-dir/server-1.sock" }).join("#ruby"),
    IrcCommandError,
    "Socket not found",
  );
  assertEquals(error.kind, "socket_not_found");
});

Deno.test("a worker's refusal becomes an error with its reason", async () => {
  const socket = await startRecordingSocket(() => '{"ok":false,"error":"No such channel"}');
  try {
    const error = await assertRejects(
      () => new IrcCommandSender({ socket_path: socket.path }).join("#ruby"),
      IrcCommandError,
      "No such channel",
    );
    assertEquals(error.kind, "refused");
  } finally {
    await socket.close();
  }
});

Deno.test("a worker's refusal as not connected is told apart from a bad command", async () => {
  const reply = '{"ok":false,"error":"Server not connected: it is disconnecting","code":"not_connected"}';
  const socket = await startRecordingSocket(() => reply);
  try {
    const error = await assertRejects(
      () => new IrcCommandSender({ socket_path: socket.path }).privmsg("#ruby", "hi"),
      IrcCommandError,
      "Server not connected: it is disconnecting",
    );
    assertEquals([error.kind, error.unsent], ["not_connected", false]);
  } finally {
    await socket.close();
  }
});

Deno.test("a reply that is not one of the protocol is an error, not an acceptance", async () => {
  for (
    const reply of [
      '{"ok":"yes"}',
      '{"ok":false,"error":{"text":"x"}}',
      '{"ok":false,"error":"x","code":"later"}',
    ]
  ) {
    const socket = await startRecordingSocket(() => reply);
    try {
      const error = await assertRejects(
        () => new IrcCommandSender({ socket_path: socket.path }).join("#ruby"),
        IrcCommandError,
        "The IRC worker's reply was not valid",
      );
      assertEquals(error.kind, "unavailable", reply);
    } finally {
      await socket.close();
    }
  }
});

Deno.test("a worker that does not answer times out with a clear error", async () => {
  const socket = await startRecordingSocket(() => null);
  try {
    const started = performance.now();
    const error = await assertRejects(
      () => new IrcCommandSender({ socket_path: socket.path }, { timeoutMs: 200 }).join("#ruby"),
      IrcCommandError,
      "did not answer within 200 ms",
    );
    assertEquals(error.kind, "timeout");
    const elapsed = performance.now() - started;
    if (elapsed > 1500) throw new Error(`timeout took ${elapsed} ms`);
  } finally {
    await socket.close();
  }
});

Deno.test("invalid commands are refused before anything is sent", async () => {
  const socket = await startRecordingSocket();
  try {
    const sender = new IrcCommandSender({ socket_path: socket.path });
    await assertRejects(() => sender.privmsg("#ruby", "hi\r\nQUIT :pwned"), IrcCommandError, "CR, LF or NUL");
    await assertRejects(() => sender.join("ruby channel"), IrcCommandError, "invalid channel name");
    assertEquals(socket.received, []);
  } finally {
    await socket.close();
  }
});

Deno.test("a queued reply is passed on", async () => {
  const socket = await startRecordingSocket(() => '{"ok":true,"queued":true}');
  try {
    assertEquals(await new IrcCommandSender({ socket_path: socket.path }).privmsg("#a", "x"), {
      ok: true,
      queued: true,
    });
  } finally {
    await socket.close();
  }
});

Deno.test("a pool carries commands over one kept connection, and past a worker that restarted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ircweb-pool-" });
  const path = `${dir}/server-1.sock`;
  const pool = new WorkerConnectionPool();
  let socket = await startRecordingSocket(undefined, path);
  try {
    const sender = new IrcCommandSender({ socket_path: path }, { pool });
    await sender.join("#a");
    await sender.privmsg("#a", "one");
    await sender.privmsg("#a", "two");
    assertEquals(socket.received.length, 3);
    assertEquals(socket.connections, 1, "one connection for three commands");

    // Sent together: each takes its own connection; both are kept after.
    await Promise.all([sender.privmsg("#a", "x"), sender.privmsg("#a", "y")]);
    assertEquals(socket.connections, 2);
    await sender.privmsg("#a", "z");
    assertEquals(socket.connections, 2);

    // The worker restarts on the same path: the kept connections are dead,
    // and the command goes, once, to the new worker.
    await socket.close();
    socket = await startRecordingSocket(undefined, path);
    await sender.privmsg("#a", "after restart");
    assertEquals(socket.received.map((l) => JSON.parse(l).message), ["after restart"]);

    // Gone for good: "not found", as without a pool.
    await socket.close();
    await assertRejects(() => sender.privmsg("#a", "gone"), IrcCommandError, "Socket not found");
  } finally {
    pool.close();
    await socket.close().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

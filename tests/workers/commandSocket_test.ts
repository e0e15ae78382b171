/**
 * The worker's end of the socket protocol on its own: a real Unix socket,
 * real clients writing raw bytes, and a handler that records what reached it.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import { makeSocketDir } from "../support/worker.ts";
import { listenCommandSocket, MAX_SOCKET_PATH_BYTES } from "../../workers/commandSocket.ts";
import type { CommandRequest } from "../../lib/ircCommand.ts";
import { MAX_REQUEST_BYTES } from "../../lib/ircCommand.ts";
import { LineReader } from "../../lib/lineReader.ts";
import type { Logger } from "../../lib/log.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Writes `text` on a new connection and reads `replies` reply lines. */
async function exchange(path: string, text: string, replies: number): Promise<unknown[]> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await conn.write(new TextEncoder().encode(text));
    const reader = new LineReader(conn.readable, 1 << 20);
    const out: unknown[] = [];
    for (let i = 0; i < replies; i++) {
      const line = await reader.next();
      if (line?.kind !== "line") throw new Error(`reply ${i} missing`);
      out.push(JSON.parse(line.line));
    }
    return out;
  } finally {
    conn.close();
  }
}

async function withSocket(
  fn: (t: { path: string; handled: CommandRequest[]; after: string[]; errors: string[] }) => Promise<void>,
  /** Whether the handler throws on `nick` (a bug of ours, for the socket to contain). */
  nickThrows = false,
) {
  const dir = await makeSocketDir();
  const path = `${dir}/server-1.sock`;
  const handled: CommandRequest[] = [];
  const after: string[] = [];
  const errors: string[] = [];
  const log: Logger = { ...silent, error: (m: string) => void errors.push(m) };
  const socket = await listenCommandSocket(
    path,
    (command) => {
      handled.push(command);
      if (nickThrows && command.command === "nick") throw new Error("boom");
      return { ok: true };
    },
    log,
    (command) => after.push(command.command),
  );
  try {
    await fn({ path, handled, after, errors });
  } finally {
    await socket.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("command socket: each valid command reaches the handler and is answered in order, ids echoed", async () => {
  await withSocket(async ({ path, handled, after }) => {
    const replies = await exchange(
      path,
      '{"command":"join","channel":"#a","id":1}\n{"command":"privmsg","target":"#a","message":"hi","id":"x"}\n',
      2,
    );
    assertEquals(replies, [{ ok: true, id: 1 }, { ok: true, id: "x" }]);
    assertEquals(handled.map((c) => c.command), ["join", "privmsg"]);
    assertEquals(after, ["join", "privmsg"], "after each reply");
  });
});

Deno.test("command socket: bad input is refused with a reason and never reaches the handler", async () => {
  await withSocket(async ({ path, handled, after }) => {
    const replies = await exchange(
      path,
      'not json\n{"command":"join","channel":"no","id":7}\n{"command":"explode"}\n',
      3,
    ) as { ok: boolean; error: string; id?: number }[];
    assertEquals(replies.map((r) => [r.ok, r.id]), [[false, undefined], [false, 7], [false, undefined]]);
    assertMatch(replies[0].error, /not valid JSON/);
    assertMatch(replies[1].error, /channel/);
    assertEquals([handled, after], [[], []]);
  });
});

Deno.test("command socket: a request line over the limit is refused, and the connection goes on", async () => {
  await withSocket(async ({ path, handled }) => {
    const long = `{"command":"privmsg","target":"#a","message":"${"x".repeat(MAX_REQUEST_BYTES)}"}\n`;
    const [refused, next] = await exchange(path, long + '{"command":"join","channel":"#b"}\n', 2) as {
      ok: boolean;
      error?: string;
    }[];
    assertEquals(refused.ok, false);
    assertMatch(refused.error ?? "", /longer than/);
    assertEquals(next, { ok: true });
    assertEquals(handled.map((c) => c.command), ["join"]);
  });
});

Deno.test("command socket: a handler that throws is answered as an internal error, logged, and serving goes on", async () => {
  await withSocket(
    async ({ path, errors }) => {
      const replies = await exchange(
        path,
        '{"command":"nick","nickname":"bob"}\n{"command":"join","channel":"#c"}\n',
        2,
      );
      assertEquals(replies, [{ ok: false, error: "internal error in the IRC worker" }, { ok: true }]);
      assert(errors.some((e) => /command nick failed/.test(e)), errors.join("\n"));
    },
    true,
  );
});

Deno.test("command socket: 0600, a stale file replaced, removed on close; a path too long is refused", async () => {
  const dir = await makeSocketDir();
  try {
    const path = `${dir}/server-2.sock`;
    await Deno.writeTextFile(path, "stale");
    const socket = await listenCommandSocket(path, () => ({ ok: true }), silent);
    const info = await Deno.lstat(path);
    assertEquals([info.isSocket, info.mode! & 0o777], [true, 0o600]);
    await socket.close();
    await assertRejects(() => Deno.lstat(path), Deno.errors.NotFound);
    const long = `${dir}/${"s".repeat(MAX_SOCKET_PATH_BYTES)}.sock`;
    await assertRejects(() => listenCommandSocket(long, () => ({ ok: true }), silent), Error, "longer than");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { Buffer } from "node:buffer";
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import {
  MAX_LINE_BYTES,
  MAX_TAGGED_LINE_BYTES,
  SLICE_BYTES,
  SlicingTransport,
} from "../../workers/ircTransport.ts";

/** A transport with a stand-in socket that records pausing, and the lines it parsed. */
function transport() {
  const t = new SlicingTransport({});
  const socket = {
    paused: false,
    pause() {
      this.paused = true;
    },
    resume() {
      this.paused = false;
    },
  };
  t.socket = socket;
  // What irc-framework's connect() starts a connection with.
  Object.assign(t, { incoming_buffer: Buffer.alloc(0), encoding: "utf8" });
  const lines: string[] = [];
  const events: string[] = [];
  const emitter = t as unknown as { on(event: string, f: (arg: string) => void): void };
  emitter.on("line", (line) => lines.push(line));
  emitter.on("close", () => events.push(`close after ${lines.length} lines`));
  return { t, socket, lines, events };
}

const flood = (from: number, count: number) =>
  Buffer.from(Array.from({ length: count }, (_, i) => `:bob!b@h PRIVMSG #c :line ${from + i}\r\n`).join(""));

const numbers = (lines: string[]) => lines.map((l) => Number(/line (\d+)/.exec(l)![1]));

Deno.test("irc transport: a read of normal size is parsed at once", () => {
  const { t, socket, lines } = transport();
  const data = flood(0, 100);
  assert(data.length <= SLICE_BYTES);
  t.onSocketData(data);
  assertEquals(numbers(lines), Array.from({ length: 100 }, (_, i) => i));
  assertEquals(socket.paused, false);
});

Deno.test("irc transport: a flood is parsed a slice at a time, in order, with reading paused meanwhile", async () => {
  const { t, socket, lines } = transport();
  const first = flood(0, 2000); // ~80 KB: five slices
  t.onSocketData(first);
  assert(lines.length > 0 && lines.length < 2000, `one slice parsed at once, not all (${lines.length})`);
  assert(socket.paused, "reading paused while slices wait");
  // A read that was already under way arrives behind the slices.
  t.onSocketData(flood(2000, 10));
  await waitFor(() => lines.length === 2010, 5000, "every line");
  assertEquals(numbers(lines), Array.from({ length: 2010 }, (_, i) => i));
  assertEquals(socket.paused, false, "reading resumed");
  t.disposeSocket();
});

Deno.test("irc transport: a socket that closes has its waiting slices parsed first", () => {
  const { t, lines, events } = transport();
  t.onSocketData(flood(0, 2000));
  t.onSocketClose();
  assertEquals(events, ["close after 2000 lines"]);
  assertEquals(numbers(lines), Array.from({ length: 2000 }, (_, i) => i));
});

Deno.test("irc transport: the owner's pause holds after the slices are parsed", async () => {
  const { t, socket, lines } = transport();
  t.onSocketData(flood(0, 2000));
  t.setPaused(true);
  await waitFor(() => lines.length === 2000, 5000, "every line");
  assertEquals(socket.paused, true, "still paused for the owner");
  t.setPaused(false);
  assertEquals(socket.paused, false);
  t.disposeSocket();
});

Deno.test("irc transport: a line past the IRC limit is cut there, said once; data with no newline is not kept", () => {
  const { t, lines } = transport();
  const cuts: number[] = [];
  t.reports = { lineCut: (count) => cuts.push(count), lineFailed: () => {} };
  // 100 MB with no newline, read in 64 KB chunks: irc-framework's buffer
  // of the unfinished line never holds more than the limit.
  const chunk = Buffer.alloc(64 * 1024, "a".charCodeAt(0));
  chunk.write(":bob!b@h PRIVMSG #c :", 0);
  t.onSocketData(chunk);
  for (let i = 0; i < 1600; i++) {
    t.onSocketData(Buffer.alloc(64 * 1024, "a".charCodeAt(0)));
    const held = (t as unknown as { incoming_buffer: Uint8Array }).incoming_buffer.length;
    assert(held <= MAX_LINE_BYTES, `${held} bytes held`);
  }
  t.onSocketData(Buffer.from("\r\n:bob!b@h PRIVMSG #c :after\r\n"));
  // A tagged line may be longer; a multi-byte character is not split.
  const tags = "@" + "k=v;".repeat(1000) + "x=yz "; // odd: the limit falls inside a character
  t.onSocketData(Buffer.from(tags + ":bob!b@h PRIVMSG #c :" + "é".repeat(3000) + "\r\n"));
  assertEquals(lines.length, 3);
  assertEquals(new TextEncoder().encode(lines[0]).length, MAX_LINE_BYTES - 1 + 1, "cut, then the newline");
  assert(lines[0].startsWith(":bob!b@h PRIVMSG #c :aaa"));
  assertEquals(lines[1], ":bob!b@h PRIVMSG #c :after\r\n");
  assert(!lines[2].includes("\uFFFD"), "cut at a character");
  assert(new TextEncoder().encode(lines[2]).length <= MAX_TAGGED_LINE_BYTES);
  assert(lines[2].length > MAX_LINE_BYTES);
  assertEquals(cuts, [1, 2]);
});

Deno.test("irc transport: a line whose handling throws is reported and dropped; the next lines go on", () => {
  const { t, lines } = transport();
  const failed: string[] = [];
  t.reports = { lineCut: () => {}, lineFailed: (line) => failed.push(line) };
  const emitter = t as unknown as { on(event: string, f: (arg: string) => void): void };
  emitter.on("line", (line) => {
    if (line.includes("boom")) throw new TypeError("Cannot read properties of undefined");
  });
  t.onSocketData(flood(0, 2));
  t.onSocketData(Buffer.from(":x!u@h PRIVMSG #c :boom\r\n"));
  t.onSocketData(flood(2, 2));
  assertEquals(numbers(lines.filter((l) => !l.includes("boom"))), [0, 1, 2, 3]);
  assertEquals(failed, [":x!u@h PRIVMSG #c :boom\r\n"]);
});

Deno.test("irc transport: the socket to the IRC server has Nagle's algorithm off (TCP_NODELAY)", async () => {
  // Each write is a whole line someone is waiting for: with Nagle on, a line
  // written while the server still owes an ACK for the one before waits for
  // it (up to the server's 40 ms delayed ACK). Deno records the option it
  // set on the socket under a symbol of its own; the kernel's is not readable.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const t = new SlicingTransport({ host: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port });
  const opened = new Promise<void>((resolve) =>
    (t as unknown as { once(event: string, f: () => void): void }).once("open", resolve)
  );
  (t as unknown as { connect(): void }).connect();
  const conn = await accepted;
  try {
    await opened;
    const socket = t.socket as unknown as Record<symbol, unknown>;
    const noDelay = Object.getOwnPropertySymbols(socket).find((s) => s.description === "kSetNoDelay");
    assert(noDelay !== undefined, "Deno's socket no longer records TCP_NODELAY: find another way to check");
    assertEquals(socket[noDelay], true);
  } finally {
    t.disposeSocket();
    conn.close();
    listener.close();
  }
});

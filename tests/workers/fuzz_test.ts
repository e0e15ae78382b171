/**
 * 10,000 random lines through the worker's real input path, in process:
 * its transport (bounds, per-line containment), irc-framework's parser and
 * handlers, and our event handlers. None may crash, and no failure may
 * come from our handlers. The seed is printed on failure (FUZZ_SEED=n replays it).
 */
import { Buffer } from "node:buffer";
import { assert, assertEquals } from "../support/assert.ts";
import { IrcConnection } from "../../workers/ircConnection.ts";
import { SlicingTransport } from "../../workers/ircTransport.ts";
import { ChannelUsers } from "../../workers/events/channelUsers.ts";
import { registerEventHandlers } from "../../workers/events/index.ts";
import type { Logger } from "../../lib/log.ts";
import type { NewMessageInput } from "../../lib/messages.ts";

// mulberry32: small, seeded, good enough to pick pieces.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMANDS = [
  "PRIVMSG",
  "NOTICE",
  "JOIN",
  "PART",
  "KICK",
  "NICK",
  "QUIT",
  "MODE",
  "TOPIC",
  "BATCH",
  "CAP",
  "PING",
  "ERROR",
  "INVITE",
  "AWAY",
  "ACCOUNT",
  "CHGHOST",
  "001",
  "005",
  "301",
  "311",
  "318",
  "322",
  "323",
  "332",
  "333",
  "352",
  "353",
  "366",
  "372",
  "375",
  "376",
  "401",
  "433",
  "464",
  "904",
  "xyz",
];
const PIECES = [
  "#c",
  "tester",
  "bob",
  ":",
  "",
  "=",
  "@",
  "+o",
  "-v",
  "\x01ACTION",
  "\x01",
  "*",
  "+b1",
  "-b1",
  "é",
  "\uFFFD",
];

Deno.test("fuzz: 10,000 random lines through the transport, irc-framework and our handlers, no crash", () => {
  const seed = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const irc = new IrcConnection(
    {
      host: "127.0.0.1",
      port: 1,
      tls: false,
      nick: "tester",
      username: "t",
      realname: "t",
      password: null,
      sasl: null,
      flood: { burst: 5, intervalMs: 0 },
    },
    silent,
    () => {},
  );
  const client = irc.client;
  const stored: NewMessageInput[] = [];
  registerEventHandlers({
    client,
    users: new ChannelUsers((name) => client.caseLower(name)),
    me: () => "tester",
    isMe: (nick) => nick === "tester",
    isChannel: (name) => client.network.isChannelName(name),
    store: (message) => stored.push(message),
    changeChannel: (name) => assert(typeof name === "string" && name !== "", `channel ${name}`),
  });
  const transport = new SlicingTransport({});
  Object.assign(transport, { incoming_buffer: Buffer.alloc(0), encoding: "utf8" });
  const failures: unknown[] = [];
  transport.reports = { lineCut() {}, lineFailed: (_line, error) => failures.push(error) };
  const connection = client.connection as unknown as { addReadBuffer(line: string): void };
  (transport as unknown as { on(e: string, f: (l: string) => void): void }).on(
    "line",
    (line) => connection.addReadBuffer(line),
  );
  try {
    for (let i = 0; i < 10_000; i++) {
      const parts: string[] = [];
      if (random() < 0.2) parts.push(`@${pick(["batch", "time", "a"])}=${pick(PIECES)}`);
      if (random() < 0.8) parts.push(`:${pick(["x!u@h", "fake.irc", "tester!t@h", "", "!", "@h"])}`);
      parts.push(pick(COMMANDS));
      const count = Math.floor(random() * 5);
      for (let p = 0; p < count; p++) parts.push(pick(PIECES));
      let line = parts.join(" ");
      if (random() < 0.05) line += "x".repeat(Math.floor(random() * 2000));
      const bytes = Buffer.from(line + "\r\n");
      if (random() < 0.05) bytes[Math.floor(random() * bytes.length)] = 0xff;
      transport.onSocketData(bytes);
    }
    const ours = failures.filter((e) => e instanceof Error && /workers\/events\//.test(e.stack ?? ""));
    assertEquals(ours.map(String), [], "failures in our handlers");
    assert(stored.length > 100, `only ${stored.length} events stored: the lines did not reach the handlers`);
    for (const m of stored) assert(typeof m.content === "string", JSON.stringify(m));
  } catch (error) {
    console.error(`fuzz seed: ${seed} (FUZZ_SEED=${seed} replays it)`);
    throw error;
  }
});

/**
 * The bounds on irc-framework's pending-reply caches, on a real client fed
 * lines through its own parser, as a hostile server would send them.
 */
// @ts-types="../../workers/irc-framework.d.ts"
import ircFramework from "irc-framework";
import { assert, assertEquals } from "../support/assert.ts";
import { boundReplyCaches, MAX_CACHE_CHARS, MAX_CACHE_ITEMS, MAX_CACHES } from "../../workers/replyCaches.ts";
import type { Logger } from "../../lib/log.ts";

function boundedClient() {
  const client = new ircFramework.Client();
  client.user.nick = "tester";
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
  boundReplyCaches(client, log);
  const connection = client.connection as unknown as { addReadBuffer(line: string): void };
  const caches = () =>
    (client as unknown as { command_handler: { _caches: Record<string, unknown> } }).command_handler._caches;
  return { client, warnings, line: (raw: string) => connection.addReadBuffer(raw), caches };
}

Deno.test("reply caches: a NAMES reply past the bound is cut there, said once", () => {
  const t = boundedClient();
  const users: string[][] = [];
  t.client.on("userlist", (e) => users.push(e.users.map((u) => u.nick)));
  const total = MAX_CACHE_ITEMS + 5000;
  for (let i = 0; i < total; i += 100) {
    const nicks = Array.from({ length: 100 }, (_, j) => `n${i + j}`).join(" ");
    t.line(`:srv 353 tester = #big :${nicks}`);
  }
  t.line(":srv 366 tester #big :End of /NAMES list.");
  assertEquals(users.length, 1);
  assertEquals(users[0].length, MAX_CACHE_ITEMS);
  assertEquals(users[0].slice(0, 2), ["n0", "n1"], "the first ones kept");
  assertEquals(t.warnings.filter((w) => /reply of more than/.test(w)).length, 1);
});

Deno.test("reply caches: a MOTD past the bound is cut to its characters", () => {
  const t = boundedClient();
  const motds: string[] = [];
  t.client.on("motd", (e) => motds.push(e.motd ?? ""));
  t.line(":srv 375 tester :- srv Message of the day -");
  const text = "m".repeat(400);
  for (let i = 0; i < (MAX_CACHE_CHARS / 400) * 2; i++) t.line(`:srv 372 tester :${text}`);
  t.line(":srv 376 tester :End of /MOTD command.");
  assertEquals(motds.length, 1);
  assert(motds[0].length <= MAX_CACHE_CHARS, `${motds[0].length} characters`);
  assert(motds[0].length > MAX_CACHE_CHARS - 1000, "cut at the bound, not emptied");
});

Deno.test("reply caches: past the most pending at once, the oldest is dropped", () => {
  const t = boundedClient();
  for (let i = 0; i < MAX_CACHES + 50; i++) t.line(`:srv 353 tester = #c${i} :a b`);
  const ids = Object.keys(t.caches());
  assert(ids.length <= MAX_CACHES, `${ids.length} caches`);
  assert(!ids.some((id) => id.endsWith("#c0")), "the oldest went");
  assert(ids.some((id) => id.endsWith(`#c${MAX_CACHES + 49}`)), "the newest stayed");
  assertEquals(t.warnings.filter((w) => /pending at once/.test(w)).length, 1);
});

Deno.test("reply caches: a batch that never ends is run early once too long, and its rest as it comes", () => {
  const t = boundedClient();
  (t.client.network.cap as unknown as { enabled: string[] }).enabled.push("batch", "message-tags");
  const messages: string[] = [];
  t.client.on("privmsg", (e) => messages.push(String(e.message)));
  t.line(":srv BATCH +b1 chathistory #chan");
  const total = MAX_CACHE_ITEMS + 10;
  for (let i = 0; i < total; i++) t.line(`@batch=b1 :bob!b@h PRIVMSG #chan :m${i}`);
  assertEquals(messages.length, total, "every line ran, none held for ever");
  assertEquals(messages.slice(0, 2), ["m0", "m1"]);
  assertEquals(messages.at(-1), `m${total - 1}`);
  assertEquals(t.warnings.filter((w) => /batch of more than/.test(w)).length, 1);
});

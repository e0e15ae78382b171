// The commands users type beyond talking (issue 19): parsed from a typed
// line, validated as socket commands, and turned into IRC lines that can
// carry no CR, LF or NUL and stay within 512 bytes.
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { appCommandOf, SLASH_COMMANDS, SLASH_HELP } from "../../lib/slashCommand.ts";
import { type IrcCommand, MAX_RAW_LINE_BYTES, validateCommand } from "../../lib/ircCommand.ts";
import { commandLines, IRC_LINE_BYTES } from "../../workers/messageLines.ts";
import { parseIrcFormatting } from "../../lib/ircFormat.ts";
import { command, error } from "../support/slashCommands.ts";

const me = { nick: "tester", username: "tester" };
const bytes = (s: string) => new TextEncoder().encode(s).length;

function lines(content: string, target: string | null = "#ruby"): string[] {
  const parsed = command(content, target);
  if (parsed.command === "quit" || parsed.command === "fetch_history") {
    throw new Error("no lines of its own here");
  }
  return commandLines(parsed, me);
}

Deno.test("typed commands: each becomes its IRC line", () => {
  const cases: [string, string | null, string][] = [
    ["/whois bob", "#ruby", "WHOIS bob"],
    ["/wi bob", null, "WHOIS bob"],
    ["/list", null, "LIST"],
    ["/list >100", null, "LIST >100"],
    ["/topic new topic here", "#ruby", "TOPIC #ruby :new topic here"],
    ["/topic", "#ruby", "TOPIC #ruby"],
    ["/topic #rust the topic", "#ruby", "TOPIC #rust :the topic"],
    ["/mode +m", "#ruby", "MODE #ruby +m"],
    ["/mode", "#ruby", "MODE #ruby"],
    ["/mode #rust +o-v bob carol", "#ruby", "MODE #rust +o-v bob carol"],
    ["/mode tester +i", null, "MODE tester +i"],
    ["/op bob carol", "#ruby", "MODE #ruby +oo bob carol"],
    ["/devoice bob", "#ruby", "MODE #ruby -v bob"],
    ["/invite bob", "#ruby", "INVITE bob #ruby"],
    ["/invite bob #rust", null, "INVITE bob #rust"],
    ["/away lunch, back soon", null, "AWAY :lunch, back soon"],
    ["/away", null, "AWAY"],
    ["/back", "#ruby", "AWAY"],
    ["/kick bob be nice", "#ruby", "KICK #ruby bob :be nice"],
    ["/kick #rust bob", "#ruby", "KICK #rust bob"],
    ["/ban bob", "#ruby", "MODE #ruby +b bob!*@*"],
    ["/ban *!*@spam.example", "#ruby", "MODE #ruby +b *!*@spam.example"],
    ["/unban #rust bob", null, "MODE #rust -b bob!*@*"],
    ["/raw WHO #ruby", null, "WHO #ruby"],
    ["/quote PRIVMSG NickServ :identify x", null, "PRIVMSG NickServ :identify x"],
    ["/query bob hi there", "#ruby", "PRIVMSG bob :hi there"],
  ];
  for (const [typed, target, line] of cases) assertEquals(lines(typed, target), [line], typed);
});

Deno.test("typed commands: /whois answers in the window it was typed in", () => {
  assertEquals(command("/whois bob", "#ruby"), { command: "whois", nickname: "bob", window: "#ruby" });
  assertEquals(command("/whois bob", null), { command: "whois", nickname: "bob", window: null });
});

Deno.test("typed commands: a mistyped one says how to type it", () => {
  assertMatch(error("/whois"), /Usage: \/whois nick/);
  assertMatch(error("/whois #ruby"), /invalid nickname/);
  assertMatch(error("/topic hi", "bob"), /Usage: \/topic/);
  assertMatch(error("/kick", "#ruby"), /Usage: \/kick/);
  assertMatch(error("/kick bob", null), /Usage: \/kick/);
  assertMatch(error("/ban", "#ruby"), /Usage: \/ban/);
  assertMatch(error("/invite bob", "alice"), /Usage: \/invite/);
  assertMatch(error("/mode", null), /Usage: \/mode/);
  assertMatch(error("/mode #ruby +b :evil"), /invalid mode parameter/);
  assertMatch(error("/mode #ruby o!x"), /invalid modes/);
  assertMatch(error("/raw"), /Usage: \/raw/);
  assertMatch(error("/raw QUIT :bye"), /\/quit/);
  assertMatch(error("/raw :prefix PRIVMSG x :y"), /must start with an IRC command/);
  assertMatch(error("/query bob"), /opens a window/);
  assertMatch(error("/list a b"), /Usage: \/list/);
});

Deno.test("raw lines: no CR, LF or NUL, and none over 512 bytes with CRLF", () => {
  for (const bad of ["PRIVMSG #a :x\r\nQUIT", "PRIVMSG #a :x\nJOIN #b", "WHO\0 #a", "WHO #a\r"]) {
    const checked = validateCommand({ command: "raw", line: bad });
    assert(!checked.ok, JSON.stringify(bad));
    assertMatch(checked.error, /CR, LF or NUL/);
  }
  const longest = "PRIVMSG #a :" + "é".repeat((MAX_RAW_LINE_BYTES - 12) / 2);
  assertEquals(bytes(longest), MAX_RAW_LINE_BYTES);
  const ok = validateCommand({ command: "raw", line: longest });
  assert(ok.ok);
  assertEquals(bytes(commandLines(ok.value as IrcCommand & { command: "raw" }, me)[0]) + 2, IRC_LINE_BYTES);
  const over = validateCommand({ command: "raw", line: longest + "x" });
  assert(!over.ok);
  assertMatch(over.error, /511 bytes in UTF-8; at most 510/);
});

Deno.test("reasons, topics and away messages are cut to fit one line", () => {
  for (const typed of ["/kick bob ", "/topic ", "/away "]) {
    const [line] = lines(typed + "ü".repeat(600));
    // The line as the server relays it, with the longest prefix, fits.
    assert(bytes(line) + 2 <= IRC_LINE_BYTES - 1 - 6 - 1 - 1 - 6 - 1 - 63 - 1, `${typed}: ${bytes(line)}`);
    assert(line.length > 200, typed);
  }
});

Deno.test("socket validation of the new commands refuses what a user could not type", () => {
  const refused: [unknown, RegExp][] = [
    [{ command: "whois", nickname: "a b" }, /invalid nickname/],
    [{ command: "whois", nickname: "bob", window: "a b" }, /invalid target/],
    [{ command: "list", filter: "a b" }, /one word/],
    [{ command: "topic", channel: "ruby", topic: "x" }, /invalid channel name/],
    [{ command: "topic", channel: "#ruby", topic: "x\ny" }, /CR, LF or NUL/],
    [{ command: "mode", target: "#ruby", params: ["bob"] }, /params need modes/],
    [{ command: "mode", target: "#ruby", modes: "+b", params: "bob" }, /array of strings/],
    [{ command: "mode", target: "#ruby", modes: "+b", params: ["a\rb"] }, /invalid mode parameter/],
    [{ command: "mode", target: "#ruby", modes: "+o", params: Array(13).fill("bob") }, /at most 12/],
    [{ command: "invite", nickname: "bob", channel: "ruby" }, /invalid channel name/],
    [{ command: "kick", channel: "#ruby", nickname: "bob", message: "\0" }, /CR, LF or NUL/],
    [{ command: "away", message: "x\r" }, /CR, LF or NUL/],
    [{ command: "raw", line: "   " }, /must not be empty/],
    [{ command: "raw" }, /line is missing/],
  ];
  for (const [input, reason] of refused) {
    const checked = validateCommand(input);
    assert(!checked.ok, JSON.stringify(input));
    assertMatch(checked.error, reason);
  }
  assertEquals(validateCommand({ command: "away", id: 3 }), {
    ok: true,
    value: { command: "away", message: null, id: 3 },
  });
});

Deno.test("/help, /query, /ignore and /unignore are the app's own", () => {
  assertEquals(appCommandOf("/help"), { kind: "help" });
  assertEquals(appCommandOf("/query bob"), { kind: "query", nick: "bob", text: "" });
  assertEquals(appCommandOf("/q bob hi"), { kind: "query", nick: "bob", text: "hi" });
  assertEquals(appCommandOf("/ignore"), { kind: "ignore", mask: null });
  assertEquals(appCommandOf("/ignore spam*"), { kind: "ignore", mask: "spam*" });
  assertEquals(appCommandOf("/unignore spam*"), { kind: "unignore", mask: "spam*" });
  assertEquals(appCommandOf("/unignore"), { kind: "error", error: "Usage: /unignore nick" });
  assertEquals(appCommandOf("/query #ruby"), { kind: "error", error: "Usage: /query nick [text]" });
  assertEquals(appCommandOf("/whois bob"), null);
  assertEquals(appCommandOf("hello"), null);
});

Deno.test("/help names every slash command", () => {
  const help = SLASH_HELP.map(([usage, meaning]) => `${usage} ${meaning}`).join("\n");
  for (const name of SLASH_COMMANDS) assertMatch(help, new RegExp(`/${name}\\b`), name);
});

Deno.test("a stored answer of several lines (WHOIS) keeps its line breaks when rendered; other controls go", () => {
  const spans = parseIrcFormatting("bob is ~b@h\non #ruby\x01\x07");
  assertEquals(spans.map((s) => s.text).join(""), "bob is ~b@h\non #ruby");
});

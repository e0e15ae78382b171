import { assertEquals } from "../../support/assert.ts";
import {
  ircLineCount,
  outgoingLines,
  partCount,
  textBudget,
} from "../../../islands/channel/outgoingLines.ts";
import { commandLines, lineBudget, splitText } from "../../../workers/messageLines.ts";
import { parseSlashCommand } from "../../../lib/slashCommand.ts";

Deno.test("outgoingLines: the budget and the parts are the worker's own", () => {
  for (const [head, tail] of [["PRIVMSG #ruby :", ""], ["PRIVMSG bob :\x01ACTION ", "\x01"]]) {
    assertEquals(textBudget(head, tail), lineBudget(head, tail));
  }
  const words = ["a", "héllo", "wörld", "🦕", "x".repeat(40), "long-word-without-spaces".repeat(9), " "];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 300; i++) {
    const text = Array.from(
      { length: Math.floor(random() * 120) },
      () => words[Math.floor(random() * words.length)],
    )
      .join(random() < 0.8 ? " " : "");
    const max = 4 + Math.floor(random() * 300);
    assertEquals(partCount(text, max), splitText(text, max).length, `${max}: ${JSON.stringify(text)}`);
  }
  // A whole command, as the worker turns it into lines without knowing its identity.
  const me = { nick: "x".repeat(64), username: "u".repeat(64) };
  for (const content of ["hi", "é".repeat(900), "/me " + "waves ".repeat(200)]) {
    const parsed = parseSlashCommand(content, "#ruby");
    if (!parsed.ok || parsed.command.command === "quit" || parsed.command.command === "fetch_history") {
      throw new Error("not a message");
    }
    assertEquals(ircLineCount(parsed.command), commandLines(parsed.command, me).length, content.slice(0, 20));
  }
});

Deno.test("outgoingLines: one message per line, a leading / kept as text, blank lines dropped, each checked", () => {
  const out = outgoingLines("first\n\n/usr/bin is a path\r\nthird\n", "#ruby");
  assertEquals(out.ok && out.lines, ["first", "//usr/bin is a path", "third"]);
  assertEquals(out.ok && out.commands.map((c) => c.command === "privmsg" && c.message), [
    "first",
    "/usr/bin is a path",
    "third",
  ]);
  assertEquals(out.ok && out.ircLines, 3);
  const one = outgoingLines("/me waves", "#ruby");
  assertEquals(one.ok && one.commands[0].command, "action", "one line is what it says");
  assertEquals(outgoingLines("ok\nnul \0 here", "#ruby"), {
    ok: false,
    error: `Line 2: ${(parseSlashCommand("nul \0 here", "#ruby") as { error: string }).error}`,
  });
  assertEquals(
    outgoingLines("/join #a\n/join #b", null).ok,
    false,
    "the server's window: one command at a time",
  );
});

import { assert, assertEquals } from "../support/assert.ts";
import { commandLines, lineBudget, quitLine, splitText } from "../../workers/messageLines.ts";

const me = { nick: "tester", username: "tester" };
const bytes = (s: string) => new TextEncoder().encode(s).length;

Deno.test("splitText: short text stays whole", () => {
  assertEquals(splitText("hello world", 100), ["hello world"]);
});

Deno.test("splitText: breaks after a space when one is in reach", () => {
  assertEquals(splitText("aaaa bbbb cccc", 10), ["aaaa bbbb ", "cccc"]);
});

Deno.test("splitText: a word longer than the budget is cut between characters", () => {
  assertEquals(splitText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
});

Deno.test("splitText: never cuts a multi-byte character", () => {
  for (const text of ["é".repeat(501), "✓".repeat(333), "🎉".repeat(257), "a🎉b✓ é".repeat(99)]) {
    for (const max of [4, 5, 7, 100, 401]) {
      const parts = splitText(text, max);
      assertEquals(parts.join(""), text);
      for (const part of parts) {
        assert(bytes(part) <= max, `${bytes(part)} > ${max}`);
        assert(!part.includes("\uFFFD"));
      }
    }
  }
});

Deno.test("splitText: after a space split, a long tail still fits", () => {
  const parts = splitText("a " + "b".repeat(8) + "🎉", 10);
  for (const part of parts) assert(bytes(part) <= 10);
  assertEquals(parts.join(""), "a " + "b".repeat(8) + "🎉");
});

Deno.test("commandLines: the lines of each command", () => {
  assertEquals(commandLines({ command: "join", channel: "#ruby" }, me), ["JOIN #ruby"]);
  assertEquals(commandLines({ command: "part", channel: "#ruby", message: "Goodbye" }, me), [
    "PART #ruby :Goodbye",
  ]);
  assertEquals(commandLines({ command: "part", channel: "#ruby", message: null }, me), ["PART #ruby"]);
  assertEquals(commandLines({ command: "nick", nickname: "newnick" }, me), ["NICK newnick"]);
  assertEquals(commandLines({ command: "privmsg", target: "#ruby", message: "Hello" }, me), [
    "PRIVMSG #ruby :Hello",
  ]);
  assertEquals(commandLines({ command: "notice", target: "bob", message: ":)" }, me), ["NOTICE bob ::)"]);
  assertEquals(commandLines({ command: "action", target: "#ruby", message: "waves" }, me), [
    "PRIVMSG #ruby :\x01ACTION waves\x01",
  ]);
  assertEquals(quitLine("Goodbye"), "QUIT :Goodbye");
  assertEquals(quitLine(null), "QUIT");
});

Deno.test("commandLines: long actions stay actions in every line, within 512 bytes as relayed", () => {
  const text = "x".repeat(1500);
  const lines = commandLines({ command: "action", target: "#ruby", message: text }, me);
  assert(lines.length >= 4);
  const prefix = `:${me.nick}!~${me.username}@${"h".repeat(63)} `;
  for (const line of lines) {
    assert(line.startsWith("PRIVMSG #ruby :\x01ACTION ") && line.endsWith("\x01"));
    assert(bytes(prefix + line + "\r\n") <= 512);
  }
});

Deno.test("lineBudget: a known host leaves more room than the assumed longest", () => {
  assert(lineBudget("PRIVMSG #a :", "", { ...me, host: "h" }) > lineBudget("PRIVMSG #a :", "", me));
});

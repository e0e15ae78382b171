import { assert, assertEquals } from "../support/assert.ts";
import {
  commandLines,
  cutText,
  type Identity,
  IRC_LINE_BYTES,
  joinLines,
  lineBudget,
  MAX_PREFIX_BYTES,
  quitLine,
  splitText,
} from "../../workers/messageLines.ts";
import { MAX_QUIT_MESSAGE_BYTES, validateCommand } from "../../lib/ircCommand.ts";

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

// The longest identity the app accepts (nick and username of 64 bytes, the
// longest assumed host), and one longer than that, as a server might give.
const longest: Identity = { nick: "n".repeat(64), username: "u".repeat(64) };
const longer: Identity = { nick: "n".repeat(100), username: "ü".repeat(64), host: "h".repeat(200) };
const relayed = (me: Identity, line: string) =>
  bytes(`:${me.nick}!~${me.username}@${me.host ?? "h".repeat(63)} ${line}\r\n`);

Deno.test("cutText: keeps what fits and never cuts a character", () => {
  assertEquals(cutText("hello", 10), "hello");
  assertEquals(cutText("hello", 3), "hel");
  assertEquals(cutText("a€b", 3), "a");
  assertEquals(cutText("a€b", 4), "a€");
  assertEquals(cutText("🎉🎉", 7), "🎉");
  assertEquals(cutText("abc", 0), "");
  for (const text of ["é".repeat(300), "✓".repeat(300), "🎉".repeat(300), "a🎉b✓ é".repeat(60)]) {
    for (const max of [0, 1, 2, 3, 5, 100, 307]) {
      const cut = cutText(text, max);
      assert(text.startsWith(cut) && bytes(cut) <= max && bytes(cut) > max - 4, `${max}: ${bytes(cut)}`);
      assert(!new TextDecoder().decode(new TextEncoder().encode(cut)).includes("\uFFFD"));
    }
  }
});

Deno.test("commandLines: a long PART reason is cut to fit the line as relayed, between characters", () => {
  const channel = "#" + "c".repeat(199);
  for (const identity of [me, longest, longer]) {
    for (const reason of ["€".repeat(1000), "x".repeat(1000), "a🎉".repeat(400)]) {
      const lines = commandLines({ command: "part", channel, message: reason }, identity);
      assertEquals(lines.length, 1);
      const [line] = lines;
      const head = `PART ${channel} :`;
      assert(line.startsWith(head) && reason.startsWith(line.slice(head.length)), line.slice(0, 40));
      assert(line.length > head.length, "some of the reason is kept");
      assert(bytes(line + "\r\n") <= 512, `${bytes(line)} bytes`);
      if (identity !== longer) {
        assert(relayed(identity, line) <= 512, `${relayed(identity, line)} as relayed`);
      }
    }
  }
  assertEquals(commandLines({ command: "part", channel: "#a", message: "short" }, me), ["PART #a :short"]);
});

Deno.test("quitLine: a long reason is cut to fit, whatever the identity; a short one is kept whole", () => {
  for (const identity of [undefined, me, longest, longer]) {
    for (const reason of ["€".repeat(1000), "x".repeat(2000), "🎉".repeat(300)]) {
      const line = quitLine(reason, identity);
      assert(line.startsWith("QUIT :") && reason.startsWith(line.slice(6)));
      assert(bytes(line + "\r\n") <= 512, `${bytes(line)} bytes`);
      if (identity !== longer) assert(relayed(identity ?? longest, line) <= 512);
    }
    const whole = "€".repeat(MAX_QUIT_MESSAGE_BYTES / 3);
    assertEquals(quitLine(whole, identity), `QUIT :${whole}`, "a message the API accepts goes out whole");
  }
});

Deno.test("commandLines: the longest valid target leaves room for text, whatever our identity", () => {
  const targets = ["#" + "€".repeat(66) + "x", "#" + "c".repeat(199), "n".repeat(64)];
  for (const target of targets) {
    assert(validateCommand({ command: "privmsg", target, message: "x" }).ok, target);
    for (const identity of [me, longest, longer]) {
      for (const command of ["privmsg", "notice", "action"] as const) {
        const text = "word ".repeat(300);
        const lines = commandLines({ command, target, message: text }, identity);
        assert(lines.length > 1);
        for (const line of lines) {
          assert(bytes(line + "\r\n") <= 512, `${command} ${bytes(line)} bytes`);
          if (identity !== longer) assert(relayed(identity, line) <= 512, `${command} as relayed`);
        }
      }
    }
  }
});

Deno.test("lineBudget: an identity longer than the app accepts is reckoned at the longest prefix", () => {
  assertEquals(lineBudget("QUIT :", "", longer), lineBudget("QUIT :", "", longest));
  assertEquals(lineBudget("QUIT :", "", undefined), 512 - 2 - MAX_PREFIX_BYTES - 6);
});

Deno.test("joinLines: channels share JOIN lines within 512 bytes, in order, none split or lost", () => {
  assertEquals(joinLines([]), []);
  assertEquals(joinLines(["#a", "#b", "&c"]), ["JOIN #a,#b,&c"]);
  // 2,100 channels of 200 bytes (the longest valid): two to a line.
  const long = Array.from({ length: 2100 }, (_, i) => `#${String(i).padStart(4, "0")}${"x".repeat(195)}`);
  const lines = joinLines(long);
  assertEquals(lines.length, 1050);
  for (const line of lines) assert(bytes(line) + 2 <= IRC_LINE_BYTES, `${bytes(line)} bytes`);
  assertEquals(lines.flatMap((line) => line.slice("JOIN ".length).split(",")), long);
  // Short names fill a line to the byte.
  const short = Array.from({ length: 300 }, (_, i) => `#c${i}`);
  const packed = joinLines(short);
  assertEquals(packed.flatMap((line) => line.slice(5).split(",")), short);
  for (const line of packed.slice(0, -1)) {
    assert(bytes(line) + 2 > IRC_LINE_BYTES - 7, "no room for one more");
  }
});

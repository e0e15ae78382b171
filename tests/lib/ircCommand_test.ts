import { assertEquals } from "../support/assert.ts";
import { isChannelName, isNickname, validateCommand } from "../../lib/ircCommand.ts";

Deno.test("validateCommand: accepts the card's commands as they are", () => {
  const commands = [
    { command: "join", channel: "#ruby" },
    { command: "part", channel: "#ruby", message: "Goodbye" },
    { command: "privmsg", target: "#ruby", message: "Hello" },
    { command: "notice", target: "#ruby", message: "Notice" },
    { command: "nick", nickname: "newnick" },
    { command: "quit", message: "Goodbye" },
    { command: "action", target: "bob", message: "waves" },
  ];
  for (const command of commands) {
    const result = validateCommand(command);
    assertEquals(result.ok, true, JSON.stringify(command));
  }
});

Deno.test("validateCommand: optional messages may be missing or null", () => {
  assertEquals(validateCommand({ command: "part", channel: "#a" }), {
    ok: true,
    value: { command: "part", channel: "#a", message: null },
  });
  assertEquals(validateCommand({ command: "quit", message: null, id: 7 }), {
    ok: true,
    value: { command: "quit", message: null, id: 7 },
  });
});

Deno.test("validateCommand: refuses with a reason", () => {
  const cases: [unknown, string][] = [
    [null, "command must be a JSON object"],
    [{}, "command is missing"],
    [{ command: "kill" }, 'unknown command: "kill"'],
    [{ command: "join", channel: "#a b" }, 'invalid channel name: "#a b"'],
    [{ command: "join", channel: "#a,#b" }, 'invalid channel name: "#a,#b"'],
    [{ command: "privmsg", target: "#a", message: 5 }, "message must be a string"],
    [{ command: "privmsg", target: "#a", message: "x\ry" }, "message must not contain CR, LF or NUL"],
    [{ command: "privmsg", target: "bad nick", message: "x" }, 'invalid target: "bad nick"'],
    [{ command: "nick", nickname: "1abc" }, 'invalid nickname: "1abc"'],
    [{ command: "join", channel: "#a", id: {} }, "id must be a string or a number"],
  ];
  for (const [input, error] of cases) assertEquals(validateCommand(input), { ok: false, error });
});

Deno.test("isChannelName / isNickname", () => {
  assertEquals(["#ruby", "&local", "##c++", "#ü"].map(isChannelName), [true, true, true, true]);
  assertEquals(["ruby", "#", "#a\x07", "#" + "x".repeat(200)].map(isChannelName), [
    false,
    false,
    false,
    false,
  ]);
  assertEquals(["bob", "[x]", "a-1", "_`^{|}"].map(isNickname), [true, true, true, true]);
  assertEquals(["", "-a", "9x", "a b", "a!b"].map(isNickname), [false, false, false, false, false]);
});

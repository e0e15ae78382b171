import { assertEquals, assertMatch } from "../support/assert.ts";
import {
  type CommandReply,
  isChannelName,
  isNickname,
  isQueryTarget,
  MAX_CHANNEL_BYTES,
  utf8Length,
  validateCommand,
  validateReply,
} from "../../lib/ircCommand.ts";

Deno.test("validateCommand: accepts the commands of docs/api.md as they are", () => {
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

Deno.test("validateCommand: channel names are limited in UTF-8 bytes, not characters", () => {
  const euros = "#" + "€".repeat(198); // 199 characters, 595 bytes
  const tooLong = /is a channel name of \d+ bytes in UTF-8; at most 200 are allowed/;
  for (
    const input of [
      { command: "join", channel: euros },
      { command: "part", channel: euros, message: "bye" },
      { command: "privmsg", target: euros, message: "hi" },
      { command: "notice", target: euros, message: "hi" },
      { command: "action", target: euros, message: "waves" },
      { command: "join", channel: "#" + "x".repeat(200) },
    ]
  ) {
    const result = validateCommand(input);
    assertEquals(result.ok, false, JSON.stringify(input).slice(0, 60));
    if (!result.ok) assertMatch(result.error, tooLong);
  }
  const refused = validateCommand({ command: "join", channel: euros });
  assertEquals(refused, {
    ok: false,
    error: "channel is a channel name of 595 bytes in UTF-8; at most 200 are allowed",
  });
  const longest = "#" + "€".repeat(66) + "x";
  assertEquals(utf8Length(longest), MAX_CHANNEL_BYTES);
  assertEquals(validateCommand({ command: "join", channel: longest }).ok, true);
  assertEquals(validateCommand({ command: "privmsg", target: longest, message: "hi" }).ok, true);
  assertEquals(isChannelName(longest + "x"), false);
  assertEquals(isChannelName("#" + "x".repeat(199)), true);
});

Deno.test("validateCommand: a nickname to take is RFC 2812 ASCII, at most 64 bytes", () => {
  assertEquals(validateCommand({ command: "nick", nickname: "n".repeat(64) }).ok, true);
  assertEquals(validateCommand({ command: "nick", nickname: "n".repeat(65) }).ok, false);
  assertEquals(validateCommand({ command: "nick", nickname: "né" }).ok, false);
});

Deno.test("validateCommand: a query target is whoever a network lets write to us, in one safe word", () => {
  // ZNC's *status, a UTF-8 nick (Ergo), RFC ones.
  for (const target of ["*status", "José", "søren", "bob", "[away]bob", "n".repeat(64), "é".repeat(32)]) {
    assertEquals(isQueryTarget(target), true, target);
    assertEquals(validateCommand({ command: "privmsg", target, message: "x" }).ok, true, target);
  }
  for (
    const target of [
      "",
      ":bob",
      "@bob",
      "a b",
      "a,b",
      "a\x07b",
      "a\0b",
      "bob!u@h",
      "n".repeat(65),
      "é".repeat(33),
    ]
  ) {
    assertEquals(isQueryTarget(target), false, JSON.stringify(target));
    assertEquals(
      validateCommand({ command: "privmsg", target, message: "x" }).ok,
      false,
      JSON.stringify(target),
    );
  }
  // Channels (`!` starts one too) are channels, not query targets.
  assertEquals(isQueryTarget("#ruby"), false);
  assertEquals(isQueryTarget("!bob"), false);
});

Deno.test("utf8Length: counts bytes as they go out, a lone surrogate as U+FFFD", () => {
  assertEquals([utf8Length("a"), utf8Length("é"), utf8Length("€"), utf8Length("🎉"), utf8Length("\uD800")], [
    1,
    2,
    3,
    4,
    3,
  ]);
});

Deno.test("validateReply: accepts the replies of docs/api.md as they are", () => {
  const replies: CommandReply[] = [
    { ok: true },
    { ok: true, queued: true },
    { ok: true, id: 7 },
    { ok: false, error: "No such channel" },
    { ok: false, error: "Server not connected: it is disconnecting", code: "not_connected" },
    { ok: false, error: "Too many lines are waiting", code: "queue_full", id: "a" },
  ];
  for (const reply of replies) assertEquals(validateReply(reply), { ok: true, value: reply });
});

Deno.test("validateReply: refuses what is not a reply, with a reason", () => {
  const cases: [unknown, string][] = [
    [null, "reply must be a JSON object"],
    [[{ ok: true }], "reply must be a JSON object"],
    [{ ok: "yes" }, "reply ok must be true or false"],
    [{}, "reply ok must be true or false"],
    [{ ok: true, queued: "soon" }, "reply queued must be true when present"],
    [{ ok: false }, "reply error must be a string"],
    [{ ok: false, error: { text: "x" } }, "reply error must be a string"],
    [{ ok: false, error: "x", code: "later" }, 'unknown reply code: "later"'],
    [{ ok: true, id: [1] }, "reply id must be a string or a number"],
  ];
  for (const [input, error] of cases) {
    assertEquals(validateReply(input), { ok: false, error }, JSON.stringify(input));
  }
});

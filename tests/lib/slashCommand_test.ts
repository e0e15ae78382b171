import { assertEquals, assertMatch } from "../support/assert.ts";
import { command, error } from "../support/slashCommands.ts";
import { storesMessage } from "../../lib/slashCommand.ts";

Deno.test("plain text is a message to the current target", () => {
  assertEquals(command("Hello, world!"), { command: "privmsg", target: "#ruby", message: "Hello, world!" });
  assertEquals(command("hi there", "alice"), { command: "privmsg", target: "alice", message: "hi there" });
  assertEquals(command("//etc/passwd is a file"), {
    command: "privmsg",
    target: "#ruby",
    message: "/etc/passwd is a file",
  });
  assertEquals(command("/say /not a command"), {
    command: "privmsg",
    target: "#ruby",
    message: "/not a command",
  });
  assertMatch(error("hello", null), /target is required/);
  assertMatch(error("   "), /must not be empty/);
});

Deno.test("each slash command maps to its socket command", () => {
  assertEquals(command("/me waves"), { command: "action", target: "#ruby", message: "waves" });
  assertEquals(command("/ME waves  twice"), { command: "action", target: "#ruby", message: "waves  twice" });
  assertEquals(command("/msg bob hi bob"), { command: "privmsg", target: "bob", message: "hi bob" });
  assertEquals(command("/notice #rust be nice"), { command: "notice", target: "#rust", message: "be nice" });
  assertEquals(command("/join #rust"), { command: "join", channel: "#rust" });
  assertEquals(command("/join rust"), { command: "join", channel: "#rust" });
  assertEquals(command("/j &local"), { command: "join", channel: "&local" });
  assertEquals(command("/part"), { command: "part", channel: "#ruby", message: null });
  assertEquals(command("/part see you"), { command: "part", channel: "#ruby", message: "see you" });
  assertEquals(command("/part #rust bye", "alice"), { command: "part", channel: "#rust", message: "bye" });
  assertEquals(command("/leave #rust"), { command: "part", channel: "#rust", message: null });
  assertEquals(command("/nick newnick"), { command: "nick", nickname: "newnick" });
  assertEquals(command("/quit"), { command: "quit", message: null });
  assertEquals(command("/quit Gone fishing", null), { command: "quit", message: "Gone fishing" });
});

Deno.test("bad slash commands say what is wrong", () => {
  assertMatch(error("/frobnicate now"), /Unknown command \/frobnicate/);
  assertMatch(error("/"), /command name/);
  assertMatch(error("/join"), /Usage: \/join/);
  assertMatch(error("/join #a,#b"), /invalid channel/);
  assertMatch(error("/msg bob"), /Usage: \/msg/);
  assertMatch(error("/notice"), /Usage: \/notice/);
  assertMatch(error("/me"), /Usage: \/me/);
  assertMatch(error("/nick"), /Usage: \/nick/);
  assertMatch(error("/nick two words"), /Usage: \/nick/);
  assertMatch(error("/nick 9lives"), /invalid nickname/);
  assertMatch(error("/part", "alice"), /Usage: \/part/);
  assertMatch(error("/me waves", null), /target is required/);
  assertMatch(error("hello\r\nQUIT"), /CR, LF or NUL/);
  assertMatch(error("/msg #bad,target hi"), /invalid target/);
});

Deno.test("only text to a target stores a message", () => {
  assertEquals(storesMessage(command("hi")), true);
  assertEquals(storesMessage(command("/me waves")), true);
  assertEquals(storesMessage(command("/notice bob x")), true);
  assertEquals(storesMessage(command("/join #x")), false);
  assertEquals(storesMessage(command("/nick x")), false);
  assertEquals(storesMessage(command("/quit")), false);
});

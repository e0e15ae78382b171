import { assertEquals } from "../../support/assert.ts";
import { serverMessagesHandler } from "../../../workers/events/serverMessages.ts";
import { harness } from "./harness.ts";

Deno.test("server messages handler: an error reply goes to the server window, naming what it is about", () => {
  const t = harness([serverMessagesHandler]);
  t.line(":fake.irc 404 tester #chan :Cannot send to channel");
  t.line(":fake.irc 401 tester nobody :No such nick/channel");
  assertEquals(t.brief(), [
    ["error", null, null, "#chan: Cannot send to channel"],
    ["error", null, null, "nobody: No such nick/channel"],
  ]);
});

Deno.test("server messages handler: an ERROR line is stored with its reason", () => {
  const t = harness([serverMessagesHandler]);
  t.line("ERROR :Closing Link: tester (Bad password)");
  assertEquals(t.brief(), [["error", null, null, "Closing Link: tester (Bad password)"]]);
});

Deno.test("server messages handler: a taken or refused nick is an error naming it", () => {
  const t = harness([serverMessagesHandler]);
  t.line(":fake.irc 433 tester bob :Nickname is already in use");
  t.line(":fake.irc 432 tester b@d :Erroneous nickname");
  assertEquals(t.brief(), [
    ["error", null, null, "bob: Nickname is already in use"],
    ["error", null, null, "b@d: Erroneous nickname"],
  ]);
});

Deno.test("server messages handler: the message of the day is one system message of its lines, without the last newline", () => {
  const t = harness([serverMessagesHandler]);
  t.line(":fake.irc 375 tester :- fake.irc Message of the day -");
  t.line(":fake.irc 372 tester :- line one");
  t.line(":fake.irc 372 tester :- line two");
  t.line(":fake.irc 376 tester :End of /MOTD command.");
  assertEquals(t.brief(), [[
    "system",
    null,
    null,
    "- line one\n- line two",
  ]]);
});

Deno.test("server messages handler: a missing MOTD (422) is said; an empty one stores nothing", () => {
  const t = harness([serverMessagesHandler]);
  t.line(":fake.irc 422 tester :MOTD File is missing");
  t.emit("motd", { motd: "", error: undefined });
  assertEquals(t.brief(), [["system", null, null, "MOTD File is missing"]]);
});

Deno.test("server messages handler: the ERROR answering our own QUIT is not an error, one on another connection is", () => {
  const t = harness([serverMessagesHandler]);
  // What irc-framework emits for each line it writes.
  t.emit("raw", { line: "QUIT :Leaving", from_server: false });
  t.line("ERROR :Closing connection");
  t.emit("raw", { line: "CAP LS 302", from_server: false });
  t.line("ERROR :Closing Link: tester (Ping timeout)");
  assertEquals(t.brief(), [
    ["system", null, null, "Closing connection"],
    ["error", null, null, "Closing Link: tester (Ping timeout)"],
  ]);
});

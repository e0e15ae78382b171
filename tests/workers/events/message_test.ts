import { assertEquals } from "../../support/assert.ts";
import { messageHandler } from "../../../workers/events/message.ts";
import { harness } from "./harness.ts";

Deno.test("message handler: channel messages, notices and actions go to the channel", () => {
  const t = harness([messageHandler]);
  t.line(":bob!b@h PRIVMSG #chan :hello");
  t.line(":bob!b@h PRIVMSG #chan :\x01ACTION waves\x01");
  t.line(":bob!b@h NOTICE #chan :chan notice");
  assertEquals(t.brief(), [
    ["privmsg", "#chan", "bob", "hello"],
    ["action", "#chan", "bob", "waves"],
    ["notice", "#chan", "bob", "chan notice"],
  ]);
});

Deno.test("message handler: a private message goes to a query named after the other side", () => {
  const t = harness([messageHandler]);
  t.line(":bob!b@h PRIVMSG tester :private hi");
  t.line(":bob!b@h PRIVMSG tester :\x01ACTION nods\x01");
  // Our own, echoed back (echo-message): the query is the target's.
  t.line(":tester!t@h PRIVMSG alice :in a query");
  assertEquals(t.brief(), [
    ["privmsg", "bob", "bob", "private hi"],
    ["action", "bob", "bob", "nods"],
    ["privmsg", "alice", "tester", "in a query"],
  ]);
});

Deno.test("message handler: private notices and server notices go to the server window", () => {
  const t = harness([messageHandler]);
  t.line(":NickServ!s@services NOTICE tester :please identify");
  t.line(":fake.irc NOTICE tester :*** a server notice");
  t.line(":fake.irc PRIVMSG tester :odd but possible");
  assertEquals(t.brief(), [
    ["notice", null, "NickServ", "please identify"],
    ["system", null, "fake.irc", "*** a server notice"],
    ["privmsg", null, "fake.irc", "odd but possible"],
  ]);
});

Deno.test("message handler: the server-time tag is the message's time", () => {
  const t = harness([messageHandler]);
  t.line("@time=2020-01-02T03:04:05.000Z :carol!c@h PRIVMSG #chan :from the past");
  assertEquals(t.stored[0].created_at?.toISOString(), "2020-01-02T03:04:05.000Z");
});

Deno.test("message handler: a message to no one is not stored", () => {
  const t = harness([messageHandler]);
  // (`:bob!b@h PRIVMSG`, with no target, fails in irc-framework before us.)
  t.emit("privmsg", { nick: "bob", target: "", message: "x" });
  t.emit("notice", { nick: "bob", message: "x" });
  assertEquals(t.stored, []);
});

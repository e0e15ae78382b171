import { assertEquals } from "../../support/assert.ts";
import { HANDLERS } from "../../../workers/events/index.ts";
import { harness } from "./harness.ts";

Deno.test("every handler at once: each kind of IRC event stored once, quits and nick changes in the channels they left", () => {
  const t = harness([...HANDLERS]);
  t.line(":tester!t@h JOIN #chan");
  t.line(":tester!t@h JOIN #other");
  t.line(":fake.irc 353 tester = #chan :tester bob @carol");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  t.line(":fake.irc 353 tester = #other :tester bob");
  t.line(":fake.irc 366 tester #other :End of /NAMES list.");
  const start = t.stored.length;
  for (
    const line of [
      ":bob!b@h PRIVMSG #chan :hello",
      ":bob!b@h PRIVMSG tester :private hi",
      ":bob!b@h PRIVMSG #chan :\x01ACTION waves\x01",
      ":bob!b@h NOTICE #chan :chan notice",
      ":NickServ!s@services NOTICE tester :please identify",
      ":fake.irc NOTICE tester :*** a server notice",
      ":dave!d@host.example JOIN #chan",
      ":dave!d@host.example PART #chan :bye",
      ":carol!c@h TOPIC #chan :new topic",
      ":carol!c@h MODE #chan +o bob",
      ":carol!c@h KICK #chan erin :out",
      ":bob!b@h NICK bobby",
      ":bobby!b@h QUIT :gone",
      ":fake.irc 404 tester #chan :Cannot send to channel",
    ]
  ) t.line(line);
  assertEquals(t.brief().slice(start), [
    ["privmsg", "#chan", "bob", "hello"],
    ["privmsg", "bob", "bob", "private hi"],
    ["action", "#chan", "bob", "waves"],
    ["notice", "#chan", "bob", "chan notice"],
    ["notice", null, "NickServ", "please identify"],
    ["system", null, "fake.irc", "*** a server notice"],
    ["join", "#chan", "dave", "d@host.example"],
    ["part", "#chan", "dave", "bye"],
    ["topic", "#chan", "carol", "new topic"],
    ["mode", "#chan", "carol", "+o bob"],
    ["kick", "#chan", "carol", "erin out"],
    ["nick", "#chan", "bob", "bobby"],
    ["nick", "#other", "bob", "bobby"],
    ["quit", "#chan", "bobby", "gone"],
    ["quit", "#other", "bobby", "gone"],
    ["error", null, null, "#chan: Cannot send to channel"],
  ]);
  assertEquals(t.changes, [
    { name: "#chan", change: { joined: true } },
    { name: "#other", change: { joined: true } },
    { name: "#chan", change: { topic: "new topic" } },
  ]);
});

/**
 * The members of a channel as the handlers keep them from real lines
 * (NAMES with every prefix and the hosts, the server's PREFIX from 005,
 * extended-join, prefix modes, nick changes, away-notify, account-notify,
 * CHGHOST, SETNAME), and the rows they hand to the writer.
 */
import { assertEquals } from "../../support/assert.ts";
import { HANDLERS } from "../../../workers/events/index.ts";
import { harness } from "./harness.ts";

const brief = (t: ReturnType<typeof harness>, channel = "#chan") =>
  t.users.members(channel).sort((a, b) => a.rank - b.rank || a.nick.localeCompare(b.nick))
    .map((m) => [m.prefix + m.nick, m.rank, m.user, m.host, m.account, m.away, m.realname]);

function joined() {
  const t = harness([...HANDLERS]);
  t.line(":fake.irc 005 tester PREFIX=(qaohv)~&@%+ CHANTYPES=# :are supported by this server");
  t.line(":tester!t@h JOIN #chan");
  t.line(":fake.irc 353 tester = #chan :tester!t@h @+carol!c@carol.host +dave!d@dave.host ~erin!e@e.host");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  return t;
}

Deno.test("members: NAMES keeps every prefix (multi-prefix) and the hosts (userhost-in-names), ranked by PREFIX", () => {
  const t = joined();
  assertEquals(brief(t), [
    ["~erin", 0, "e", "e.host", null, null, null],
    ["@+carol", 2, "c", "carol.host", null, null, null],
    ["+dave", 4, "d", "dave.host", null, null, null],
    ["tester", 5, "t", "h", null, null, null],
  ]);
  const last = t.memberChanges.at(-1)!;
  assertEquals(last.kind, "reset", "a NAMES reply is handed on as one change, not one per member");
  assertEquals(last.kind === "reset" && last.members.length, 4);
});

Deno.test("members: joins with extended-join, parts, kicks and quits come and go one row at a time", () => {
  const t = joined();
  (t.client.network.cap as unknown as { enabled: string[] }).enabled.push("extended-join");
  const before = t.memberChanges.length;
  t.line(":frank!f@f.host JOIN #chan frankacct :Frank Realname");
  t.line(":gina!g@g.host JOIN #chan * :Gina");
  assertEquals(brief(t).filter((m) => m[0] === "frank" || m[0] === "gina"), [
    ["frank", 5, "f", "f.host", "frankacct", null, "Frank Realname"],
    ["gina", 5, "g", "g.host", null, null, "Gina"],
  ]);
  assertEquals(t.memberChanges.slice(before).map((c) => c.kind), ["put", "put"]);
  t.line(":frank!f@f.host PART #chan :bye");
  t.line(":carol!c@carol.host KICK #chan gina :out");
  t.line(":dave!d@dave.host QUIT :gone");
  assertEquals(brief(t).map((m) => m[0]), ["~erin", "@+carol", "tester"]);
  assertEquals(t.memberChanges.slice(before + 2), [
    { kind: "remove", channel: "#chan", nick: "frank" },
    { kind: "remove", channel: "#chan", nick: "gina" },
    { kind: "remove", channel: "#chan", nick: "dave" },
  ]);
});

Deno.test("members: +o, -v and a nick change update the row; other modes change nothing", () => {
  const t = joined();
  t.line(":carol!c@carol.host MODE #chan +o-v+k dave dave key");
  assertEquals(brief(t).map((m) => m[0]), ["~erin", "@+carol", "@dave", "tester"]);
  t.line(":carol!c@carol.host MODE #chan -o+h carol carol");
  assertEquals(brief(t).map((m) => [m[0], m[1]]), [["~erin", 0], ["@dave", 2], ["%+carol", 3], [
    "tester",
    5,
  ]]);
  t.line(":dave!d@dave.host NICK :David");
  assertEquals(brief(t).map((m) => m[0]), ["~erin", "@David", "%+carol", "tester"]);
  assertEquals(t.memberChanges.slice(-2).map((c) => c.kind), ["remove", "put"]);
  const before = t.memberChanges.length;
  t.line(":carol!c@carol.host MODE #chan +m");
  t.line(":carol!c@carol.host MODE #chan +o nobody");
  assertEquals(t.memberChanges.length, before);
});

Deno.test("members: AWAY, ACCOUNT, CHGHOST and SETNAME update the member in every shared channel", () => {
  const t = joined();
  t.line(":carol!c@carol.host JOIN #other");
  t.line(":carol!c@carol.host AWAY :lunch");
  t.line(":carol!c@carol.host ACCOUNT carolacct");
  t.line(":carol!c@carol.host CHGHOST newuser new.host");
  t.line(":carol!newuser@new.host SETNAME :Carol C");
  const carol = ["@+carol", 2, "newuser", "new.host", "carolacct", "lunch", "Carol C"];
  assertEquals(brief(t)[1], carol);
  assertEquals(brief(t, "#other"), [["carol", 5, "newuser", "new.host", "carolacct", "lunch", "Carol C"]]);
  t.line(":carol!c@carol.host AWAY");
  t.line(":carol!c@carol.host ACCOUNT *");
  assertEquals(brief(t)[1].slice(4, 6), [null, null]);
  const before = t.memberChanges.length;
  t.line(":nobody!n@h AWAY :away");
  t.line(":carol!c@carol.host AWAY");
  assertEquals(t.memberChanges.length, before, "nothing changed, nothing to write");
});

Deno.test("members: our part forgets the channel, and a closed connection everything", () => {
  const t = joined();
  t.line(":tester!t@h PART #chan");
  assertEquals(t.memberChanges.at(-1), { kind: "reset", channel: "#chan", members: [] });
  assertEquals(t.users.members("#chan"), []);
  t.emit("close", undefined);
  assertEquals(t.memberChanges.at(-1), { kind: "clear" });
});

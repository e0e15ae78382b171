import { assertEquals } from "../../support/assert.ts";
import { namesHandler } from "../../../workers/events/names.ts";
import { nickHandler } from "../../../workers/events/nick.ts";
import { harness } from "./harness.ts";

function withMembers() {
  const t = harness([namesHandler, nickHandler]);
  t.line(":fake.irc 353 tester = #chan :tester bob @carol");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  t.line(":fake.irc 353 tester = #other :tester bob");
  t.line(":fake.irc 366 tester #other :End of /NAMES list.");
  return t;
}

Deno.test("nick handler: someone's change is stored in each channel we share with them", () => {
  const t = withMembers();
  t.line(":bob!b@h NICK bobby");
  t.line(":carol!c@h NICK :caroline");
  assertEquals(t.brief(), [
    ["nick", "#chan", "bob", "bobby"],
    ["nick", "#other", "bob", "bobby"],
    ["nick", "#chan", "carol", "caroline"],
  ]);
  assertEquals(t.users.channelsOf("bobby"), ["#chan", "#other"]);
  assertEquals(t.users.channelsOf("bob"), []);
});

Deno.test("nick handler: our own change goes to the server window too", () => {
  const t = withMembers();
  t.line(":tester!t@h NICK tester2");
  assertEquals(t.brief(), [
    ["nick", null, "tester", "tester2"],
    ["nick", "#chan", "tester", "tester2"],
    ["nick", "#other", "tester", "tester2"],
  ]);
});

Deno.test("nick handler: a change of someone we share no channel with is not stored; a NICK with no new nick neither", () => {
  const t = withMembers();
  t.line(":zed!z@h NICK zed2");
  t.line(":bob!b@h NICK");
  assertEquals(t.stored, []);
  assertEquals(t.users.channelsOf("bob"), ["#chan", "#other"]);
});

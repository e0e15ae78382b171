import { assertEquals } from "../../support/assert.ts";
import { namesHandler } from "../../../workers/events/names.ts";
import { quitHandler } from "../../../workers/events/quit.ts";
import { harness } from "./harness.ts";

function withMembers() {
  const t = harness([namesHandler, quitHandler]);
  t.line(":fake.irc 353 tester = #chan :tester bob @carol");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  t.line(":fake.irc 353 tester = #other :tester bob");
  t.line(":fake.irc 366 tester #other :End of /NAMES list.");
  return t;
}

Deno.test("quit handler: a quit is stored in each channel we shared with them, who then leave every list", () => {
  const t = withMembers();
  t.line(":bob!b@h QUIT :gone");
  t.line(":carol!c@h QUIT");
  assertEquals(t.brief(), [
    ["quit", "#chan", "bob", "gone"],
    ["quit", "#other", "bob", "gone"],
    ["quit", "#chan", "carol", ""],
  ]);
  assertEquals(t.users.channelsOf("bob"), []);
  t.line(":bob!b@h QUIT :again");
  assertEquals(t.stored.length, 3, "nowhere left to store it");
});

Deno.test("quit handler: our own quit and a quit with no nick are not stored", () => {
  const t = withMembers();
  t.line(":tester!t@h QUIT :bye");
  t.line("QUIT :who");
  assertEquals(t.stored, []);
  assertEquals(t.users.channelsOf("tester"), ["#chan", "#other"]);
});

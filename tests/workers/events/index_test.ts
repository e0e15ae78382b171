import { assertEquals } from "../../support/assert.ts";
import { HANDLERS } from "../../../workers/events/index.ts";
import { harness } from "./harness.ts";
import { EVERY_EVENT_LINES, EVERY_EVENT_STORED } from "./everyEvent.ts";

Deno.test("every handler at once: each kind of IRC event stored once, quits and nick changes in the channels they left", () => {
  const t = harness([...HANDLERS]);
  t.line(":tester!t@h JOIN #chan");
  t.line(":tester!t@h JOIN #other");
  t.line(":fake.irc 353 tester = #chan :tester bob @carol");
  t.line(":fake.irc 366 tester #chan :End of /NAMES list.");
  t.line(":fake.irc 353 tester = #other :tester bob");
  t.line(":fake.irc 366 tester #other :End of /NAMES list.");
  const start = t.stored.length;
  for (const line of EVERY_EVENT_LINES) t.line(line);
  assertEquals(t.brief().slice(start), EVERY_EVENT_STORED);
  assertEquals(t.changes, [
    { name: "#chan", change: { joined: true } },
    { name: "#other", change: { joined: true } },
    { name: "#chan", change: { topic: "new topic" } },
  ]);
});

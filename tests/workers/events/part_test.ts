import { assertEquals } from "../../support/assert.ts";
import { joinHandler } from "../../../workers/events/join.ts";
import { partHandler } from "../../../workers/events/part.ts";
import { harness } from "./harness.ts";

Deno.test("part handler: someone's part is stored with its reason and they leave the member list", () => {
  const t = harness([joinHandler, partHandler]);
  t.line(":dave!d@h JOIN #chan");
  t.line(":dave!d@h PART #chan :bye now");
  t.line(":erin!e@h JOIN #chan");
  t.line(":erin!e@h PART #chan :");
  assertEquals(t.brief().slice(1), [["part", "#chan", "dave", "bye now"], ["join", "#chan", "erin", "e@h"], [
    "part",
    "#chan",
    "erin",
    "",
  ]]);
  assertEquals([t.users.channelsOf("dave"), t.users.channelsOf("erin")], [[], []]);
  assertEquals(t.changes, []);
});

Deno.test("part handler: our own part marks the channel left and forgets its members", () => {
  const t = harness([joinHandler, partHandler]);
  t.line(":tester!t@h JOIN #chan");
  t.line(":dave!d@h JOIN #chan");
  t.line(":tester!t@h PART #chan :later");
  assertEquals(t.changes.at(-1), { name: "#chan", change: { joined: false } });
  assertEquals(t.users.channelsOf("dave"), []);
  assertEquals(t.brief().at(-1), ["part", "#chan", "tester", "later"]);
});

Deno.test("part handler: a PART with no channel is nowhere to store", () => {
  const t = harness([partHandler]);
  t.line(":dave!d@h PART");
  t.emit("part", { nick: "dave", channel: null });
  assertEquals([t.stored, t.changes], [[], []]);
});

import { assertEquals } from "../../support/assert.ts";
import { joinHandler } from "../../../workers/events/join.ts";
import { harness } from "./harness.ts";

Deno.test("join handler: someone's join is stored in the channel with their user@host, and tracked", () => {
  const t = harness([joinHandler]);
  t.line(":dave!d@host.example JOIN #chan");
  assertEquals(t.brief(), [["join", "#chan", "dave", "d@host.example"]]);
  assertEquals(t.changes, [], "not our channel to mark");
  assertEquals(t.users.channelsOf("dave"), ["#chan"]);
});

Deno.test("join handler: our own join marks the channel joined and starts its member list with us", () => {
  const t = harness([joinHandler]);
  t.line(":dave!d@h JOIN #chan");
  t.line(":Tester!t@h JOIN #chan");
  assertEquals(t.changes, [{ name: "#chan", change: { joined: true } }]);
  assertEquals(t.users.channelsOf("dave"), [], "the list starts over");
  assertEquals(t.users.channelsOf("tester"), ["#chan"]);
  assertEquals(t.brief()[1], ["join", "#chan", "Tester", "t@h"]);
});

Deno.test("join handler: the server-time tag is the time; without it there is none (arrival time)", () => {
  const t = harness([joinHandler]);
  t.line("@time=2020-01-02T03:04:05.000Z :dave!d@h JOIN #chan");
  t.line(":erin!e@h JOIN #chan");
  assertEquals(t.stored.map((m) => m.created_at?.toISOString()), ["2020-01-02T03:04:05.000Z", undefined]);
});

Deno.test("join handler: a JOIN with no channel or no nick is nowhere to store", () => {
  const t = harness([joinHandler]);
  t.line(":dave!d@h JOIN");
  t.line("JOIN #chan");
  t.emit("join", { nick: 42, channel: "#chan" });
  assertEquals([t.stored, t.changes], [[], []]);
});

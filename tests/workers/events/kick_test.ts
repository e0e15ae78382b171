import { assertEquals } from "../../support/assert.ts";
import { joinHandler } from "../../../workers/events/join.ts";
import { kickHandler } from "../../../workers/events/kick.ts";
import { harness } from "./harness.ts";

Deno.test("kick handler: stored as '<kicked> <reason>' from the kicker; the kicked leave the member list", () => {
  const t = harness([joinHandler, kickHandler]);
  t.line(":erin!e@h JOIN #chan");
  t.line(":carol!c@h KICK #chan erin :out");
  t.line(":frank!f@h JOIN #chan");
  t.line(":carol!c@h KICK #chan frank :");
  assertEquals(t.brief().filter((m) => m[0] === "kick"), [["kick", "#chan", "carol", "erin out"], [
    "kick",
    "#chan",
    "carol",
    "frank",
  ]]);
  assertEquals([t.users.channelsOf("erin"), t.users.channelsOf("frank")], [[], []]);
  assertEquals(t.changes, []);
});

Deno.test("kick handler: when we are kicked the channel is marked left and its members forgotten", () => {
  const t = harness([joinHandler, kickHandler]);
  t.line(":tester!t@h JOIN #chan");
  t.line(":bob!b@h JOIN #chan");
  t.line(":carol!c@h KICK #chan TESTER :bye you");
  assertEquals(t.changes.at(-1), { name: "#chan", change: { joined: false } });
  assertEquals(t.users.channelsOf("bob"), []);
  assertEquals(t.brief().at(-1), ["kick", "#chan", "carol", "TESTER bye you"]);
});

Deno.test("kick handler: a kick from the server itself has no sender; one naming no one is not stored", () => {
  const t = harness([kickHandler]);
  t.line("KICK #chan bob :flood");
  t.line(":carol!c@h KICK #chan");
  t.emit("kick", { nick: "carol", channel: "#chan", kicked: ["bob"] });
  assertEquals(t.brief(), [["kick", "#chan", null, "bob flood"]]);
});

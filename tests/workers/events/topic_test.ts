import { assertEquals } from "../../support/assert.ts";
import { topicHandler } from "../../../workers/events/topic.ts";
import { harness } from "./harness.ts";

Deno.test("topic handler: a change is stored from its setter and kept on the channel", () => {
  const t = harness([topicHandler]);
  t.line(":carol!c@h TOPIC #chan :new topic");
  t.line(":carol!c@h TOPIC #chan :");
  assertEquals(t.brief(), [["topic", "#chan", "carol", "new topic"], ["topic", "#chan", "carol", ""]]);
  assertEquals(t.changes, [{ name: "#chan", change: { topic: "new topic" } }, {
    name: "#chan",
    change: { topic: "" },
  }]);
});

Deno.test("topic handler: the topic shown on joining (332) only updates the channel", () => {
  const t = harness([topicHandler]);
  t.line(":fake.irc 332 tester #chan :the topic");
  assertEquals(t.stored, []);
  assertEquals(t.changes, [{ name: "#chan", change: { topic: "the topic" } }]);
});

Deno.test("topic handler: a 332 that names no channel changes nothing", () => {
  const t = harness([topicHandler]);
  t.line(":fake.irc 332 tester");
  t.emit("topic", { channel: 7, topic: "x", nick: "carol" });
  assertEquals([t.stored, t.changes], [[], []]);
});

import { assertEquals } from "../../support/assert.ts";
import { commandRepliesHandler } from "../../../workers/events/commandReplies.ts";
import { harness } from "./harness.ts";

Deno.test("command replies: away and back, a channel's modes and an invitation are shown where they belong", () => {
  const t = harness([commandRepliesHandler]);
  t.line(":srv 306 tester :You have been marked as being away");
  t.line(":srv 305 tester :You are no longer marked as being away");
  t.line(":srv 324 tester #ruby +ntl 50");
  t.line(":srv 329 tester #ruby 1700000000");
  t.line(":srv 341 tester bob #ruby");
  // Someone else's away (a 301 outside WHOIS) is no answer of ours.
  t.line(":srv 301 tester bob :gone");
  assertEquals(t.brief(), [
    ["system", null, null, "You have been marked as being away"],
    ["system", null, null, "You are no longer marked as being away"],
    ["system", "#ruby", null, "Modes of #ruby: +ntl 50"],
    ["system", "#ruby", null, "bob has been invited to #ruby"],
  ]);
});

Deno.test("command replies: malformed ones store nothing", () => {
  const t = harness([commandRepliesHandler]);
  t.line(":srv 324 tester");
  t.line(":srv 341 tester");
  t.emit("channel info", null);
  t.emit("invited", { nick: 3, channel: "#a" });
  assertEquals(t.stored, []);
});

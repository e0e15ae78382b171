import { assertEquals } from "../../support/assert.ts";
import { modeHandler } from "../../../workers/events/mode.ts";
import { harness } from "./harness.ts";

Deno.test("mode handler: a channel's mode change is stored as on the wire", () => {
  const t = harness([modeHandler]);
  t.line(":carol!c@h MODE #chan +o bob");
  t.line(":carol!c@h MODE #chan +ov-b bob erin *!*@spam");
  t.line(":carol!c@h MODE #chan +m");
  assertEquals(t.brief(), [
    ["mode", "#chan", "carol", "+o bob"],
    ["mode", "#chan", "carol", "+ov-b bob erin *!*@spam"],
    ["mode", "#chan", "carol", "+m"],
  ]);
});

Deno.test("mode handler: our user modes go to the server window, from the server or ourselves", () => {
  const t = harness([modeHandler]);
  t.line(":fake.irc MODE tester +i");
  t.line(":tester MODE tester :+w");
  assertEquals(t.brief(), [["mode", null, "fake.irc", "+i"], ["mode", null, "tester", "+w"]]);
});

Deno.test("mode handler: a MODE with no target is not stored; odd parameters are left out", () => {
  const t = harness([modeHandler]);
  t.line(":carol!c@h MODE");
  t.emit("mode", { nick: "carol", target: "#chan", raw_modes: "+k", raw_params: "not a list" });
  t.emit("mode", { nick: "carol", target: "#chan", raw_modes: "+l", raw_params: [5, "10", null] });
  assertEquals(t.brief(), [["mode", "#chan", "carol", "+k"], ["mode", "#chan", "carol", "+l 10"]]);
});

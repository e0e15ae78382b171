import { assertEquals } from "../../support/assert.ts";
import { eventTime, isName, textOf } from "../../../workers/events/context.ts";

Deno.test("event context: a name is a non-empty string, whatever else a malformed line leaves", () => {
  assertEquals([isName("#a"), isName(""), isName(undefined), isName(5), isName(["#a"])], [
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("event context: a missing text is empty", () => {
  assertEquals([textOf("bye"), textOf(undefined), textOf(null), textOf(3)], ["bye", "", "", ""]);
});

Deno.test("event context: the server-time tag is the time when it is a number, else none", () => {
  assertEquals(eventTime(1577934245000)?.toISOString(), "2020-01-02T03:04:05.000Z");
  assertEquals([eventTime(undefined), eventTime(NaN), eventTime(Infinity)], [
    undefined,
    undefined,
    undefined,
  ]);
});

import { assertEquals, assertThrows } from "../../support/assert.ts";
import { DEFAULT_SEEN_DELAY_MS, seenDelayFromEnv } from "../../../lib/push/pushSender.ts";

const envOf = (value: string | undefined) => (name: string) =>
  name === "PUSH_SEEN_DELAY_MS" ? value : undefined;

Deno.test("PUSH_SEEN_DELAY_MS: unset or empty is the default, a whole number of ms is taken", () => {
  assertEquals(seenDelayFromEnv(envOf(undefined)), DEFAULT_SEEN_DELAY_MS);
  assertEquals(seenDelayFromEnv(envOf("")), DEFAULT_SEEN_DELAY_MS);
  assertEquals(seenDelayFromEnv(envOf("2500")), 2500);
});

Deno.test("PUSH_SEEN_DELAY_MS: anything else stops the start with a message naming it", () => {
  for (const bad of ["0", "-5", "1.5", "1e3", "soon", "0x10"]) {
    assertThrows(() => seenDelayFromEnv(envOf(bad)), Error, "PUSH_SEEN_DELAY_MS must be");
  }
});

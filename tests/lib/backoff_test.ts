import { assertEquals } from "../support/assert.ts";
import { backoffDelay } from "../../lib/backoff.ts";

Deno.test("backoff: doubles from the base with each attempt up to the cap", () => {
  const waits = Array.from(
    { length: 9 },
    (_, attempt) => backoffDelay(attempt, { baseMs: 1000, maxMs: 60_000 }),
  );
  assertEquals(waits, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
});

Deno.test("backoff: a huge attempt count stays at the cap, also from a zero base", () => {
  assertEquals(backoffDelay(5000, { baseMs: 500, maxMs: 30_000 }), 30_000);
  assertEquals(backoffDelay(5000, { baseMs: 0, maxMs: 30_000 }), 0);
  assertEquals(backoffDelay(-1, { baseMs: 500, maxMs: 30_000 }), 500);
});

Deno.test("backoff: jitter spreads a wait over its upper half", () => {
  const options = { baseMs: 1000, maxMs: 60_000, jitter: true };
  assertEquals(backoffDelay(2, options, () => 0), 2000);
  assertEquals(backoffDelay(2, options, () => 0.5), 3000);
  assertEquals(backoffDelay(2, options, () => 0.999), 3998);
  assertEquals(backoffDelay(10, options, () => 0), 30_000);
});

import { assertEquals } from "../../support/assert.ts";
import { DEFAULT_RESTART_POLICY, RestartBackoff } from "../../../lib/supervisor/restartBackoff.ts";

Deno.test("restart backoff: 1 s doubling to 60 s, back to 1 s after a stable minute", () => {
  let now = 0;
  const backoff = new RestartBackoff(DEFAULT_RESTART_POLICY, () => now);
  const waits: number[] = [];
  // Workers that die 5 s after each start.
  for (let i = 0; i < 9; i++) {
    const startedAt = now;
    now += 5000;
    const wait = backoff.next(startedAt);
    waits.push(wait);
    now += wait;
  }
  assertEquals(waits, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  // One that ran a whole minute starts over.
  const startedAt = now;
  now += 60_000;
  assertEquals(backoff.next(startedAt), 1000);
  assertEquals(backoff.next(now), 2000);
});

import { assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createDb } from "../../../lib/db/database.ts";
import { LoginThrottle } from "../../../lib/auth/loginThrottle.ts";

Deno.test("login throttle: attempts through two app instances count together, also when sent at once", async () => {
  const database = await createTestDatabase();
  // Another instance: a pool of its own on the same database, and a throttle of its own.
  const other = createDb(database.url, { maxConnections: 4 });
  try {
    const limits = { perName: 4, perAddress: 100, windowMs: 60_000 };
    const here = new LoginThrottle(database.db, limits);
    const there = new LoginThrottle(other, limits);
    // Eight attempts at once, half through each: only the name's limit gets through.
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? here : there).attempt("alice", `10.0.0.${i}`)),
    );
    assertEquals(verdicts.filter((v) => v.allowed).length, 4);
    assertEquals((await here.check("alice", "10.0.0.99")).allowed, false);
    assertEquals((await there.check("alice", "10.0.0.99")).allowed, false);
  } finally {
    await other.destroy();
    await database.drop();
  }
});

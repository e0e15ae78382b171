import { assert, assertEquals } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { logger } from "../../../lib/log.ts";
import { ServerLeases } from "../../../lib/cluster/serverLease.ts";
import { retakeLeases } from "../../../lib/supervisor/leaseReclaim.ts";

const log = logger("test");

Deno.test("lease reclaim: the kept servers' leases are taken back; those another instance took are told", async () => {
  const database = await createTestDatabase();
  const mine = await ServerLeases.open(database.url, { log, instanceId: "a" });
  const theirs = await ServerLeases.open(database.url, { log, instanceId: "b" });
  try {
    assert(await theirs.tryAcquire(2));
    const kept = new Set([1, 2, 4]);
    const lost = await retakeLeases(mine, [1, 2, 3, 4], { keeps: (id) => kept.has(id), closed: () => false });
    assertEquals(lost, [2]);
    assertEquals(mine.heldIds().sort(), [1, 4], "a server no longer kept was taken");
    assert(!mine.holds(3));
  } finally {
    await mine.close();
    await theirs.close();
    await database.drop();
  }
});

Deno.test("lease reclaim: a failing database is tried again until the supervisor closes, which ends it", async () => {
  const database = await createTestDatabase();
  // Closed leases throw on every try, as a database that does not answer would.
  const leases = await ServerLeases.open(database.url, { log });
  await leases.close();
  try {
    let tries = 0;
    const lost = await retakeLeases(leases, [1], {
      keeps: () => {
        tries++;
        return true;
      },
      // Goes on after the first failure, and closes after the second.
      closed: () => tries >= 2,
    });
    assertEquals(lost, []);
    assertEquals(tries, 2, "a failed try was not tried again");
  } finally {
    await database.drop();
  }
});

Deno.test("lease reclaim: closed before it starts, it takes nothing", async () => {
  const database = await createTestDatabase();
  const leases = await ServerLeases.open(database.url, { log });
  try {
    assertEquals(await retakeLeases(leases, [1, 2], { keeps: () => true, closed: () => true }), []);
    assertEquals(leases.heldIds(), []);
  } finally {
    await leases.close();
    await database.drop();
  }
});

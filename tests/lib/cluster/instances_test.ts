import { assert, assertEquals, assertMatch } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { sql } from "kysely";
import pg from "pg";
import { logger } from "../../../lib/log.ts";
import {
  deriveInstanceId,
  heartbeat,
  INSTANCE_ID_PATTERN,
  type InstanceInfo,
  leaseOwners,
  liveInstances,
  ownerOf,
  registerInstance,
  removeInstance,
} from "../../../lib/cluster/instances.ts";
import { LEASE_NAMESPACE, ServerLeases } from "../../../lib/cluster/serverLease.ts";

const log = logger("test");
const A: InstanceInfo = { id: "a", url: "http://127.0.0.1:8001", weight: 1, maxWorkers: 10 };
const B: InstanceInfo = { id: "b", url: "http://127.0.0.1:8002", weight: 2, maxWorkers: 20 };

async function withDatabase(fn: (database: TestDatabase, leases: ServerLeases[]) => Promise<void>) {
  const database = await createTestDatabase();
  const leases: ServerLeases[] = [];
  try {
    await fn(database, leases);
  } finally {
    for (const l of leases) await l.close();
    await database.drop();
  }
}

/** Makes the heartbeat of `id` older than any timeout a test uses. */
async function ageHeartbeat(database: TestDatabase, id: string): Promise<void> {
  await sql`update app_instances set heartbeat_at = now() - interval '1 hour' where id = ${id}`.execute(
    database.db,
  );
}

Deno.test("instances: a derived id is a valid one, names its port, and differs each time", () => {
  const one = deriveInstanceId(8000);
  const two = deriveInstanceId(8000);
  assertMatch(one, INSTANCE_ID_PATTERN);
  assertMatch(one, /^i8000-/);
  assert(one !== two, "two instances on one port got one id");
});

Deno.test("instances: live means a fresh heartbeat and an open lease connection named after it", () =>
  withDatabase(async (database, leases) => {
    await registerInstance(database.db, B);
    await registerInstance(database.db, A);
    // Registered, but neither has its lease connection open yet.
    assertEquals(await liveInstances(database.db), []);
    leases.push(await ServerLeases.open(database.url, { log, instanceId: "a" }));
    assertEquals(await liveInstances(database.db), [A]);
    leases.push(await ServerLeases.open(database.url, { log, instanceId: "b" }));
    assertEquals(await liveInstances(database.db), [A, B], "ordered by id");
    await ageHeartbeat(database, "b");
    assertEquals(await liveInstances(database.db), [A], "a stale heartbeat is not live");
    await heartbeat(database.db, B);
    assertEquals(await liveInstances(database.db), [A, B], "the heartbeat brought it back");
    // Killed outright: its connection goes, and it stops being live at once.
    await leases[0].close();
    assertEquals(await liveInstances(database.db), [B]);
  }));

Deno.test("instances: registering again updates the row; a heartbeat after a removal writes it again", () =>
  withDatabase(async (database, leases) => {
    leases.push(await ServerLeases.open(database.url, { log, instanceId: "a" }));
    await registerInstance(database.db, A);
    const moved = { ...A, url: "http://127.0.0.1:9001", weight: 3, maxWorkers: 5 };
    await registerInstance(database.db, moved);
    assertEquals(await liveInstances(database.db), [moved]);
    await removeInstance(database.db, "a");
    assertEquals(await liveInstances(database.db), [], "a clean stop stops counting at once");
    await heartbeat(database.db, A);
    assertEquals(await liveInstances(database.db), [A]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from app_instances`.execute(
      database.db,
    );
    assertEquals(rows[0].n, 1, "one row per instance");
  }));

Deno.test("instances: a timeout shorter than the heartbeat's age leaves the instance out", () =>
  withDatabase(async (database, leases) => {
    leases.push(await ServerLeases.open(database.url, { log, instanceId: "a" }));
    await registerInstance(database.db, A);
    await sql`update app_instances set heartbeat_at = now() - interval '10 seconds'`.execute(database.db);
    assertEquals(await liveInstances(database.db, 60_000), [A]);
    assertEquals(await liveInstances(database.db, 5_000), []);
  }));

Deno.test("instances: lease owners and the owner of one server are read from the locks", () =>
  withDatabase(async (database, leases) => {
    await registerInstance(database.db, A);
    await registerInstance(database.db, B);
    const a = await ServerLeases.open(database.url, { log, instanceId: "a" });
    const b = await ServerLeases.open(database.url, { log, instanceId: "b" });
    // An older version's lease connection, named after no instance.
    const unnamed = await ServerLeases.open(database.url, { log });
    leases.push(a, b, unnamed);
    assert(await a.tryAcquire(1));
    assert(await a.tryAcquire(2));
    assert(await b.tryAcquire(3));
    assert(await unnamed.tryAcquire(4));
    assertEquals(
      [...(await leaseOwners(database.db)).entries()].sort(([x], [y]) => x - y),
      [[1, "a"], [2, "a"], [3, "b"], [4, ""]],
    );
    assertEquals(await ownerOf(database.db, 1), A);
    assertEquals(await ownerOf(database.db, 3), B);
    assertEquals(await ownerOf(database.db, 4), undefined, "held, but not by a registered instance");
    assertEquals(await ownerOf(database.db, 5), undefined, "held by nobody");
    await a.release(1);
    assertEquals(await ownerOf(database.db, 1), undefined);
    assertEquals((await leaseOwners(database.db)).has(1), false);
  }));

Deno.test("instances: advisory locks outside the lease namespace, or of another database, are no leases", () =>
  withDatabase(async (database, leases) => {
    await registerInstance(database.db, A);
    leases.push(await ServerLeases.open(database.url, { log, instanceId: "a" }));
    const other = await createTestDatabase();
    // A connection named as instance a's lease connection, on another database, and one with other locks here.
    const elsewhere = new pg.Client({ connectionString: other.url, application_name: "ircweb-leases:a" });
    const here = new pg.Client({ connectionString: database.url, application_name: "ircweb-leases:a" });
    await elsewhere.connect();
    await here.connect();
    try {
      await elsewhere.query("select pg_advisory_lock($1::int4, 7)", [LEASE_NAMESPACE]);
      await here.query("select pg_advisory_lock(12345, 8)");
      await here.query("select pg_advisory_lock(9::int8)");
      assertEquals(await leaseOwners(database.db), new Map());
      assertEquals(await ownerOf(database.db, 7), undefined);
      assertEquals(await ownerOf(database.db, 8), undefined);
      assertEquals(await ownerOf(database.db, 9), undefined);
    } finally {
      await elsewhere.end();
      await here.end();
      await other.drop();
    }
  }));

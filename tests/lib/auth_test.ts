import { assert, assertEquals, assertMatch, assertRejects, waitFor } from "../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";
import {
  hashPassword,
  MAX_WAITING_HASHES,
  PasswordsBusyError,
  verifyPassword,
} from "../../lib/auth/password.ts";
import { scryptSync } from "node:crypto";
import {
  createSession,
  deleteSession,
  findSessionUser,
  SESSION_LIFETIME_MS,
} from "../../lib/auth/sessions.ts";
import {
  createApiToken,
  deleteApiToken,
  findTokenUser,
  listApiTokens,
  listenForTokenDeletions,
} from "../../lib/auth/apiTokens.ts";
import { LoginThrottle } from "../../lib/auth/loginThrottle.ts";
import { createDb } from "../../lib/db/database.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import { checkLogin, createFirstUser, createUser, isFirstRun, UserError } from "../../lib/users.ts";

async function withDatabase(fn: (database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  try {
    await fn(database);
  } finally {
    await database.drop();
  }
}

/** A user row without the cost of hashing a password. */
async function insertUser(database: TestDatabase, name: string): Promise<number> {
  const row = await database.db.insertInto("users").values({ name, password_hash: "-" }).returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

Deno.test("password: salted scrypt hash that verifies only the right password", async () => {
  const a = await hashPassword("hunter2hunter2");
  const b = await hashPassword("hunter2hunter2");
  assertMatch(a, /^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert(a !== b, "each hash has its own salt");
  assert(!a.includes("hunter2"));
  assertEquals(await verifyPassword("hunter2hunter2", a), true);
  assertEquals(await verifyPassword("hunter2hunter3", a), false);
  assertEquals(await verifyPassword("", a), false);
  assertEquals(await verifyPassword("hunter2hunter2", "plain text"), false);
  assertEquals(await verifyPassword("x", "$scrypt$ln=40,r=8,p=1$AAAA$AAAA"), false, "absurd cost is refused");
});

Deno.test("password: a burst of hashes queues for the bounded slots and every one completes", async () => {
  const passwords = Array.from({ length: 6 }, (_, i) => `password number ${i}`);
  const hashes = await Promise.all(passwords.map(hashPassword));
  const checks = await Promise.all(hashes.map((hash, i) => verifyPassword(passwords[(i + 1) % 6], hash)));
  assertEquals(checks, [false, false, false, false, false, false]);
  assertEquals(await verifyPassword(passwords[5], hashes[5]), true);
});

Deno.test("password: past the waiting bound, a check is refused at once rather than queued", async () => {
  // A cheap hash (N = 2^10), so that a full queue costs milliseconds.
  const salt = new Uint8Array(16);
  const key = scryptSync("right", salt, 32, { N: 1024, r: 8, p: 1 });
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
  const hash = `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(new Uint8Array(key))}`;
  const results = await Promise.allSettled(
    Array.from({ length: MAX_WAITING_HASHES + 20 }, () => verifyPassword("right", hash)),
  );
  const busy = results.filter((r) => r.status === "rejected" && r.reason instanceof PasswordsBusyError);
  const checked = results.filter((r) => r.status === "fulfilled" && r.value === true);
  assert(busy.length >= 15 && busy.length <= 20, `${busy.length} refused`);
  assertEquals(busy.length + checked.length, results.length);
  assertEquals(await verifyPassword("right", hash), true, "free again once the queue drained");
});

Deno.test("users: names are unique ignoring case; wrong passwords and unknown names are refused", async () => {
  await withDatabase(async ({ db }) => {
    const alice = await createUser(db, "alice", "a good password");
    assertEquals(alice.name, "alice");
    const dup = await assertRejects(() => createUser(db, "ALICE", "another password"), UserError, "exists");
    assertEquals(dup.field, "name");
    assertEquals(
      (await assertRejects(() => createUser(db, "bad name", "long enough"), UserError)).field,
      "name",
    );
    assertEquals((await assertRejects(() => createUser(db, "bob", "short"), UserError)).field, "password");

    assertEquals(await checkLogin(db, "alice", "a good password"), alice);
    assertEquals(await checkLogin(db, "Alice", "a good password"), alice, "names match ignoring case");
    assertEquals(await checkLogin(db, "alice", "a wrong password"), undefined);
    assertEquals(await checkLogin(db, "nobody", "a good password"), undefined);
  });
});

Deno.test("users: the first user can be created only while there is none, also when racing", async () => {
  await withDatabase(async ({ db }) => {
    assertEquals(await isFirstRun(db), true);
    const results = await Promise.all([
      createFirstUser(db, "first", "first password"),
      createFirstUser(db, "second", "second password"),
    ]);
    assertEquals(results.filter((r) => r !== undefined).length, 1);
    assertEquals(await isFirstRun(db), false);
    assertEquals(await createFirstUser(db, "third", "third password"), undefined);
    const names = await db.selectFrom("users").select("name").execute();
    assertEquals(names.length, 1);
  });
});

Deno.test("sessions: stored hashed, found until expiry or logout, extended while used", async () => {
  await withDatabase(async (database) => {
    const { db } = database;
    const userId = await insertUser(database, "dave");
    const start = new Date("2030-01-01T00:00:00Z");
    const session = await createSession(db, userId, start);
    assertEquals(session.expiresAt.getTime(), start.getTime() + SESSION_LIFETIME_MS);
    const row = await db.selectFrom("sessions").selectAll().executeTakeFirstOrThrow();
    assert(row.token_hash !== session.token, "only the hash is stored");

    assertEquals(await findSessionUser(db, session.token, start), { user: { id: userId, name: "dave" } });
    assertEquals(await findSessionUser(db, session.token + "x", start), undefined);
    const expiry = new Date(start.getTime() + SESSION_LIFETIME_MS);
    assertEquals(await findSessionUser(db, session.token, expiry), undefined, "expired");

    // Used after 10 days: it now lasts until 40 days after the start.
    const later = new Date(start.getTime() + 10 * 24 * 3600_000);
    assert(await findSessionUser(db, session.token, later));
    assert(await findSessionUser(db, session.token, expiry), "extended by the use");

    await deleteSession(db, session.token);
    assertEquals(await findSessionUser(db, session.token, later), undefined, "logged out");
  });
});

Deno.test("sessions: a use reports the new expiry when, and only when, it extended the session", async () => {
  await withDatabase(async (database) => {
    const { db } = database;
    const userId = await insertUser(database, "dora");
    const start = new Date("2030-01-01T00:00:00Z");
    const session = await createSession(db, userId, start);
    const expiresAt = async () =>
      (await db.selectFrom("sessions").select("expires_at").executeTakeFirstOrThrow()).expires_at;
    const hour = 3600_000;

    // Within a day of login the row is left alone, and there is nothing to report.
    const soon = new Date(start.getTime() + 23 * hour);
    assertEquals(await findSessionUser(db, session.token, soon), { user: { id: userId, name: "dora" } });
    assertEquals(await expiresAt(), session.expiresAt);

    // Later the row is extended, and the use says until when: the cookie is sent again with it.
    const later = new Date(start.getTime() + 25 * hour);
    const extended = await findSessionUser(db, session.token, later);
    const until = new Date(later.getTime() + SESSION_LIFETIME_MS);
    assertEquals(extended, { user: { id: userId, name: "dora" }, extendedUntil: until });
    assertEquals(await expiresAt(), until);

    // The next use soon after extends nothing, so reports nothing.
    const next = new Date(later.getTime() + hour);
    assertEquals((await findSessionUser(db, session.token, next))?.extendedUntil, undefined);
    assertEquals(await expiresAt(), until);
  });
});

Deno.test("api tokens: stored hashed, work until deleted, only by their owner", async () => {
  await withDatabase(async (database) => {
    const { db } = database;
    const erin = await insertUser(database, "erin");
    const frank = await insertUser(database, "frank");
    const { token, row } = await createApiToken(db, erin, "script");
    assertEquals(row.label, "script");
    assert(row.token_hash !== token);
    assertEquals(await findTokenUser(db, token), { id: erin, name: "erin" });
    const used = await db.selectFrom("api_tokens").select("last_used_at").executeTakeFirstOrThrow();
    assert(used.last_used_at instanceof Date, "last use is recorded");
    assertEquals(await findTokenUser(db, token.slice(0, -1)), undefined);
    assertEquals(await findTokenUser(db, "not-a-token"), undefined);

    assertEquals(await deleteApiToken(db, frank, row.id), false, "not frank's token");
    assertEquals(await findTokenUser(db, token), { id: erin, name: "erin" });
    assertEquals((await listApiTokens(db, erin)).length, 1);
    assertEquals(await deleteApiToken(db, erin, row.id), true);
    assertEquals(await findTokenUser(db, token), undefined);
  });
});

Deno.test("api tokens: looked up once while the bus listens; a deletion anywhere is heard at once", async () => {
  await withDatabase(async (database) => {
    const { db } = database;
    // A second app instance: its own pool and bus on the same database.
    const otherDb = createDb(database.url, { maxConnections: 2 });
    const bus = new ServiceBus({ url: database.url, db });
    const otherBus = new ServiceBus({ url: database.url, db: otherDb });
    listenForTokenDeletions(db, bus);
    listenForTokenDeletions(otherDb, otherBus);
    try {
      const erin = await insertUser(database, "erin");
      const kept = await createApiToken(db, erin, "kept");
      const local = await createApiToken(db, erin, "deleted here");
      const remote = await createApiToken(db, erin, "deleted by the other instance");
      await findTokenUser(db, kept.token); // starts the cache and its listener
      await Promise.all([bus.ready(), otherBus.ready()]);
      for (const { token } of [kept, local, remote]) {
        assertEquals(await findTokenUser(db, token), erinUser(erin));
      }

      // Cached: a row removed behind the app's back goes unnoticed...
      await db.deleteFrom("api_tokens").where("id", "=", kept.row.id).execute();
      assertEquals(await findTokenUser(db, kept.token), erinUser(erin), "answered from the cache");

      // ...but a deletion through the app is not, in this process at once,
      assertEquals(await deleteApiToken(db, erin, local.row.id), true);
      assertEquals(await findTokenUser(db, local.token), undefined);
      // and in another process as soon as the bus delivers it.
      assertEquals(await deleteApiToken(otherDb, erin, remote.row.id), true);
      await waitFor(
        async () => (await findTokenUser(db, remote.token)) === undefined || undefined,
        5000,
        "the other instance's deletion to be heard",
      );
    } finally {
      await otherBus.close();
      await bus.close();
      await otherDb.destroy();
    }
  });
});

function erinUser(id: number) {
  return { id, name: "erin" };
}

Deno.test("login throttle: per name and per address, lifted when failures leave the window", async () => {
  await withDatabase(async ({ db }) => {
    const throttle = new LoginThrottle(db, { perName: 3, perAddress: 5, windowMs: 60_000 });
    const t0 = new Date("2030-01-01T00:00:00Z");
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

    for (let i = 0; i < 3; i++) {
      assertEquals((await throttle.check("Grace", "10.0.0.1", at(i))).allowed, true);
      await throttle.recordFailure("Grace", "10.0.0.1", at(i));
    }
    const blocked = await throttle.check("grace", "10.0.0.9", at(3));
    assertEquals(blocked, { allowed: false, retryAfterSeconds: 57 }, "the name is locked from anywhere");
    assertEquals((await throttle.check("heidi", "10.0.0.1", at(3))).allowed, true, "others are not");
    assertEquals((await throttle.check("grace", "10.0.0.1", at(61))).allowed, true, "oldest left the window");

    // Five failures from one address over different names lock the address.
    for (const name of ["ivan", "judy"]) await throttle.recordFailure(name, "10.0.0.1", at(10));
    const byAddress = await throttle.check("mallory", "10.0.0.1", at(11));
    assertEquals(byAddress.allowed, false);
    assertEquals((await throttle.check("mallory", "10.0.0.2", at(11))).allowed, true);

    await throttle.recordSuccess("GRACE");
    const left = await db.selectFrom("login_failures").select("name").execute();
    assertEquals(left.map((r) => r.name).sort(), ["ivan", "judy"]);
  });
});

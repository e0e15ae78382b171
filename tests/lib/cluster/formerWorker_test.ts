import { assertEquals, assertRejects } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createServer } from "../../support/worker.ts";
import pg from "pg";
import { dropStaleWorkerRoles, provisionWorkerRole } from "../../../lib/db/workerRoles.ts";
import { waitForFormerWorker, workerSessions } from "../../../lib/cluster/formerWorker.ts";

/** Runs `fn` with two servers; the worker roles it makes are dropped with them after. */
async function withServers(
  fn: (database: TestDatabase, ids: [number, number]) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  try {
    const a = await createServer(database.db, { port: 6667 });
    const b = await createServer(database.db, { port: 6668 });
    await fn(database, [a.id, b.id]);
    await database.db.deleteFrom("servers").execute();
    await dropStaleWorkerRoles(database.db);
  } finally {
    await database.drop();
  }
}

/** A database session under the worker role of `serverId`, as its worker holds one. */
async function workerSession(database: TestDatabase, serverId: number): Promise<pg.Client> {
  const login = await provisionWorkerRole(database.db, serverId);
  const url = new URL(database.url);
  url.username = login.user;
  url.password = login.password;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  return client;
}

Deno.test("former worker: the sessions of a server's worker role are counted, not another server's", () =>
  withServers(async (database, [a, b]) => {
    assertEquals(await workerSessions(database.db, a), 0);
    const one = await workerSession(database, a);
    const two = await workerSession(database, a);
    const other = await workerSession(database, b);
    try {
      assertEquals(await workerSessions(database.db, a), 2);
      assertEquals(await workerSessions(database.db, b), 1);
    } finally {
      await one.end();
      await two.end();
      await other.end();
    }
  }));

Deno.test("former worker: with none there is no wait; one that stays is an error after the timeout", () =>
  withServers(async (database, [a]) => {
    await waitForFormerWorker(database.db, a, 0);
    const session = await workerSession(database, a);
    try {
      await assertRejects(
        () => waitForFormerWorker(database.db, a, 300),
        Error,
        "still connected after 300 ms",
      );
    } finally {
      await session.end();
    }
  }));

Deno.test("former worker: the wait ends once the last session is gone", () =>
  withServers(async (database, [a]) => {
    const session = await workerSession(database, a);
    let ended = false;
    const ending = new Promise<void>((resolve) =>
      setTimeout(async () => {
        ended = true;
        await session.end();
        resolve();
      }, 300)
    );
    await waitForFormerWorker(database.db, a, 10_000);
    assertEquals(ended, true, "the wait ended while the session was open");
    await ending;
  }));

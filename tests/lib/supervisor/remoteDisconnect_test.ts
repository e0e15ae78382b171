import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { createUserAndServer } from "../../support/userServer.ts";
import { withWorker } from "../../support/worker.ts";
import { findServer, updateServer } from "../../../lib/servers.ts";
import { disconnectElsewhere } from "../../../lib/supervisor/remoteDisconnect.ts";
import { ServerNotFoundError } from "../../../lib/supervisor/errors.ts";

Deno.test("remote disconnect: a missing server is a typed error", async () => {
  const database = await createTestDatabase();
  try {
    const error = await assertRejects(
      () => disconnectElsewhere({ db: database.db, graceMs: 1000 }, 999, null),
      ServerNotFoundError,
    );
    assertEquals(error.serverId, 999);
  } finally {
    await database.drop();
  }
});

Deno.test("remote disconnect: the wish is recorded, then the running instance is asked with the message", async () => {
  const database = await createTestDatabase();
  try {
    const { server } = await createUserAndServer(database.db);
    await updateServer(database.db, server.id, { autoconnect: true, status: "connected" });
    const asked: [number, string | null, boolean | undefined][] = [];
    await disconnectElsewhere(
      {
        db: database.db,
        graceMs: 1000,
        remote: async (id, message) => {
          // By the time the owner is asked, a restart elsewhere would no longer connect it.
          asked.push([id, message, (await findServer(database.db, id))?.autoconnect]);
        },
      },
      server.id,
      "bye",
    );
    assertEquals(asked, [[server.id, "bye", false]]);
    // Nothing else on the row is this instance's to change.
    assertEquals((await findServer(database.db, server.id))?.status, "connected");
  } finally {
    await database.drop();
  }
});

Deno.test("remote disconnect: without a route or a socket on the row there is nobody to ask", async () => {
  const database = await createTestDatabase();
  try {
    const { server } = await createUserAndServer(database.db);
    await updateServer(database.db, server.id, { autoconnect: true });
    await disconnectElsewhere({ db: database.db, graceMs: 1000 }, server.id, null);
    assertEquals((await findServer(database.db, server.id))?.autoconnect, false);
  } finally {
    await database.drop();
  }
});

Deno.test("remote disconnect: on one host the worker is told through its socket and waited for", () =>
  withWorker({ server: { autoconnect: true } }, async ({ database, irc, server, worker }) => {
    await disconnectElsewhere({ db: database.db, graceMs: 10_000 }, server.id, "see you");
    await irc.waitForLine(/^QUIT :see you/);
    const row = await findServer(database.db, server.id);
    assertEquals([row?.pid, row?.autoconnect, row?.status], [null, false, "disconnected"]);
    assert((await worker.status).success, "the worker quit of its own accord");
  }));

Deno.test("remote disconnect: a socket nobody answers on is an error that says so", async () => {
  const database = await createTestDatabase();
  const dir = await Deno.makeTempDir();
  try {
    const { server } = await createUserAndServer(database.db);
    await updateServer(database.db, server.id, { socket_path: `${dir}/gone.sock`, pid: 1 });
    await assertRejects(
      () => disconnectElsewhere({ db: database.db, graceMs: 1000 }, server.id, null),
      Error,
      "did not take the quit",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await database.drop();
  }
});

import { assertEquals } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createServer, makeSocketDir } from "../../support/worker.ts";
import {
  type CleanupContext,
  endLeftover,
  serversToResume,
  tidyLeftover,
} from "../../../lib/supervisor/leftoverWorkers.ts";
import { findServer, socketPathFor, updateServer } from "../../../lib/servers.ts";
import type { Server } from "../../../lib/db/schema.ts";

async function withCleanup(
  fn: (t: { database: TestDatabase; ctx: CleanupContext; server: Server }) => Promise<void>,
) {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  try {
    const server = await createServer(database.db, { port: 6667 });
    await fn({ database, ctx: { db: database.db, socketDir, graceMs: 1000 }, server });
  } finally {
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}

const present = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("leftover workers: at start, autoconnect servers, rows claiming a worker and socket files are looked at", async () => {
  await withCleanup(async ({ database: { db }, ctx, server }) => {
    const claimed = await createServer(db, { port: 6667, name: "b" });
    const quiet = await createServer(db, { port: 6667, name: "c" });
    await updateServer(db, server.id, { autoconnect: true });
    await updateServer(db, claimed.id, { pid: 999_999, status: "connected" });
    await Deno.writeTextFile(socketPathFor(ctx.socketDir, 4242), "");
    const ids = await serversToResume(db, ctx.socketDir);
    assertEquals([...ids], [[server.id, true], [claimed.id, false], [4242, false]]);
    assertEquals(ids.has(quiet.id), false);
  });
});

Deno.test("leftover workers: a stale socket (nothing listens) is removed and a row claiming a worker is cleared", async () => {
  await withCleanup(async ({ database: { db }, ctx, server }) => {
    const path = socketPathFor(ctx.socketDir, server.id);
    await Deno.writeTextFile(path, "");
    await updateServer(db, server.id, { socket_path: path, status: "connected", current_nickname: "tester" });
    await tidyLeftover(ctx, server.id);
    assertEquals(await present(path), false);
    const row = await findServer(db, server.id);
    assertEquals([row?.socket_path, row?.pid, row?.status, row?.current_nickname], [
      null,
      null,
      "disconnected",
      null,
    ]);
  });
});

Deno.test("leftover workers: a refusal is recorded as the reason the server is not running", async () => {
  await withCleanup(async ({ database: { db }, ctx, server }) => {
    await tidyLeftover(ctx, server.id, "Not connected at start-up: the limit");
    const row = await findServer(db, server.id);
    assertEquals([row?.status, row?.last_error], ["error", "Not connected at start-up: the limit"]);
  });
});

Deno.test("leftover workers: the socket of a server that no longer exists is removed", async () => {
  await withCleanup(async ({ ctx }) => {
    const path = socketPathFor(ctx.socketDir, 4242);
    await Deno.writeTextFile(path, "");
    await tidyLeftover(ctx, 4242);
    assertEquals(await present(path), false);
  });
});

Deno.test("leftover workers: a socket held by a process that does not answer is removed once the quit times out", async () => {
  await withCleanup(async ({ database: { db }, ctx, server }) => {
    const path = socketPathFor(ctx.socketDir, server.id);
    // A hung worker: it accepts on its socket and never replies.
    const listener = Deno.listen({ transport: "unix", path });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) held.push(conn);
    })().catch(() => {});
    const hung = new Deno.Command(Deno.execPath(), { args: ["eval", "setTimeout(() => {}, 60_000)"] })
      .spawn();
    try {
      await updateServer(db, server.id, { socket_path: path, pid: hung.pid, status: "connected" });
      await endLeftover(ctx, (await findServer(db, server.id))!, null);
      // Killing it takes the app's full --allow-run, which the tests do not
      // have (the attempt is logged): what is checked is that nothing is left
      // claiming it, so a new worker can start.
      assertEquals(await present(path), false);
      const row = await findServer(db, server.id);
      assertEquals([row?.socket_path, row?.pid], [null, null]);
    } finally {
      try {
        hung.kill("SIGKILL");
      } catch { /* killed by the clean-up */ }
      listener.close();
      for (const conn of held) conn.close();
      await accepting;
    }
  });
});

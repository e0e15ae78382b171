import { assert, assertEquals } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createServer, makeSocketDir } from "../../support/worker.ts";
import { logger } from "../../../lib/log.ts";
import { ServerLeases } from "../../../lib/cluster/serverLease.ts";
import { findServer, socketPathFor, updateServer } from "../../../lib/servers.ts";
import type { ServerUpdate } from "../../../lib/db/schema.ts";
import { resumeServers, tidyUnderLease } from "../../../lib/supervisor/startupResume.ts";
import { WorkerLimitError } from "../../../lib/supervisor/errors.ts";

const log = logger("test");

async function withStart(fn: (database: TestDatabase, socketDir: string) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const socketDir = await makeSocketDir();
  try {
    await fn(database, socketDir);
  } finally {
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}

async function serverWith(database: TestDatabase, patch: ServerUpdate): Promise<number> {
  const server = await createServer(database.db, { port: 6667 });
  await updateServer(database.db, server.id, patch);
  return server.id;
}

Deno.test("startup resume: autoconnect servers connect, left-overs are tidied, others are left alone", () =>
  withStart(async (database, socketDir) => {
    const auto = await serverWith(database, { autoconnect: true });
    const claimed = await serverWith(database, { status: "connected" });
    const withPid = await serverWith(database, { pid: 123_456 });
    const plain = await serverWith(database, { status: "error", last_error: "x" });
    const limited = await serverWith(database, { autoconnect: true });
    const failing = await serverWith(database, { autoconnect: true });
    const after = await serverWith(database, { status: "reconnecting" });
    // A socket file of a server with no row claiming a worker.
    const orphan = 9999;
    await Deno.writeTextFile(socketPathFor(socketDir, orphan), "");
    const calls: string[] = [];
    await resumeServers({
      db: database.db,
      socketDir,
      connect(id) {
        calls.push(`connect ${id}`);
        if (id === limited) return Promise.reject(new WorkerLimitError(1));
        if (id === failing) return Promise.reject(new Error("spawn failed"));
        return Promise.resolve();
      },
      tidy(id, refusal) {
        calls.push(refusal === undefined ? `tidy ${id}` : `tidy ${id}: ${refusal}`);
        return Promise.resolve();
      },
    });
    assertEquals(calls, [
      `connect ${auto}`,
      `tidy ${claimed}`,
      `tidy ${withPid}`,
      `connect ${limited}`,
      `tidy ${limited}: Not connected at start-up: ${new WorkerLimitError(1).message}`,
      // A failure of another kind is logged and the others go on.
      `connect ${failing}`,
      `tidy ${after}`,
      `tidy ${orphan}`,
    ]);
    assert(!calls.some((c) => c.endsWith(` ${plain}`)), "a server with nothing left over was touched");
  }));

Deno.test("startup resume: a tidy that fails after the limit refusal does not stop the others", () =>
  withStart(async (database, socketDir) => {
    const limited = await serverWith(database, { autoconnect: true });
    const next = await serverWith(database, { autoconnect: true });
    const connected: number[] = [];
    await resumeServers({
      db: database.db,
      socketDir,
      connect(id) {
        if (id === limited) return Promise.reject(new WorkerLimitError(1));
        connected.push(id);
        return Promise.resolve();
      },
      tidy: () => Promise.reject(new Error("database gone")),
    });
    assertEquals(connected, [next]);
  }));

Deno.test("startup resume: tidying under the lease fixes the row and gives the lease back", () =>
  withStart(async (database, socketDir) => {
    const leases = await ServerLeases.open(database.url, { log, instanceId: "a" });
    try {
      const cleanup = { db: database.db, socketDir, graceMs: 1000 };
      const id = await serverWith(database, {
        status: "connected",
        socket_path: socketPathFor(socketDir, 1),
      });
      await tidyUnderLease(leases, cleanup, id);
      let row = await findServer(database.db, id);
      assertEquals([row?.status, row?.socket_path], ["disconnected", null]);
      assert(!leases.holds(id), "the lease was kept after the clean-up");
      await tidyUnderLease(leases, cleanup, id, "Not connected at start-up: full");
      row = await findServer(database.db, id);
      assertEquals([row?.status, row?.last_error], ["error", "Not connected at start-up: full"]);
      assert(!leases.holds(id));
    } finally {
      await leases.close();
    }
  }));

Deno.test("startup resume: a server whose lease another instance holds is not tidied", () =>
  withStart(async (database, socketDir) => {
    const mine = await ServerLeases.open(database.url, { log, instanceId: "a" });
    const theirs = await ServerLeases.open(database.url, { log, instanceId: "b" });
    try {
      const id = await serverWith(database, { status: "connected", pid: 4242 });
      assert(await theirs.tryAcquire(id));
      await tidyUnderLease(mine, { db: database.db, socketDir, graceMs: 1000 }, id);
      const row = await findServer(database.db, id);
      assertEquals([row?.status, row?.pid], ["connected", 4242], "another instance's worker was tidied away");
      assert(!mine.holds(id));
    } finally {
      await mine.close();
      await theirs.close();
    }
  }));

import { assertEquals } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createUserAndServer } from "../../support/userServer.ts";
import { ServiceBus } from "../../../lib/serviceBus.ts";
import { statusChannel } from "../../../lib/events/busChannels.ts";
import { findServer, updateServer } from "../../../lib/servers.ts";
import type { Server, ServerUpdate } from "../../../lib/db/schema.ts";
import { recordConnecting, recordHandedOver, recordStopped } from "../../../lib/supervisor/workerRows.ts";

/** A worker's row as it runs: pid, socket, nick, `connected`, autoconnect. */
const RUNNING: ServerUpdate = {
  pid: 4242,
  socket_path: "/run/ircweb/1.sock",
  current_nickname: "alice_",
  status: "connected",
  last_error: null,
  autoconnect: true,
};

interface Rows {
  database: TestDatabase;
  bus: ServiceBus;
  server: Server;
  /** The status events published on the server's status channel. */
  published: { status: string; error?: string }[];
  row(): Promise<Server>;
}

async function withRows(fn: (t: Rows) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  try {
    const { server } = await createUserAndServer(database.db);
    const published: Rows["published"] = [];
    bus.subscribe<{ status: string; error?: string }>(statusChannel(server.id), (d) => published.push(d));
    const row = async () => (await findServer(database.db, server.id))!;
    await fn({ database, bus, server, published, row });
  } finally {
    await bus.close();
    await database.drop();
  }
}

const workerFields = (s: Server) => ({
  pid: s.pid,
  socket_path: s.socket_path,
  current_nickname: s.current_nickname,
});
const NONE = { pid: null, socket_path: null, current_nickname: null };

Deno.test("worker rows: connecting clears the last worker and error, and sets autoconnect only when asked", () =>
  withRows(async ({ database, server, published, row }) => {
    const ctx = { db: database.db, bus: undefined };
    await updateServer(database.db, server.id, {
      ...RUNNING,
      autoconnect: false,
      status: "error",
      last_error: "x",
    });
    await recordConnecting(ctx, server.id, false);
    let s = await row();
    assertEquals(workerFields(s), NONE);
    assertEquals([s.status, s.last_error, s.autoconnect], ["connecting", null, false]);
    await recordConnecting(ctx, server.id, true);
    s = await row();
    assertEquals(s.autoconnect, true);
    // A restart (autoconnect not asked for) leaves the user's choice as it was.
    await recordConnecting(ctx, server.id, false);
    assertEquals((await row()).autoconnect, true);
    assertEquals(published, [], "no bus given: nothing published");
  }));

Deno.test("worker rows: connecting is published on the given bus", () =>
  withRows(async ({ database, bus, server, published }) => {
    await recordConnecting({ db: database.db, bus }, server.id, true);
    assertEquals(published.map((p) => p.status), ["connecting"]);
  }));

Deno.test("worker rows: a stop clears the worker; autoconnect stays only for a shutdown", () =>
  withRows(async ({ database, bus, server, published, row }) => {
    const ctx = { db: database.db, bus };
    await updateServer(database.db, server.id, RUNNING);
    await recordStopped(ctx, server.id, true);
    let s = await row();
    assertEquals(workerFields(s), NONE);
    assertEquals([s.status, s.last_error, s.autoconnect], ["disconnected", null, true]);
    await updateServer(database.db, server.id, RUNNING);
    await recordStopped(ctx, server.id, false);
    s = await row();
    assertEquals([s.status, s.autoconnect], ["disconnected", false]);
    assertEquals(published.map((p) => p.status), ["disconnected", "disconnected"]);
  }));

Deno.test("worker rows: a stop keeps the reason of an error and drops any other", () =>
  withRows(async ({ database, server, row }) => {
    const ctx = { db: database.db };
    await updateServer(database.db, server.id, { ...RUNNING, status: "error", last_error: "Bad password" });
    await recordStopped(ctx, server.id, false);
    let s = await row();
    assertEquals([s.status, s.last_error], ["disconnected", "Bad password"]);
    await updateServer(database.db, server.id, {
      ...RUNNING,
      status: "reconnecting",
      last_error: "Timed out",
    });
    await recordStopped(ctx, server.id, false);
    s = await row();
    assertEquals([s.status, s.last_error], ["disconnected", null]);
  }));

Deno.test("worker rows: a stop of a server deleted meanwhile writes nothing and does not fail", () =>
  withRows(async ({ database, server }) => {
    await database.db.deleteFrom("servers").where("id", "=", server.id).execute();
    await recordStopped({ db: database.db }, server.id, false);
    assertEquals(await findServer(database.db, server.id), undefined);
  }));

Deno.test("worker rows: a hand-over leaves the row reconnecting, with why, and autoconnect as it was", () =>
  withRows(async ({ database, bus, server, published, row }) => {
    await updateServer(database.db, server.id, RUNNING);
    await recordHandedOver({ db: database.db, bus }, server.id);
    const s = await row();
    assertEquals(workerFields(s), NONE);
    assertEquals([s.status, s.last_error, s.autoconnect], [
      "reconnecting",
      "Moving to another app instance",
      true,
    ]);
    assertEquals(published.map((p) => [p.status, p.error]), [[
      "reconnecting",
      "Moving to another app instance",
    ]]);
  }));

/**
 * What a test of a process that runs workers (the supervisor, the app)
 * starts from: a database of its own, a fake IRC server, a private socket
 * folder and one server row on that IRC server; all torn down after the test.
 *
 * @module
 */
import type { NewServer, Server } from "../../lib/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type FakeIrcOptions, type FakeIrcServer, startFakeIrcServer } from "./fakeIrcServer.ts";
import { createServer, makeSocketDir } from "./worker.ts";

/** What {@link withServerFixture} hands a test. */
export interface ServerFixture {
  database: TestDatabase;
  irc: FakeIrcServer;
  socketDir: string;
  /** The server row, on the fake IRC server's port. */
  server: Server;
}

/** Options of {@link withServerFixture}. */
export interface ServerFixtureOptions {
  /** How the fake IRC server behaves. */
  irc?: FakeIrcOptions;
  /** The server row's fields other than its port. */
  server?: Partial<NewServer>;
  /** Makes the socket folder (mode 0700); a temporary folder by default. */
  socketDir?: () => Promise<string>;
}

/**
 * Runs `fn` with a fresh {@link ServerFixture}; then closes the IRC server,
 * drops the database and removes the socket folder.
 */
export async function withServerFixture(
  options: ServerFixtureOptions,
  fn: (t: ServerFixture) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const irc = startFakeIrcServer(options.irc);
  const socketDir = await (options.socketDir ?? makeSocketDir)();
  try {
    const server = await createServer(database.db, { ...options.server, port: irc.port });
    await fn({ database, irc, socketDir, server });
  } finally {
    await irc.close();
    await database.drop();
    await Deno.remove(socketDir, { recursive: true });
  }
}

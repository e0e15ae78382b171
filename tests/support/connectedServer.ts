/**
 * A server of a user of the test app on a fake IRC server, connected through
 * the API as the browser connects it: when the test runs, its worker is on
 * IRC and registered.
 *
 * @module
 */
import type { NewServer, Server } from "../../lib/db/schema.ts";
import type { TestApp, TestUser } from "../routes/testApp.ts";
import { expectJson } from "../routes/testApp.ts";
import {
  type FakeClient,
  type FakeIrcOptions,
  type FakeIrcServer,
  startFakeIrcServer,
} from "./fakeIrcServer.ts";
import { waitForStatus } from "./worker.ts";

/** What {@link withConnectedServer} hands a test. */
export interface ConnectedServer {
  server: Server;
  irc: FakeIrcServer;
  /** The worker's connection, as the fake IRC server sees it. */
  client: FakeClient;
}

/** Options of {@link withConnectedServer}. */
export interface ConnectedServerOptions {
  /** How the fake IRC server behaves. */
  irc?: FakeIrcOptions;
  /** The server row's fields other than its port. */
  server?: Partial<NewServer>;
}

/**
 * Starts a fake IRC server, stores a server of `user` on it, connects it
 * (`POST /connect`, 202) and waits until it is connected and registered;
 * runs `fn`, then closes the fake IRC server.
 */
export async function withConnectedServer(
  t: TestApp,
  user: TestUser,
  options: ConnectedServerOptions,
  fn: (connected: ConnectedServer) => Promise<void>,
): Promise<void> {
  const irc = startFakeIrcServer(options.irc);
  try {
    const server = await t.server(user, { ...options.server, port: irc.port });
    await expectJson(await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: user }), 202);
    await waitForStatus(t.database.db, server.id, "connected", 15_000);
    const client = await irc.waitForClient(15_000);
    await fn({ server, irc, client });
  } finally {
    await irc.close();
  }
}

/**
 * Disconnecting a server whose worker another app instance runs: the wish
 * is recorded (`autoconnect` off) and that instance is asked to stop it,
 * over its signed route or, on one host, through the worker's own socket.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { IrcCommandSender } from "../ircCommandSender.ts";
import { errorMessage } from "../log.ts";
import { findServer, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { QUIT_REPLY_MS, waitUntil } from "./workerProcess.ts";
import { ServerNotFoundError } from "./errors.ts";

/** Where the disconnect is carried out. */
export interface RemoteDisconnectContext {
  db: Db;
  /** Where the status changes written are published; unpublished without one. */
  bus?: Publisher;
  /** How long the worker gets to be gone after it took the quit. */
  graceMs: number;
  /** Asks the instance running the server to disconnect it; the socket on the row without it. */
  remote?: (serverId: number, message: string | null) => Promise<void>;
}

/**
 * Records that `serverId` is not to run and asks whoever runs it to quit
 * (with `message`). Throws {@link ServerNotFoundError} without a row, and
 * an error the user can read when the worker does not take the quit.
 */
export async function disconnectElsewhere(
  ctx: RemoteDisconnectContext,
  serverId: number,
  message: string | null,
): Promise<void> {
  const server = await findServer(ctx.db, serverId);
  if (!server) throw new ServerNotFoundError(serverId);
  await updateServer(ctx.db, serverId, { autoconnect: false }, ctx.bus);
  if (ctx.remote) return await ctx.remote(serverId, message);
  if (!server.socket_path) return;
  try {
    await new IrcCommandSender(server, { timeoutMs: QUIT_REPLY_MS }).quit(message);
  } catch (error) {
    throw new Error(
      `The server's worker runs in another app instance and did not take the quit: ${errorMessage(error)}`,
    );
  }
  await waitUntil(async () => (await findServer(ctx.db, serverId))?.pid == null, ctx.graceMs);
}

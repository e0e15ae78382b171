/**
 * What the supervisor writes on a server's row as it starts, stops or hands
 * over the server's worker (what the worker's exit means is workerExit.ts).
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import type { ServerUpdate } from "../db/schema.ts";
import { findServer, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { NO_WORKER } from "./leftoverWorkers.ts";

/** Where the rows are written. */
export interface RowContext {
  db: Db;
  /** Where the status changes written are published; unpublished without one. */
  bus?: Publisher;
}

/** A worker is about to start: `connecting`, no error; `autoconnect` set for a connect the user asked for. */
export async function recordConnecting(
  ctx: RowContext,
  serverId: number,
  autoconnect: boolean,
): Promise<void> {
  const patch: ServerUpdate = autoconnect
    ? { ...NO_WORKER, autoconnect: true, status: "connecting", last_error: null }
    : { ...NO_WORKER, status: "connecting", last_error: null };
  await updateServer(ctx.db, serverId, patch, ctx.bus);
}

/** Clears the row of a worker this instance stopped; `autoconnect` stays only for a shutdown. */
export async function recordStopped(
  ctx: RowContext,
  serverId: number,
  keepAutoconnect: boolean,
): Promise<void> {
  const patch: ServerUpdate = { ...NO_WORKER, status: "disconnected" };
  if (!keepAutoconnect) patch.autoconnect = false;
  const server = await findServer(ctx.db, serverId);
  // Keep the reason of an error visible; any other state is over.
  if (server && server.status !== "error") patch.last_error = null;
  if (server) await updateServer(ctx.db, serverId, patch, ctx.bus);
}

/** The worker stopped for another instance to run it: `reconnecting`, and why. */
export async function recordHandedOver(ctx: RowContext, serverId: number): Promise<void> {
  await updateServer(ctx.db, serverId, {
    ...NO_WORKER,
    status: "reconnecting",
    last_error: "Moving to another app instance",
  }, ctx.bus);
}

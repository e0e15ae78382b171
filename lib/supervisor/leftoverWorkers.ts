/**
 * The clean-up after an earlier run of the app: its workers are ended (their
 * output went to a process that is gone, and only a child's exit can be
 * supervised), stale sockets removed and rows that claim a worker cleared.
 * The caller holds the server's lease, so no live instance owns what is
 * cleaned here.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import type { Server, ServerUpdate } from "../db/schema.ts";
import { IrcCommandError, IrcCommandSender } from "../ircCommandSender.ts";
import { errorMessage, logger } from "../log.ts";
import { findServer, socketPathFor, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { killPid, QUIT_REPLY_MS, waitUntil } from "./workerProcess.ts";
import { removeSocket, socketExists, socketFileIds } from "./workerSockets.ts";

const log = logger("supervisor");

/** Row fields that describe a running worker, cleared. */
export const NO_WORKER: ServerUpdate = { pid: null, socket_path: null, current_nickname: null };
/** Statuses that claim a live worker. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(["connecting", "connected", "reconnecting"]);

/** Where the clean-up works. */
export interface CleanupContext {
  db: Db;
  /** Absolute folder of the workers' sockets. */
  socketDir: string;
  /** How long a left-over worker gets to exit after `quit`. */
  graceMs: number;
  /** Where the status changes written are published; unpublished without one. */
  bus?: Publisher;
}

/**
 * Ends a worker that an earlier run left: `quit` (with `message`) through
 * its socket, a kill when it is alive but does not answer, and no socket
 * file left either way. Throws, so that no second worker is started, when
 * whether one still runs cannot be told.
 */
export async function endLeftover(
  ctx: CleanupContext,
  server: Server,
  message: string | null,
): Promise<void> {
  const paths = [...new Set([server.socket_path, socketPathFor(ctx.socketDir, server.id)])]
    .filter((path): path is string => path !== null);
  for (const path of paths) {
    let present: boolean;
    try {
      present = await socketExists(path);
    } catch (error) {
      // Not allowed to look: whether a worker still runs there cannot be
      // told, and starting another could double it.
      throw new Error(`Cannot check the socket of an earlier worker (${path}): ${errorMessage(error)}`);
    }
    if (!present) continue;
    try {
      await new IrcCommandSender({ socket_path: path }, { timeoutMs: QUIT_REPLY_MS }).quit(message);
      log.info(`server ${server.id}: ended a worker left over from an earlier run (pid ${server.pid})`);
      // It removes its socket and clears its row on the way out.
      if (!await waitUntil(async () => !await socketExists(path), ctx.graceMs) && server.pid) {
        killPid(server.pid);
      }
    } catch (error) {
      if (!(error instanceof IrcCommandError)) {
        throw new Error(`Cannot reach the socket of an earlier worker (${path}): ${errorMessage(error)}`);
      }
      if (error.kind === "timeout" && server.pid) {
        // Something holds the socket but does not answer: a hung worker.
        log.warn(`server ${server.id}: left-over worker (pid ${server.pid}) does not answer; killing it`);
        killPid(server.pid);
      }
      // Otherwise nothing accepts on it: a stale file.
    }
    await removeSocket(path);
  }
  if (server.pid !== null || server.socket_path !== null) {
    await updateServer(ctx.db, server.id, NO_WORKER, ctx.bus);
  }
}

/**
 * The servers to look at on start-up, by id, each with whether it is to be
 * connected (`autoconnect`) or only tidied: those marked `autoconnect`,
 * those whose row claims a worker, and those with a socket file and no such
 * row.
 */
export async function serversToResume(db: Db, socketDir: string): Promise<Map<number, boolean>> {
  const rows = await db.selectFrom("servers").select(["id", "autoconnect", "status"])
    .where((eb) =>
      eb.or([
        eb("autoconnect", "=", true),
        eb("pid", "is not", null),
        eb("socket_path", "is not", null),
        eb("status", "in", [...LIVE_STATUSES] as Server["status"][]),
      ])
    )
    .orderBy("id").execute();
  const ids = new Map(rows.map((row) => [row.id, row.autoconnect]));
  for (const id of await socketFileIds(socketDir)) if (!ids.has(id)) ids.set(id, false);
  return ids;
}

/**
 * A server that should not run: ends a left-over worker, removes its
 * socket, fixes its row; with `refusal`, records it as the error why it is
 * not running.
 */
export async function tidyLeftover(ctx: CleanupContext, serverId: number, refusal?: string): Promise<void> {
  const server = await findServer(ctx.db, serverId);
  if (!server) {
    await removeSocket(socketPathFor(ctx.socketDir, serverId));
    return;
  }
  await endLeftover(ctx, server, null);
  if (refusal !== undefined) {
    await updateServer(ctx.db, serverId, { ...NO_WORKER, status: "error", last_error: refusal }, ctx.bus);
  } else if (LIVE_STATUSES.has(server.status)) {
    await updateServer(ctx.db, serverId, { ...NO_WORKER, status: "disconnected" }, ctx.bus);
  }
}

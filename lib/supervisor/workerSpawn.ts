/**
 * Starting one server's worker: the target check, its own database login,
 * its bus channel, the subprocess with its narrow flags, and its output
 * into the app's log. A start that fails is written on the server's row.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import type { LogLevel } from "../config.ts";
import { resolvedTargetRefusal, type TargetPolicy } from "../ircTargets.ts";
import { readBusKey, serverPgChannel } from "../events/busChannels.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { provisionWorkerRole } from "../db/workerRoles.ts";
import { errorMessage, logger } from "../log.ts";
import { findServer, updateServer } from "../servers.ts";
import { ServerNotFoundError } from "./errors.ts";
import { NO_WORKER } from "./leftoverWorkers.ts";
import { forwardOutput } from "./workerProcess.ts";
import { V8_OUT_OF_MEMORY, workerLaunchCommand } from "./workerLaunch.ts";

const log = logger("supervisor");

/** What every spawn of one supervisor shares. */
export interface SpawnContext {
  db: Db;
  /** The database URL the workers connect to. */
  databaseUrl: string;
  /** Absolute folder of the workers' sockets. */
  socketDir: string;
  logLevel: LogLevel;
  /** Heap ceiling of each worker in MB. */
  memoryMb: number;
  /** What an IRC server's name may resolve to. */
  ircTargets: TargetPolicy;
  /** Where the status changes written are published; unpublished without one. */
  bus?: Publisher;
  /** The PostgreSQL channel a worker notifies on, once the app's bus listens to it. */
  workerChannel?: (serverId: number) => Promise<string>;
}

/** A worker just spawned. */
export interface SpawnedWorker {
  child: Deno.ChildProcess;
  /** Its output read to the end (after its exit). */
  output: Promise<void>;
}

/**
 * Spawns the worker of `serverId`; `onOutOfMemory` is called if it says V8
 * ran out of heap. Throws {@link ServerNotFoundError} when the server has
 * no row, and an error the user can read (also put on the row) when it
 * cannot be started.
 */
export async function spawnWorker(
  ctx: SpawnContext,
  serverId: number,
  onOutOfMemory: () => void,
): Promise<SpawnedWorker> {
  const server = await findServer(ctx.db, serverId);
  if (!server) throw new ServerNotFoundError(serverId);
  // A name that points inside the network is refused before any connection
  // is made, which would tell an open port from a closed one.
  const refusal = await resolvedTargetRefusal(ctx.ircTargets, server.host);
  if (refusal !== undefined) {
    await updateServer(ctx.db, server.id, { ...NO_WORKER, status: "error", last_error: refusal }, ctx.bus);
    throw new Error(refusal);
  }
  let child: Deno.ChildProcess;
  try {
    // A login of its own, confined to this server's rows, with a new
    // password each spawn (lib/db/workerRoles.ts).
    const databaseLogin = await provisionWorkerRole(ctx.db, server.id);
    // Its server's bus channel and no other's; this instance listens to it first.
    // Without a bus that listens (an app that publishes nothing), the name alone.
    const busChannel = ctx.workerChannel
      ? await ctx.workerChannel(server.id)
      : serverPgChannel(await readBusKey(ctx.db), server.id);
    child = workerLaunchCommand({
      serverId: server.id,
      ircHost: server.host,
      ircPort: server.port,
      databaseUrl: ctx.databaseUrl,
      databaseLogin,
      busChannel,
      socketDir: ctx.socketDir,
      logLevel: ctx.logLevel,
      memoryLimitMb: ctx.memoryMb,
    }, { stdout: "piped", stderr: "piped", detached: true }).spawn();
  } catch (error) {
    const reason = `The IRC worker could not be started: ${errorMessage(error)}`;
    await updateServer(ctx.db, server.id, { ...NO_WORKER, status: "error", last_error: reason }, ctx.bus);
    throw new Error(reason);
  }
  const onLine = (line: string) => {
    if (line.includes(V8_OUT_OF_MEMORY)) onOutOfMemory();
  };
  const output = Promise.all([
    forwardOutput(server.id, child.stdout, "info"),
    forwardOutput(server.id, child.stderr, "error", onLine),
  ]).then(() => {});
  log.info(`server ${server.id}: worker started (pid ${child.pid})`);
  return { child, output };
}

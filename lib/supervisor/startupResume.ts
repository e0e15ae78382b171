/**
 * The start-up pass over what an earlier run left: the `autoconnect`
 * servers are connected again and every other server with a left-over
 * worker, socket or row claiming one is tidied, under its lease.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { errorMessage, logger } from "../log.ts";
import type { ServerLeases } from "../cluster/serverLease.ts";
import { type CleanupContext, serversToResume, tidyLeftover } from "./leftoverWorkers.ts";
import { WorkerLimitError } from "./errors.ts";

const log = logger("supervisor");

/** What resuming asks of the supervisor. */
export interface ResumeHost {
  db: Db;
  /** Absolute folder of the workers' sockets. */
  socketDir: string;
  /** Connects a server marked `autoconnect`. */
  connect(serverId: number): Promise<void>;
  /** Tidies a server that should not run; with `refusal`, records it as why it does not. */
  tidy(serverId: number, refusal?: string): Promise<void>;
}

/**
 * Connects what should be connected and tidies what an earlier run left,
 * one server after the other. A server that fails is logged and the others
 * go on; one past the worker limit keeps `autoconnect` and shows why on its
 * row, so a later start tries it again.
 */
export async function resumeServers(host: ResumeHost): Promise<void> {
  const ids = await serversToResume(host.db, host.socketDir);
  for (const [id, autoconnect] of ids) {
    try {
      if (autoconnect) await host.connect(id);
      else await host.tidy(id);
    } catch (error) {
      if (!(error instanceof WorkerLimitError)) {
        log.error(`server ${id}: ${errorMessage(error)}`);
        continue;
      }
      log.warn(`server ${id} not connected: ${error.message}`);
      // Shown on its row until the user connects it; it keeps
      // `autoconnect`, so a later start tries again.
      await host.tidy(id, `Not connected at start-up: ${error.message}`)
        .catch((e) => log.error(`server ${id}: ${errorMessage(e)}`));
    }
  }
}

/**
 * Cleans a server up (`tidyLeftover`) holding its lease, so that no live
 * instance owns what is cleaned; a no-op when another instance holds it.
 */
export async function tidyUnderLease(
  leases: ServerLeases,
  cleanup: CleanupContext,
  serverId: number,
  refusal?: string,
): Promise<void> {
  if (!await leases.tryAcquire(serverId)) return;
  try {
    await tidyLeftover(cleanup, serverId, refusal);
  } finally {
    await leases.release(serverId);
  }
}

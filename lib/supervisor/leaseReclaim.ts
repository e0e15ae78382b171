/**
 * Taking the leases back after the lease connection broke: retried with a
 * growing wait until the database answers, it tells which servers another
 * instance took meanwhile.
 *
 * @module
 */
import { backoffDelay } from "../backoff.ts";
import { errorMessage, logger } from "../log.ts";
import type { ServerLeases } from "../cluster/serverLease.ts";

const log = logger("supervisor");

/** What the supervisor says about the servers whose leases are taken back. */
export interface ReclaimHost {
  /** Whether this instance still keeps a worker for `serverId`. */
  keeps(serverId: number): boolean;
  /** Whether the supervisor is stopping: the retries end. */
  closed(): boolean;
}

/**
 * Takes the leases of `ids` back, for the servers this instance still
 * keeps, and resolves to those another instance holds now. Runs outside
 * the per-server queues, so that a database outage does not hold up a
 * shutdown; gives up once the supervisor is closed, when what it resolves
 * to is to be left alone.
 */
export async function retakeLeases(
  leases: ServerLeases,
  ids: number[],
  host: ReclaimHost,
): Promise<number[]> {
  const lost: number[] = [];
  for (let attempt = 0; !host.closed(); attempt++) {
    try {
      lost.length = 0;
      for (const id of ids) {
        if (host.keeps(id) && !await leases.tryAcquire(id)) lost.push(id);
      }
      break;
    } catch (error) {
      log.warn(`cannot take the leases back yet: ${errorMessage(error)}`);
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 })));
    }
  }
  return lost;
}

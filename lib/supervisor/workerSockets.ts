/**
 * The workers' socket files in `SOCKET_DIR`, as the supervisor sees them:
 * whether one is there, removing one, and which servers have one.
 *
 * @module
 */
import { errorMessage, logger } from "../log.ts";

const log = logger("supervisor");

/** Removes the socket file at `path`; one already gone is no error, other failures are logged. */
export async function removeSocket(path: string): Promise<void> {
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) {
      log.warn(`could not remove ${path}: ${errorMessage(error)}`);
    }
  });
}

/** Whether something is at `path`; throws when that cannot be told (no permission). */
export async function socketExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The server ids of the socket files (`server-<id>.sock`) in `socketDir`; none when it cannot be read. */
export async function socketFileIds(socketDir: string): Promise<number[]> {
  const ids: number[] = [];
  try {
    for await (const item of Deno.readDir(socketDir)) {
      const match = /^server-(\d+)\.sock$/.exec(item.name);
      if (match) ids.push(Number(match[1]));
    }
  } catch (error) {
    log.debug(`cannot list ${socketDir}: ${errorMessage(error)}`);
  }
  return ids;
}

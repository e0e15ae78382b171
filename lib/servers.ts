/**
 * Reading and changing server rows: the one place that knows how a
 * server's state is stored.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { NewServer, Server, ServerStatus, ServerUpdate } from "./db/schema.ts";

/** Loads one server, or `undefined` when there is none with that id. */
export function findServer(db: Db, id: number): Promise<Server | undefined> {
  return db.selectFrom("servers").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Changes columns of a server row, stamping `updated_at`. */
export async function updateServer(db: Db, id: number, patch: ServerUpdate): Promise<void> {
  await db.updateTable("servers").set({ ...patch, updated_at: sql<Date>`now()` as unknown as Date })
    .where("id", "=", id).execute();
}

/** Records a new connection state, with the reason when it is an error. */
export function setServerStatus(
  db: Db,
  id: number,
  status: ServerStatus,
  error: string | null = null,
): Promise<void> {
  return updateServer(db, id, { status, last_error: error });
}

/** The socket path of a server's worker. */
export function socketPathFor(socketDir: string, serverId: number): string {
  return `${socketDir}/server-${serverId}.sock`;
}

/**
 * The server `id` if it belongs to `userId`, else `undefined`: every
 * request on behalf of a user finds its server through this, so another
 * user's server is indistinguishable from one that does not exist.
 */
export function findUserServer(db: Db, userId: number, id: number): Promise<Server | undefined> {
  return db.selectFrom("servers").selectAll().where("id", "=", id).where("user_id", "=", userId)
    .executeTakeFirst();
}

/** The servers of `userId`, oldest first. */
export function listUserServers(db: Db, userId: number): Promise<Server[]> {
  return db.selectFrom("servers").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

/** Stores a new server. */
export function insertServer(db: Db, server: NewServer): Promise<Server> {
  return db.insertInto("servers").values(server).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the server `id` of `userId` (its channels and messages go with it). */
export async function deleteUserServer(db: Db, userId: number, id: number): Promise<boolean> {
  const result = await db.deleteFrom("servers").where("id", "=", id).where("user_id", "=", userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

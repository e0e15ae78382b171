/**
 * Reading and changing server rows: the one place that knows how a
 * server's state is stored.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { NewServer, Server, ServerStatus, ServerUpdate } from "./db/schema.ts";
import { appendServerEvent } from "./events/eventLog.ts";
import {
  type LogEvent,
  type Publisher,
  publishServerEvent,
  type StatusEventData,
} from "./events/wireFormat.ts";
import { errorMessage, logger } from "./log.ts";
import { storableText } from "./storableText.ts";

const log = logger("servers");

/** Loads one server, or `undefined` when there is none with that id. */
export function findServer(db: Db, id: number): Promise<Server | undefined> {
  return db.selectFrom("servers").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * Takes the lock a write of the server row takes, for a transaction that
 * will write it after other things. Lock order, everywhere: a server's
 * `servers` row first, then its `server_event_seqs` row (which every event
 * numbered in its log takes); a transaction taking them the other way round
 * deadlocks with a status write ({@link updateServer}).
 */
export async function lockServerRow(trx: Db, id: number): Promise<void> {
  // `no key update`, as `updateServer`: message inserts' foreign-key checks go on.
  await trx.selectFrom("servers").select("id").where("id", "=", id).forNoKeyUpdate().executeTakeFirst();
}

/**
 * Changes columns of a server row, stamping `updated_at`. When `status` or
 * `last_error` changes, the change is recorded in the server's event log
 * in the same transaction and returned; given a `publisher`, it is also
 * published on `server_<id>_status` after the commit (the card's status
 * broadcast), so every status write, the worker's or the supervisor's,
 * reaches live clients.
 *
 * Inside a transaction (`db.isTransaction`) nothing can be published yet:
 * pass no publisher and publish the returned event after the commit.
 *
 * @throws Error when given both a transaction and a publisher.
 */
export async function updateServer(
  db: Db,
  id: number,
  patch: ServerUpdate,
  publisher?: Publisher,
): Promise<LogEvent | undefined> {
  if (db.isTransaction && publisher) {
    throw new Error("A status written in a transaction is published after its commit, not by updateServer");
  }
  // Both come from the IRC server's words (an ERROR line, a nick it chose).
  if (typeof patch.last_error === "string") patch = { ...patch, last_error: storableText(patch.last_error) };
  if (typeof patch.current_nickname === "string") {
    patch = { ...patch, current_nickname: storableText(patch.current_nickname) };
  }
  const set = { ...patch, updated_at: sql<Date>`now()` as unknown as Date };
  if (patch.status === undefined && patch.last_error === undefined) {
    await db.updateTable("servers").set(set).where("id", "=", id).execute();
    return undefined;
  }
  const write = async (trx: Db): Promise<LogEvent | undefined> => {
    // `no key update`: a plain `for update` also blocks the foreign-key check
    // of a message insert, which holds the server's sequence row that this
    // transaction wants next: a deadlock (seen by `deno task bench`).
    const before = await trx.selectFrom("servers").select(["status", "last_error"]).where("id", "=", id)
      .forNoKeyUpdate().executeTakeFirst();
    if (!before) return undefined;
    const after = await trx.updateTable("servers").set(set).where("id", "=", id)
      .returning(["status", "last_error"]).executeTakeFirstOrThrow();
    if (after.status === before.status && after.last_error === before.last_error) return undefined;
    const data: StatusEventData = { server_id: id, status: after.status };
    if (after.last_error !== null) data.error = after.last_error;
    return await appendServerEvent(trx, { event: "status", data });
  };
  const event = db.isTransaction ? await write(db) : await db.transaction().execute(write);
  if (event && publisher) {
    await publishServerEvent(publisher, event).catch((error) =>
      log.warn(`status of server ${id} not published: ${errorMessage(error)}`)
    );
  }
  return event;
}

/** Records a new connection state, with the reason when it is an error ({@link updateServer}). */
export function setServerStatus(
  db: Db,
  id: number,
  status: ServerStatus,
  error: string | null = null,
  publisher?: Publisher,
): Promise<LogEvent | undefined> {
  return updateServer(db, id, { status, last_error: error }, publisher);
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

/**
 * Stores a new server unless its user has `limit` servers already; then
 * `undefined`. The user's row is locked while counting, so requests sent
 * all at once cannot each find room for one more.
 */
export function insertServerWithinLimit(
  db: Db,
  server: NewServer,
  limit: number,
): Promise<Server | undefined> {
  return db.transaction().execute(async (trx) => {
    // `no key update`: the servers' foreign-key checks (key share) go on meanwhile.
    await trx.selectFrom("users").select("id").where("id", "=", server.user_id).forNoKeyUpdate()
      .executeTakeFirst();
    const { count } = await trx.selectFrom("servers").select((eb) => eb.fn.countAll<string>().as("count"))
      .where("user_id", "=", server.user_id).executeTakeFirstOrThrow();
    if (Number(count) >= limit) return undefined;
    return await insertServer(trx, server);
  });
}

/** Deletes the server `id` of `userId` (its channels and messages go with it). */
export async function deleteUserServer(db: Db, userId: number, id: number): Promise<boolean> {
  const result = await db.deleteFrom("servers").where("id", "=", id).where("user_id", "=", userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Marking a window read, and telling the user's other tabs and devices: the
 * marker moves (never back, `lib/windows.ts`) and, when it did move, a
 * `read` event goes into the server's log in the same transaction, so every
 * live stream of the user carries it, replayed to one that was away like
 * any other event.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { appendServerEvent } from "./events/eventLog.ts";
import { type LogEvent, type Publisher, publishServerEvent } from "./events/wireFormat.ts";
import { errorMessage, logger } from "./log.ts";
import { markRead } from "./windows.ts";

const log = logger("read");

/**
 * Marks `target` of `serverId` read up to `messageId`; a marker that moved
 * is published on `publisher` as a `read` event after the commit. Returns
 * that event, or `undefined` when the marker was already there or further.
 */
export async function markReadAndTell(
  db: Db,
  serverId: number,
  target: string,
  messageId: number,
  publisher?: Publisher,
): Promise<LogEvent | undefined> {
  const key = target.toLowerCase();
  const event = await db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("read_markers").select("last_read_id")
      .where("server_id", "=", serverId).where("target", "=", key).forUpdate().executeTakeFirst();
    if (before && Number(before.last_read_id) >= messageId) return undefined;
    await markRead(trx, serverId, target, messageId);
    // The marker is what matters: a log that refuses the event (a database
    // migrated by an early 0012, without the `read` kind) leaves it stored.
    await sql`savepoint read_event`.execute(trx);
    try {
      const appended = await appendServerEvent(trx, {
        event: "read",
        data: { server_id: serverId, target: key, last_read_id: messageId },
      });
      await sql`release savepoint read_event`.execute(trx);
      return appended;
    } catch (error) {
      await sql`rollback to savepoint read_event`.execute(trx);
      log.warn(`read event not logged: ${errorMessage(error)}`);
      return undefined;
    }
  });
  if (event && publisher) {
    // The log has it: a stream that misses the notification reads it at the next event.
    await Promise.resolve().then(() => publishServerEvent(publisher, event))
      .catch((error) => log.warn(`read event not published: ${errorMessage(error)}`));
  }
  return event;
}

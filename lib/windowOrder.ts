/**
 * The user's arrangement of a server's windows: the order they dragged them
 * into, and the windows they closed, which stay out of the navigation until
 * a line newer than the close arrives in them (a query written to again, a
 * channel joined again). Stored in `window_order` (migration 0017).
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { allocateSeqs } from "./events/eventLog.ts";
import { type LogEvent, type Publisher, publishServerEvent } from "./events/wireFormat.ts";
import { errorMessage, logger } from "./log.ts";
import { UNREAD_TYPES } from "./unread.ts";

const log = logger("windows");

/** Most windows one order names (a user with more has one order for the first ones). */
export const MAX_ORDERED_WINDOWS = 2000;

/** What the user did to one window: its place (`null`: not placed) and whether it is closed now. */
export interface WindowPlace {
  position: number | null;
  /** Closed, and nothing newer than the close has arrived in it since. */
  closed: boolean;
}

/** The arrangement of `serverId`'s windows, by lower-cased target. */
export async function windowPlaces(db: Db, serverId: number): Promise<Map<string, WindowPlace>> {
  // A closed window opens again with a line said or a join after its mark.
  const { rows } = await sql<{ target: string; position: number | null; closed: boolean }>`
    select o.target, o.position,
      o.closed_after_id is not null and not exists (
        select 1 from messages m
        where m.server_id = o.server_id and lower(m.target) = o.target and m.id > o.closed_after_id
          and m.message_type in (${sql.join([...UNREAD_TYPES, "join"].map((t) => sql.lit(t)))})
      ) as closed
    from window_order o where o.server_id = ${serverId}`.execute(db);
  return new Map(rows.map((r) => [r.target, { position: r.position, closed: r.closed }]));
}

/**
 * `windows` as the user arranged them: closed ones left out (a channel the
 * user is in never is), the placed ones first in their order, then the rest
 * in the order given.
 */
export function arrangeWindows<W extends { target: string; kind: "channel" | "query"; joined: boolean }>(
  windows: readonly W[],
  places: ReadonlyMap<string, WindowPlace>,
): W[] {
  const place = (w: W) => places.get(w.target.toLowerCase());
  const open = windows.filter((w) => !(place(w)?.closed && !(w.kind === "channel" && w.joined)));
  const indexed = open.map((w, i) => ({ w, i, position: place(w)?.position ?? null }));
  indexed.sort((a, b) =>
    a.position !== null && b.position !== null
      ? a.position - b.position || a.i - b.i
      : a.position !== null
      ? -1
      : b.position !== null
      ? 1
      : a.i - b.i
  );
  return indexed.map((x) => x.w);
}

/**
 * Stores `targets` as the order of `serverId`'s windows (first on top);
 * windows not named lose their place and go after these. The change is an
 * `order` event numbered in the server's sequence, published on `publisher`
 * after the commit, so the user's other pages show it live; returns it.
 * (It has no row in the log, so a stream that was away does not replay it:
 * a page reads the order again whenever its stream connects.)
 */
export async function saveWindowOrder(
  db: Db,
  serverId: number,
  targets: readonly string[],
  publisher?: Publisher,
): Promise<LogEvent> {
  const keys = [...new Set(targets.map((t) => t.toLowerCase()))].slice(0, MAX_ORDERED_WINDOWS);
  const event = await db.transaction().execute(async (trx) => {
    await trx.updateTable("window_order").set({ position: null }).where("server_id", "=", serverId).execute();
    if (keys.length) {
      await trx.insertInto("window_order")
        .values(keys.map((target, position) => ({ server_id: serverId, target, position })))
        .onConflict((oc) =>
          oc.columns(["server_id", "target"]).doUpdateSet((eb) => ({
            position: eb.ref("excluded.position"),
          }))
        ).execute();
    }
    await trx.deleteFrom("window_order").where("server_id", "=", serverId).where("position", "is", null)
      .where("closed_after_id", "is", null).execute();
    // Numbered after what the streams have already carried, so none skips it as old.
    const seq = await allocateSeqs(trx, serverId, 1);
    return { serverId, seq, event: "order", data: { server_id: serverId, targets: keys } } satisfies LogEvent;
  });
  if (publisher) {
    // Without a bus in the process (a route test) the order is stored all the same.
    await Promise.resolve().then(() => publishServerEvent(publisher, event))
      .catch((error) => log.warn(`window order not published: ${errorMessage(error)}`));
  }
  return event;
}

/**
 * Closes `target` of `serverId`: hidden from the navigation until a line
 * newer than its newest one now arrives. (Parting a channel is the
 * caller's: a PART of its own.)
 */
export async function closeWindow(db: Db, serverId: number, target: string): Promise<void> {
  const key = target.toLowerCase();
  const newest = await db.selectFrom("messages").select("id")
    .where("server_id", "=", serverId).where(sql`lower(target)`, "=", key)
    .orderBy(sql`lower(target)`).orderBy("id", "desc").limit(1).executeTakeFirst();
  const mark = newest?.id ?? "0";
  await db.insertInto("window_order").values({ server_id: serverId, target: key, closed_after_id: mark })
    .onConflict((oc) => oc.columns(["server_id", "target"]).doUpdateSet({ closed_after_id: mark }))
    .execute();
}

/**
 * The windows of a server as the UI lists them (channels and queries, as the
 * user arranged them, `lib/windowOrder.ts`), with how many lines in each the
 * user has not read yet (at most {@link UNREAD_CAP}; ignored nicks' lines
 * not counted), and the read markers behind those counts.
 *
 * @module
 */
import { type Expression, type RawBuilder, sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { Server } from "./db/schema.ts";
import { isChannelName } from "./ircCommand.ts";
import { ignoreLikePatterns, listIgnores } from "./ignores.ts";
import { UNREAD_CAP, UNREAD_TYPES } from "./unread.ts";
import { arrangeWindows, windowPlaces } from "./windowOrder.ts";

export { UNREAD_CAP, UNREAD_TYPES } from "./unread.ts";

/** A channel or query of a server. */
export interface ServerWindow {
  /** The channel name or the other person's nick. */
  target: string;
  kind: "channel" | "query";
  /** For a channel: whether the user is in it now; a query is always open. */
  joined: boolean;
  topic: string | null;
  /** Messages from others after the read marker, at most {@link UNREAD_CAP}. */
  unread: number;
}

/**
 * The channels (from the channels table) and queries (message targets
 * that are not channels) of `server`: in the order the user put them, then
 * the others, channels first, each sorted by name; the closed ones left out.
 */
export async function listWindows(db: Db, server: Server): Promise<ServerWindow[]> {
  const channels = await db.selectFrom("channels").select(["name", "joined", "topic"])
    .where("server_id", "=", server.id).orderBy("name").execute();
  const queries = (await messageTargets(db, server.id)).filter((t) => !isChannelName(t));
  const windows: ServerWindow[] = arrangeWindows([
    ...channels.map((c) => ({
      target: c.name,
      kind: "channel" as const,
      joined: c.joined,
      topic: c.topic,
      unread: 0,
    })),
    ...queries.sort(byName).map((t) => ({
      target: t,
      kind: "query" as const,
      joined: true,
      topic: null,
      unread: 0,
    })),
  ], await windowPlaces(db, server.id));
  const counts = await unreadCounts(db, server, windows.map((w) => w.target));
  for (const w of windows) w.unread = counts.get(w.target.toLowerCase()) ?? 0;
  return windows;
}

function byName(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

/**
 * Every distinct target of the server's messages, as last written. A loose
 * index scan over `(server_id, lower(target), id desc)`: one index probe
 * per target however many messages there are.
 */
async function messageTargets(db: Db, serverId: number): Promise<string[]> {
  const { rows } = await sql<{ target: string }>`
    with recursive keys(key) as (
      (select lower(target) from messages
       where server_id = ${serverId} and lower(target) is not null
       order by lower(target) limit 1)
      union all
      select (select lower(target) from messages
              where server_id = ${serverId} and lower(target) > keys.key
              order by lower(target) limit 1)
      from keys where keys.key is not null
    )
    select (select target from messages
            where server_id = ${serverId} and lower(target) = keys.key
            order by id desc limit 1) as target
    from keys where keys.key is not null`.execute(db);
  return rows.map((r) => r.target);
}

/**
 * How many messages from others each of `targets` has after its read
 * marker, by lower-cased target. The user's own lines (sent under the
 * server's current or configured nick) and those of nicks on the server's
 * ignore list do not count.
 */
export async function unreadCounts(db: Db, server: Server, targets: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (targets.length === 0) return counts;
  const keys = [...new Set(targets.map((t) => t.toLowerCase()))];
  const ownNicks = [
    ...new Set([server.nickname, server.current_nickname ?? server.nickname].map((n) => n.toLowerCase())),
  ];
  const ignores = await listIgnores(db, server.id);
  const { rows } = await sql<{ key: string; unread: string }>`
    select w.key, (
      select count(*) from (
        select 1 from messages m
        where m.server_id = ${server.id} and lower(m.target) = w.key
          and m.id > coalesce(r.last_read_id, 0)
          and m.message_type in (${sql.join(UNREAD_TYPES.map((t) => sql.lit(t)))})
          and (m.sender is null or lower(m.sender) <> all(${ownNicks}::text[]))
          and not ${ignoredSql(sql.ref("m.sender"), ignores)}
        limit ${UNREAD_CAP}
      ) x
    ) as unread
    from unnest(${keys}::text[]) as w(key)
    left join read_markers r on r.server_id = ${server.id} and r.target = w.key`.execute(db);
  for (const row of rows) counts.set(row.key, Number(row.unread));
  return counts;
}

/**
 * SQL that is true when `sender` (a column of nicks) is hidden by `masks`
 * (stored forms), as `ignoreMatcher` judges it; false for no sender.
 */
export function ignoredSql(sender: Expression<unknown>, masks: readonly string[]): RawBuilder<boolean> {
  if (masks.length === 0) return sql<boolean>`false`;
  const folded = sql`translate(lower(${sender}), ${"[]\\~"}, ${"{}|^"})`;
  return sql<boolean>`coalesce(${folded} like any(${ignoreLikePatterns(masks)}::text[]), false)`;
}

/**
 * Records that the user has read `target` of `serverId` up to message
 * `messageId` (a marker never moves back).
 */
export async function markRead(db: Db, serverId: number, target: string, messageId: number): Promise<void> {
  await sql`
    insert into read_markers as r (server_id, target, last_read_id)
    values (${serverId}, ${target.toLowerCase()}, ${messageId})
    on conflict (server_id, target) do update
      set last_read_id = greatest(r.last_read_id, excluded.last_read_id), updated_at = now()`.execute(db);
}

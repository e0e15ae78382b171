/**
 * A window opened at one message (a search result's link, `?around=<id>`):
 * the messages of that window just before it, it, and just after, oldest
 * first, as `listMessages` (lib/messages.ts) reads a window's newest.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { type MessageJson, messageJson } from "../messages.ts";

/** The page around a message, and whether there is more on either side. */
export interface MessagesAround {
  messages: MessageJson[];
  /** Older messages exist (the window pages back as usual). */
  hasOlder: boolean;
  /** Newer messages exist than the last shown: the window is not at its newest. */
  hasNewer: boolean;
}

/** Reads an `around` parameter: a message id, or `null`. */
export function parseAroundId(value: string | undefined): number | null {
  if (!value || !/^[1-9][0-9]{0,15}$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * Up to `size` messages of `serverId`'s window `target` (`null`: the
 * server's own) around message `id`, which is among them; `null` when that
 * message is not in that window (another server's, another window's, gone).
 */
export async function listMessagesAround(
  db: Db,
  serverId: number,
  target: string | null,
  id: number,
  size: number,
): Promise<MessagesAround | null> {
  const window = target === null ? sql`lower(target) is null` : sql`lower(target) = lower(${target})`;
  const half = Math.max(1, Math.floor(size / 2));
  const columns = sql`id, server_id, target, sender, content, message_type, created_at`;
  // One more on each side than shown, to know whether there is more.
  const { rows } = await sql<Parameters<typeof messageJson>[0] & { side: "before" | "after" }>`
    (select ${columns}, 'before' as side from messages
     where server_id = ${serverId} and ${window} and id <= ${id} order by id desc limit ${half + 1})
    union all
    (select ${columns}, 'after' as side from messages
     where server_id = ${serverId} and ${window} and id > ${id} order by id limit ${half + 1})`.execute(db);
  const before = rows.filter((r) => r.side === "before");
  const after = rows.filter((r) => r.side === "after");
  if (before.length === 0 || Number(before[0].id) !== id) return null;
  const shown = [...before.slice(0, half).reverse(), ...after.slice(0, half)];
  return {
    messages: shown.map(messageJson),
    hasOlder: before.length > half,
    hasNewer: after.length > half,
  };
}

/**
 * How many of a server's unread lines mention the user, per window, so that
 * a mention badge is the same after a reload as live: the lines after each
 * read marker (at most `UNREAD_CAP`, ignored nicks' left out) judged by the
 * browser's rule (`lib/highlight.ts`), not by SQL's idea of a word.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { MessageType, Server } from "./db/schema.ts";
import { isMention } from "./highlight.ts";
import { UNREAD_CAP, UNREAD_TYPES } from "./unread.ts";
import { listIgnores } from "./ignores.ts";
import { ignoredSql, type ServerWindow } from "./windows.ts";

/**
 * The mentions among the unread lines of `windows` of `server` (only those
 * with something unread are read), by lower-cased target; `words` are the
 * user's own highlight words.
 */
export async function unreadMentions(
  db: Db,
  server: Server,
  windows: readonly ServerWindow[],
  words: readonly string[] = [],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const keys = [...new Set(windows.filter((w) => w.unread > 0).map((w) => w.target.toLowerCase()))];
  if (keys.length === 0) return counts;
  const nick = server.current_nickname ?? server.nickname;
  const ownNicks = [...new Set([server.nickname, nick].map((n) => n.toLowerCase()))];
  const ignores = await listIgnores(db, server.id);
  const { rows } = await sql<
    { key: string; target: string; sender: string | null; content: string; type: MessageType }
  >`
    select w.key, m.target, m.sender, m.content, m.message_type as type
    from unnest(${keys}::text[]) as w(key)
    left join read_markers r on r.server_id = ${server.id} and r.target = w.key
    cross join lateral (
      select target, sender, content, message_type from messages m
      where m.server_id = ${server.id} and lower(m.target) = w.key
        and m.id > coalesce(r.last_read_id, 0)
        and m.message_type in (${sql.join(UNREAD_TYPES.map((t) => sql.lit(t)))})
        and (m.sender is null or lower(m.sender) <> all(${ownNicks}::text[]))
        and not ${ignoredSql(sql.ref("m.sender"), ignores)}
      order by m.id desc
      limit ${UNREAD_CAP}
    ) m`.execute(db);
  for (const row of rows) {
    const line = { target: row.target, sender: row.sender, content: row.content, message_type: row.type };
    if (isMention(line, nick, words)) counts.set(row.key, (counts.get(row.key) ?? 0) + 1);
  }
  return counts;
}

/** `windows` of `server`, each with its count of unread mentions (`mentions`). */
export async function withUnreadMentions<W extends ServerWindow>(
  db: Db,
  server: Server,
  windows: readonly W[],
  words: readonly string[] = [],
): Promise<(W & { mentions: number })[]> {
  const counts = await unreadMentions(db, server, windows, words);
  return windows.map((w) => ({ ...w, mentions: counts.get(w.target.toLowerCase()) ?? 0 }));
}

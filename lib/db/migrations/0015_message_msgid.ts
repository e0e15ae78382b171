/**
 * The IRCv3 `msgid` of a message, when the server gave one, unique per
 * server: a line the server sends again (history after a reconnect, a
 * bouncer's playback) is stored once. Workers write it through the
 * table-wide `insert` of 0007: nothing to grant.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** The unique index the insert's `on conflict` names by its columns and predicate. */
export const MSGID_INDEX = "messages_server_msgid";

/**
 * Adds the column (no default: no rewrite) and its partial index, which
 * holds no row of the messages stored before (they have no msgid); the
 * build still reads the table once, under a lock that holds inserts back.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table messages add column if not exists msgid text`.execute(db);
  await sql`create unique index if not exists ${sql.id(MSGID_INDEX)}
    on messages (server_id, msgid) where msgid is not null`.execute(db);
}

/** Drops the index and the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists ${sql.id(MSGID_INDEX)}`.execute(db);
  await sql`alter table messages drop column if exists msgid`.execute(db);
}

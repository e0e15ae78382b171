/**
 * Ids for history fetched from the server when the user scrolls past the
 * oldest stored line (`CHATHISTORY BEFORE`): a descending sequence, so an
 * older line stored later still has a lower id than every line it precedes,
 * and `before=<id>` keeps meaning "older than" (docs/api.md, "Messages").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** The sequence back-filled rows take their id (and their negative `seq`) from. */
export const BACKFILL_SEQUENCE = "messages_backfill_id_seq";

/** Creates the sequence (-1, -2, ...) and lets the workers, who store the lines, use it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence if not exists ${sql.id(BACKFILL_SEQUENCE)}
    as bigint increment by -1 minvalue -9223372036854775807 maxvalue -1 start with -1`.execute(db);
  await sql`grant usage on sequence ${sql.id(BACKFILL_SEQUENCE)} to ircweb_worker`.execute(db);
}

/** Drops the sequence (the rows keep their ids). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop sequence if exists ${sql.id(BACKFILL_SEQUENCE)}`.execute(db);
}

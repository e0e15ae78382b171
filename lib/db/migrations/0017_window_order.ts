/**
 * Where the user put each window in the navigation, and which windows they
 * closed (`window_order`, written by the app only, `lib/windowOrder.ts`):
 * a closed window stays hidden until something newer than its mark arrives.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table window_order (
      server_id integer not null references servers(id) on delete cascade,
      -- The window's name in lower case, as read_markers keys it.
      target text not null,
      -- Its place among the server's windows (null: after the placed ones, by name).
      position integer,
      -- Closed by the user when the window's newest message was this one.
      closed_after_id bigint,
      primary key (server_id, target)
    )`.execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table window_order`.execute(db);
}

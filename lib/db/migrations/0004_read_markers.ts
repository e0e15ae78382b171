/**
 * Read markers: how far the user has read each channel and query of a
 * server, so the UI can show unread counts that agree across devices.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates `read_markers`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("read_markers")
    .addColumn("server_id", "integer", (c) => c.notNull().references("servers.id").onDelete("cascade"))
    // The window's name folded to lower case (as the messages index is).
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("last_read_id", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("read_markers_pkey", ["server_id", "target"])
    .execute();
}

/** Drops `read_markers`. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("read_markers").ifExists().execute();
}

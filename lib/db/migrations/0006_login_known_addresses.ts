/**
 * `login_known_addresses`: the addresses each name has logged in from. The
 * per-name limit of the login throttle is not applied from them, so that
 * someone who knows a user's name cannot lock that user out of the places
 * they always log in from by failing logins elsewhere (the per-address limit
 * still applies everywhere).
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable("login_known_addresses")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("last_success_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("login_known_addresses_pkey", ["name", "address"])
    .execute();
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("login_known_addresses").ifExists().execute();
}

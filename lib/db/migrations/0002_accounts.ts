/**
 * Accounts: browser sessions, API tokens and the record of failed logins.
 * Secrets never reach the database: sessions and tokens are stored as
 * SHA-256 hashes of the values the user holds.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the account tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Names are looked up case-insensitively at login, so "Alice" and "alice"
  // must not be two accounts.
  await sql`create unique index users_lower_name on users (lower(name))`.execute(db);

  await db.schema
    .createTable("sessions")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("label", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("api_tokens_user_id").on("api_tokens").column("user_id").execute();

  // Kept in the database rather than in memory so a restart does not reset
  // an attacker's count.
  await db.schema
    .createTable("login_failures")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("login_failures_name").on("login_failures").columns(["name", "created_at"])
    .execute();
  await db.schema.createIndex("login_failures_address").on("login_failures")
    .columns(["address", "created_at"]).execute();
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["login_failures", "api_tokens", "sessions"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop index if exists users_lower_name`.execute(db);
}

/**
 * Which lines were pushed (`push_claims`): the instance that inserts a line's
 * row first pushes it, so several app instances on one database push each
 * line once. Rows older than a day are deleted by the push sender.
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table push_claims (
      user_id integer not null references users(id) on delete cascade,
      message_id bigint not null,
      claimed_at timestamptz not null default now(),
      primary key (user_id, message_id)
    )`.execute(db);
  await sql`create index push_claims_claimed_at on push_claims (claimed_at)`.execute(db);
  // Workers' roles have no grant on it; nobody else needs one either.
  await sql`revoke all on push_claims from public`.execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists push_claims`.execute(db);
}

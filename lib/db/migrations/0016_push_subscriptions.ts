/**
 * The browsers a user turned Web Push on in (`push_subscriptions`): one row
 * per push service endpoint, which is unique (a browser that subscribes
 * again under another user moves to that user), with the keys its payloads
 * are encrypted to. Written by the app only (`lib/push/subscriptions.ts`).
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the table. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table push_subscriptions (
      id serial primary key,
      user_id integer not null references users(id) on delete cascade,
      endpoint text not null unique,
      p256dh text not null,
      auth text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index push_subscriptions_user on push_subscriptions (user_id)`.execute(db);
  // Workers' roles have no grant on it; nobody else needs one either.
  await sql`revoke all on push_subscriptions from public`.execute(db);
}

/** Drops it. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists push_subscriptions`.execute(db);
}

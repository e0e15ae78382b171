/**
 * Several app instances on one database (docs/architecture.md, "Several app
 * instances"): `app_instances`, each live instance's row (its internal URL,
 * weight and heartbeat), and `sent_lines`, the answers to sends that carried
 * a `client_id`, so that a resend through any instance gets the first answer.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates both tables; only the app's role reads them (workers get no grant). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table app_instances (
      id text primary key check (id ~ '^[A-Za-z0-9._:-]{1,40}$'),
      url text not null,
      weight integer not null default 1 check (weight between 1 and 1000),
      max_workers integer not null check (max_workers >= 1),
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    )`.execute(db);
  await sql`revoke all on app_instances from public`.execute(db);
  // `answer` is null while the first send is under way; a failed send deletes its row.
  await sql`
    create table sent_lines (
      key text primary key,
      instance_id text not null,
      status integer,
      content_type text,
      answer text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index sent_lines_created_at on sent_lines (created_at)`.execute(db);
  await sql`revoke all on sent_lines from public`.execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists sent_lines`.execute(db);
  await sql`drop table if exists app_instances`.execute(db);
}

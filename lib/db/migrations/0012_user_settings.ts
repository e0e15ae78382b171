/**
 * Each user's settings (`user_settings`: highlight words, theme, timestamp
 * format, whether joins and parts show) and how each window notifies them
 * (`window_notifications`: all lines, mentions only, or nothing), written by
 * the app (`lib/userSettings.ts`). Worker roles get nothing of either.
 * And the log takes `read` events (a window read on one of the user's
 * devices, `lib/readMarkers.ts`), which the live stream carries to the others.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table user_settings (
      user_id integer primary key references users(id) on delete cascade,
      highlight_words text[] not null default '{}',
      theme text not null default 'auto' check (theme in ('auto', 'light', 'dark')),
      time_format text not null default '24h' check (time_format in ('24h', '24h-seconds', '12h')),
      show_joins_parts boolean not null default true,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table window_notifications (
      server_id integer not null references servers(id) on delete cascade,
      -- The window's name in lower case, as read_markers keys it.
      target text not null,
      level text not null check (level in ('all', 'mentions', 'none')),
      primary key (server_id, target)
    )`.execute(db);
  await sql`alter table server_events drop constraint if exists server_events_kind_check`.execute(db);
  await sql`alter table server_events add constraint server_events_kind_check
            check (kind in ('status', 'channel', 'members', 'read'))`.execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from server_events where kind = 'read'`.execute(db);
  await sql`alter table server_events drop constraint if exists server_events_kind_check`.execute(db);
  await sql`alter table server_events add constraint server_events_kind_check
            check (kind in ('status', 'channel', 'members'))`.execute(db);
  await sql`drop table window_notifications`.execute(db);
  await sql`drop table user_settings`.execute(db);
}

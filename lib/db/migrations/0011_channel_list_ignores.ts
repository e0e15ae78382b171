/**
 * The network's channel list as the last `LIST` answered it (`channel_lists`,
 * how far it got; `channel_list_entries`, the channels), written by the
 * worker for its own server only (the policy of `0007_worker_roles`); and
 * each server's ignore list (`ignores`, written by the app only).
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import { WORKER_GROUP_ROLE } from "./0007_worker_roles.ts";

const LIST_TABLES = ["channel_lists", "channel_list_entries"] as const;

/** Creates the tables, the worker's grants and policies. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table channel_lists (
      server_id integer primary key references servers(id) on delete cascade,
      state text not null check (state in ('listing', 'done')),
      filter text,
      total integer not null default 0,
      truncated boolean not null default false,
      started_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  // Keyed by the name as the server sent it: a list repeats no channel, and
  // one that does (a hostile server) overwrites its own row.
  await sql`
    create table channel_list_entries (
      server_id integer not null references servers(id) on delete cascade,
      name text not null,
      users integer not null,
      topic text not null,
      primary key (server_id, name)
    )`.execute(db);
  await sql`create index channel_list_entries_by_users on channel_list_entries (server_id, users desc, name)`
    .execute(db);
  await sql`
    create table ignores (
      server_id integer not null references servers(id) on delete cascade,
      -- A nick or a pattern of one (* and ?), in lower case.
      mask text not null,
      created_at timestamptz not null default now(),
      primary key (server_id, mask)
    )`.execute(db);

  const worker = sql.id(WORKER_GROUP_ROLE);
  await sql`grant select, insert, delete on channel_lists, channel_list_entries to ${worker}`.execute(db);
  await sql`grant update (state, filter, total, truncated, started_at, finished_at) on channel_lists to ${worker}`
    .execute(db);
  await sql`grant update (users, topic) on channel_list_entries to ${worker}`.execute(db);
  for (const table of LIST_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy worker_own_server on ${sql.table(table)} to ${worker}
      using (server_id = (select ircweb_worker_server_id()))
      with check (server_id = (select ircweb_worker_server_id()))`.execute(db);
  }
}

/** Drops the tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists ignores, channel_list_entries, channel_lists`.execute(db);
}

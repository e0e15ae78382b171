/**
 * The members of each channel (`channel_members`, written by the worker
 * through `lib/channelMembers.ts`, confined to its server as in
 * `0007_worker_roles`), and `members` events in the server's log. Rows keep
 * the names as the worker holds them; readers match the channel
 * case-insensitively.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import { WORKER_GROUP_ROLE } from "./0007_worker_roles.ts";

/** Creates the table, its grants and policy, and lets the log hold `members` events. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table channel_members (
      server_id integer not null references servers(id) on delete cascade,
      channel text not null,
      nick text not null,
      modes text not null default '',
      prefix text not null default '',
      rank integer not null default 0,
      "user" text,
      host text,
      account text,
      away text,
      realname text,
      primary key (server_id, channel, nick)
    )`.execute(db);
  await sql`create index channel_members_by_channel on channel_members (server_id, lower(channel), rank)`
    .execute(db);
  await sql`grant select, insert, delete on channel_members to ${sql.id(WORKER_GROUP_ROLE)}`.execute(db);
  await sql`grant update (modes, prefix, rank, "user", host, account, away, realname) on channel_members
            to ${sql.id(WORKER_GROUP_ROLE)}`.execute(db);
  await sql`alter table channel_members enable row level security`.execute(db);
  await sql`
    create policy worker_own_server on channel_members to ${sql.id(WORKER_GROUP_ROLE)}
    using (server_id = (select ircweb_worker_server_id()))
    with check (server_id = (select ircweb_worker_server_id()))`.execute(db);
  await sql`alter table server_events drop constraint if exists server_events_kind_check`.execute(db);
  await sql`alter table server_events add constraint server_events_kind_check
            check (kind in ('status', 'channel', 'members'))`.execute(db);
}

/** Drops the table and the `members` events. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from server_events where kind = 'members'`.execute(db);
  await sql`alter table server_events drop constraint if exists server_events_kind_check`.execute(db);
  await sql`alter table server_events add constraint server_events_kind_check
            check (kind in ('status', 'channel'))`.execute(db);
  await sql`drop table if exists channel_members`.execute(db);
}

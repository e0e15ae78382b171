/**
 * What keeps a server's live events from the other servers' workers: the key
 * in `app_secrets` (readable by the app's role only) that names each server's
 * PostgreSQL channel, and a trigger on `servers` announcing each server
 * created and deleted on `ircweb_bus` (docs/api.md, "Service bus").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the key and the announcing trigger. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table app_secrets (
      name text primary key,
      value text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`revoke all on app_secrets from public`.execute(db);
  // gen_random_uuid() draws from PostgreSQL's strong random source (pgcrypto
  // may not be installed): two of them make 32 bytes, 244 bits of them random.
  await sql`
    insert into app_secrets (name, value)
    values ('bus', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))`.execute(db);

  // The wire format of lib/serviceBus.ts: `channel \t origin \t counter \t ref \n json`.
  await sql`
    create function ircweb_announce_server() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        perform pg_notify('ircweb_bus', 'bus_servers' || chr(9) || 'db' || chr(9) || 'c' || new.id
          || chr(9) || chr(10) || json_build_object('server_created', new.id)::text);
      else
        perform pg_notify('ircweb_bus', 'bus_servers' || chr(9) || 'db' || chr(9) || 'd' || old.id
          || chr(9) || chr(10) || json_build_object('server_deleted', old.id)::text);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger servers_announce after insert or delete on servers
    for each row execute function ircweb_announce_server()`.execute(db);
}

/** Drops them. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists servers_announce on servers`.execute(db);
  await sql`drop function if exists ircweb_announce_server()`.execute(db);
  await sql`drop table if exists app_secrets`.execute(db);
}

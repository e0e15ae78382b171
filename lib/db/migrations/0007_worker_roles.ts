/**
 * The IRC workers' own database access: a group role `ircweb_worker` holding
 * exactly what a worker does, and row-level security keyed on each worker's
 * own login role that confines it to its server's rows (docs/architecture.md,
 * "Processes and permissions").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** The group role every worker role belongs to. */
export const WORKER_GROUP_ROLE = "ircweb_worker";

/** Tables with a `server_id` column a worker reads or writes. */
const SERVER_TABLES = ["channels", "messages", "server_event_seqs", "server_events"] as const;

/** Creates the group role (when missing), its grants and the policies. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Roles belong to the cluster: another database's migration (or the
  // operator) may have made it already, possibly at this very moment.
  await sql`
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = 'ircweb_worker') then
        if not exists (select 1 from pg_roles where rolname = current_user and (rolsuper or rolcreaterole)) then
          raise exception using
            message = format('The database role %I cannot create roles, and each IRC worker needs one of its own', current_user),
            hint = format('Run "ALTER ROLE %I CREATEROLE" as a superuser (or create the group role: "CREATE ROLE ircweb_worker NOLOGIN" and "GRANT ircweb_worker TO %I WITH ADMIN OPTION"), then start the app again', current_user, current_user);
        end if;
        begin
          create role ircweb_worker nologin;
        exception when duplicate_object or unique_violation then
          null;
        end;
      end if;
    end $$`.execute(db);

  // The server a worker role stands for, from its name; null for any other
  // role. Used as `(select ircweb_worker_server_id())` so it runs once a statement.
  await sql`
    create function ircweb_worker_server_id() returns integer language sql stable as $$
      select case when m[1]::oid = (select oid from pg_database where datname = current_database())
                  then m[2]::integer end
      from regexp_match(current_user::text, '^ircweb_([0-9]{1,10})_server_([0-9]{1,10})$') as m
    $$`.execute(db);

  // Its own server row: read it, and write the columns that tell its state.
  await sql`grant select on servers to ircweb_worker`.execute(db);
  await sql`grant update (status, last_error, pid, socket_path, current_nickname, updated_at) on servers
            to ircweb_worker`.execute(db);
  // Channels: created and updated (joined, topic) as IRC says.
  await sql`grant select, insert on channels to ircweb_worker`.execute(db);
  await sql`grant update (joined, topic, updated_at) on channels to ircweb_worker`.execute(db);
  // Messages: inserted; read back only through `returning`.
  await sql`grant select, insert on messages to ircweb_worker`.execute(db);
  // The event numbers (taken with `insert ... on conflict do update`, read `for share`).
  await sql`grant select, insert on server_event_seqs to ircweb_worker`.execute(db);
  await sql`grant update (last_seq, last_batch) on server_event_seqs to ircweb_worker`.execute(db);
  await sql`grant insert on server_events to ircweb_worker`.execute(db);
  await sql`grant usage on sequence channels_id_seq, messages_id_seq, bus_payloads_id_seq to ircweb_worker`
    .execute(db);
  // Oversized bus notifications: inserted (their id comes back), and the
  // expired ones cleaned up; never read, as they carry other servers' data.
  await sql`grant insert, delete on bus_payloads to ircweb_worker`.execute(db);
  await sql`grant select (id, created_at) on bus_payloads to ircweb_worker`.execute(db);

  await sql`alter table servers enable row level security`.execute(db);
  await sql`
    create policy worker_own_server on servers to ircweb_worker
    using (id = (select ircweb_worker_server_id()))
    with check (id = (select ircweb_worker_server_id()))`.execute(db);
  for (const table of SERVER_TABLES) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy worker_own_server on ${sql.table(table)} to ircweb_worker
      using (server_id = (select ircweb_worker_server_id()))
      with check (server_id = (select ircweb_worker_server_id()))`.execute(db);
  }
  await sql`alter table bus_payloads enable row level security`.execute(db);
  await sql`create policy worker_insert on bus_payloads for insert to ircweb_worker with check (true)`
    .execute(db);
  // `returning id` needs the new row visible; the columns granted are only id and created_at.
  await sql`create policy worker_select on bus_payloads for select to ircweb_worker using (true)`.execute(db);
  // Only what every reader has given up on (lib/serviceBus.ts keeps them 5 minutes).
  await sql`
    create policy worker_cleanup on bus_payloads for delete to ircweb_worker
    using (created_at < now() - interval '5 minutes')`.execute(db);
}

/** Drops the policies and grants; the group role stays (other databases of the cluster may use it). */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["servers", ...SERVER_TABLES]) {
    await sql`drop policy if exists worker_own_server on ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(table)} disable row level security`.execute(db);
  }
  for (const policy of ["worker_insert", "worker_select", "worker_cleanup"]) {
    await sql`drop policy if exists ${sql.id(policy)} on bus_payloads`.execute(db);
  }
  await sql`alter table bus_payloads disable row level security`.execute(db);
  await sql`revoke all on servers, channels, messages, server_event_seqs, server_events, bus_payloads
            from ircweb_worker`.execute(db);
  await sql`revoke all on sequence channels_id_seq, messages_id_seq, bus_payloads_id_seq from ircweb_worker`
    .execute(db);
  await sql`drop function if exists ircweb_worker_server_id()`.execute(db);
}

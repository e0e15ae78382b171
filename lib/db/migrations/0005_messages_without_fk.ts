/**
 * `messages.server_id` without a foreign key, whose check per row slowed a
 * flood's inserts (bench/README.md, "Ingest"); what it guaranteed is kept by
 * the server's sequence row, taken in the same statement, and a trigger on
 * delete (docs/architecture.md, "Storage").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Drops the foreign key; messages are deleted with their server by a trigger. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table messages drop constraint if exists messages_server_id_fkey`.execute(db);
  await sql`
    create function delete_server_messages() returns trigger language plpgsql as $$
    begin
      -- Waits for a batch of this server in flight: it holds the row until
      -- it commits, and the next statement then sees its messages.
      perform 1 from server_event_seqs where server_id = old.id for update;
      delete from messages where server_id = old.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger servers_delete_messages after delete on servers
    for each row execute function delete_server_messages()`.execute(db);
}

/** Puts the foreign key back. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists servers_delete_messages on servers`.execute(db);
  await sql`drop function if exists delete_server_messages()`.execute(db);
  await sql`delete from messages m where not exists (select 1 from servers s where s.id = m.server_id)`
    .execute(db);
  await sql`
    alter table messages add constraint messages_server_id_fkey
    foreign key (server_id) references servers (id) on delete cascade`.execute(db);
}

/**
 * The replayable event log: a per-server sequence shared by messages and by
 * status and channel events, whose numbers commit in order
 * (docs/architecture.md, "From an IRC line to the browser"), and the service
 * bus's oversized payloads.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Adds `messages.seq`, `server_event_seqs`, `server_events` and `bus_payloads`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("server_event_seqs")
    .addColumn("server_id", "integer", (c) => c.primaryKey().references("servers.id").onDelete("cascade"))
    .addColumn("last_seq", "bigint", (c) => c.notNull())
    // The id of the worker's last message batch, so a batch whose commit
    // was not acknowledged (the connection dropped) can be told apart from
    // one that never committed, and is written once.
    .addColumn("last_batch", "text")
    .execute();

  await db.schema.alterTable("messages").addColumn("seq", "bigint").execute();
  // Rows written before this migration get numbers in id order.
  await sql`
    update messages m set seq = n.rn
    from (select id, row_number() over (partition by server_id order by id) as rn from messages) n
    where m.id = n.id`.execute(db);
  await sql`alter table messages alter column seq set not null`.execute(db);
  await sql`
    insert into server_event_seqs (server_id, last_seq)
    select server_id, max(seq) from messages group by server_id`.execute(db);
  await sql`create unique index messages_server_seq on messages (server_id, seq)`.execute(db);

  await db.schema
    .createTable("server_events")
    .addColumn("server_id", "integer", (c) => c.notNull().references("servers.id").onDelete("cascade"))
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('status','channel')`))
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("server_events_pkey", ["server_id", "seq"])
    .execute();

  await db.schema
    .createTable("bus_payloads")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("bus_payloads").ifExists().execute();
  await db.schema.dropTable("server_events").ifExists().execute();
  await sql`drop index if exists messages_server_seq`.execute(db);
  await db.schema.alterTable("messages").dropColumn("seq").execute();
  await db.schema.dropTable("server_event_seqs").ifExists().execute();
}

/**
 * Users, servers, channels and messages.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Creates the first tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("servers")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("port", "integer", (c) => c.notNull().check(sql`port between 1 and 65535`))
    .addColumn("tls", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("nickname", "text", (c) => c.notNull())
    .addColumn("username", "text")
    .addColumn("realname", "text")
    .addColumn("password", "text")
    .addColumn("sasl_username", "text")
    .addColumn("sasl_password", "text")
    .addColumn("flood_burst", "integer", (c) => c.notNull().defaultTo(5))
    .addColumn("flood_interval_ms", "integer", (c) => c.notNull().defaultTo(2000))
    .addColumn("current_nickname", "text")
    .addColumn("autoconnect", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("socket_path", "text")
    .addColumn("pid", "integer")
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("disconnected").check(
        sql`status in ('disconnected','connecting','connected','reconnecting','error')`,
      ))
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("servers_user_id").on("servers").column("user_id").execute();

  await db.schema
    .createTable("channels")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("server_id", "integer", (c) => c.notNull().references("servers.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("joined", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("topic", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index channels_server_lower_name on channels (server_id, lower(name))`
    .execute(db);

  await db.schema
    .createTable("messages")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("server_id", "integer", (c) => c.notNull().references("servers.id").onDelete("cascade"))
    .addColumn("target", "text")
    .addColumn("sender", "text")
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("message_type", "text", (c) =>
      c.notNull().check(
        sql`message_type in ('privmsg','notice','action','join','part','quit','nick','topic','kick','mode','error','system')`,
      ))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // "The latest N of one target", and paging backwards from an id.
  await sql`create index messages_server_target_id on messages (server_id, lower(target), id desc)`
    .execute(db);
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["messages", "channels", "servers", "users"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

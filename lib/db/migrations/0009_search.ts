/**
 * Full-text search of `messages` (`lib/search.ts` queries it): a column
 * `search_vector` set by a trigger on insert and a partial GIN index on it,
 * added outside a transaction so that the workers' inserts go on meanwhile
 * (docs/architecture.md, "Storage"; the figures in bench/README.md, "Search").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Applied outside a transaction: `CREATE INDEX CONCURRENTLY` cannot run in one. */
export const transaction = false;

/** The kinds of message search covers; the index's predicate, repeated verbatim by the queries. */
export const SEARCHED_TYPES_SQL = "message_type in ('privmsg', 'notice', 'action', 'topic')";

/** The index's name. */
export const VECTOR_INDEX = "messages_search_vector";
/** Rows given their vector per statement of the backfill. */
export const BACKFILL_BATCH = 5000;
/** Longest wait for the brief locks of adding the column and the trigger, before trying again. */
export const LOCK_WAIT_MS = 2000;

/** Adds the column and its trigger, fills it in, and builds the index concurrently. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Checked first: even `if not exists` takes the table's strongest lock.
  const { rows } = await sql<{ column: boolean; trigger: boolean }>`
    select exists (select 1 from pg_attribute where attrelid = 'messages'::regclass
                   and attname = 'search_vector' and not attisdropped) as column,
           exists (select 1 from pg_trigger where tgrelid = 'messages'::regclass
                   and tgname = 'messages_search_vector') as trigger`.execute(db);
  if (!rows[0].column) {
    await withShortLock(db, sql`alter table messages add column if not exists search_vector tsvector`);
  }
  await sql.raw(String.raw`
    create or replace function ircweb_nick_key(nick text) returns text language sql immutable as $$
      select translate(lower(nick), '[]\~', '{}|^')
    $$`).execute(db);
  // The lexeme that stands for the sender has a space, which no word that
  // to_tsvector or websearch_to_tsquery parses out of a text has.
  await sql.raw(String.raw`
    create or replace function ircweb_search_vector(content text, sender text) returns tsvector
    language sql immutable as $$
      select to_tsvector('simple', content) ||
        case when sender is null or sender = '' or octet_length(sender) > 200 then ''::tsvector
        else array_to_tsvector(array['from ' || ircweb_nick_key(sender)]) end
    $$`).execute(db);
  // A tsquery of that one lexeme, quoted (quotes and backslashes doubled).
  await sql.raw(String.raw`
    create or replace function ircweb_from_query(nick text) returns tsquery language sql immutable as $$
      select ('''' || replace(replace('from ' || ircweb_nick_key(nick), '\', '\\'), '''', '''''') || '''')::tsquery
    $$`).execute(db);
  await sql.raw(`
    create or replace function messages_search_vector() returns trigger language plpgsql as $$
    begin
      new.search_vector := ircweb_search_vector(new.content, new.sender);
      return new;
    end $$`).execute(db);
  if (!rows[0].trigger) {
    await withShortLock(
      db,
      sql.raw(`create or replace trigger messages_search_vector before insert on messages
               for each row when (new.${SEARCHED_TYPES_SQL}) execute function messages_search_vector()`),
    );
  }
  await backfill(db);
  await buildIndex(
    db,
    VECTOR_INDEX,
    `create index concurrently if not exists ${VECTOR_INDEX} on messages
     using gin (search_vector) where ${SEARCHED_TYPES_SQL}`,
  );
  // For the planner's idea of how common each word is; reads a sample, not the table.
  await sql`analyze messages (search_vector)`.execute(db);
}

/** Drops the index, the trigger and the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index concurrently if exists ${sql.id(VECTOR_INDEX)}`.execute(db);
  await withShortLock(db, sql`drop trigger if exists messages_search_vector on messages`);
  await sql`drop function if exists messages_search_vector()`.execute(db);
  await sql`drop function if exists ircweb_search_vector(text, text)`.execute(db);
  await sql`drop function if exists ircweb_from_query(text)`.execute(db);
  await sql`drop function if exists ircweb_nick_key(text)`.execute(db);
  await withShortLock(db, sql`alter table messages drop column if exists search_vector`);
}

/** Gives every searched row from before the trigger its vector, a batch a statement. */
export async function backfill(db: Kysely<unknown>): Promise<number> {
  let after = "0";
  let filled = 0;
  while (true) {
    const { rows } = await sql.raw<{ last: string | null; filled: number }>(`
      with batch as (
        select id from messages where id > ${Number(after)} order by id limit ${BACKFILL_BATCH}
      ), filled as (
        update messages m set search_vector = ircweb_search_vector(m.content, m.sender)
        from batch where m.id = batch.id and m.search_vector is null and m.${SEARCHED_TYPES_SQL}
        returning 1
      )
      select (select max(id) from batch)::text as last, (select count(*) from filled)::int as filled`)
      .execute(db);
    if (rows[0].last === null) return filled;
    after = rows[0].last;
    filled += rows[0].filled;
  }
}

/** Runs a statement that takes a brief strong lock, never queueing long for it. */
async function withShortLock(db: Kysely<unknown>, statement: ReturnType<typeof sql>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await db.connection().execute(async (conn) => {
        await sql.raw(`set lock_timeout = ${LOCK_WAIT_MS}`).execute(conn);
        try {
          await statement.execute(conn);
        } finally {
          await sql`reset lock_timeout`.execute(conn);
        }
      });
      return;
    } catch (error) {
      // 55P03: lock_not_available; a long transaction holds the table.
      const code = (error as { code?: string }).code;
      if (code !== "55P03" || attempt >= 30) throw error;
    }
  }
}

async function buildIndex(db: Kysely<unknown>, name: string, create: string): Promise<void> {
  const { rows } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = ${name} and c.relnamespace = current_schema()::regnamespace`.execute(db);
  if (rows.length > 0 && !rows[0].valid) {
    await sql`drop index concurrently if exists ${sql.id(name)}`.execute(db);
  }
  await sql.raw(create).execute(db);
}

/**
 * Full-text search of `messages` (`lib/search.ts` queries it): a column
 * `search_vector`, the words of the text as `to_tsvector('simple', content)`
 * (the `simple` configuration: no stemming and no stop words, so any
 * language and any nick is found as typed) and a lexeme `from <nick>` for
 * the sender (folded as IRC folds nicks, `ircweb_nick_key`; `from:nick` is
 * then one more term of the same index lookup, `ircweb_from_query`), set by
 * a trigger on insert, and a GIN index on it, `messages_search_vector`.
 *
 * Only the kinds of message search looks at have one (text and topics, not
 * joins, parts and modes), and the index is partial on them, so the rest
 * cost nothing more to insert.
 *
 * Why a stored column and not an index on the expression: every query then
 * checks and ranks the rows it reads by recomputing their vector, about
 * 8 µs a row, which made a common word or a phrase take 40-400 ms on a
 * million messages against 4-80 ms with the vector stored (the bench's
 * search scenario, `bench/README.md`); inserting costs about the same
 * either way (the vector is computed once, for the index or the column).
 * Why a trigger and not a generated column: adding a stored generated
 * column rewrites the whole table under a lock that stops every insert for
 * as long, minutes on millions of rows.
 *
 * Exact substrings (`contains:`) have no index: a trigram index (`pg_trgm`)
 * cut the insert rate of a batch by a further third, for a filter that is
 * mostly used with words or a channel, which narrow the rows it reads.
 *
 * The migration runs outside a transaction ({@link transaction} `false`,
 * applied alone by `lib/db/migrate.ts`) so that nothing it does holds a
 * lock that stops the workers' inserts for long, on a history of millions
 * of rows written to meanwhile (`deno task db:migrate` while the previous
 * version runs):
 *
 * 1. the column is added (a change of the catalogue only) and the trigger
 *    created, each waiting at most {@link LOCK_WAIT_MS} for its brief lock
 *    (so a long transaction makes it retry rather than queue every insert
 *    behind it);
 * 2. the rows from before the trigger get their vector in batches of
 *    {@link BACKFILL_BATCH}, each its own transaction (about a minute per
 *    million rows on 2 cores);
 * 3. the index is built with `CREATE INDEX CONCURRENTLY`.
 *
 * Interrupted anywhere, the migration is not recorded as applied and runs
 * again at the next start: every step is idempotent, the backfill goes on
 * where rows still have no vector, and an `INVALID` index left by an
 * interrupted concurrent build (never used, yet written on every insert) is
 * dropped and built again.
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

/**
 * Search indexes on `messages` (`lib/search.ts` queries them):
 *
 * - `messages_search_fts`: GIN on `to_tsvector('simple', content)`, the
 *   words of the text (the `simple` configuration: no stemming and no stop
 *   words, so any language and any nick is found as typed);
 * - `messages_search_trgm`: GIN on `content` with `pg_trgm`'s trigrams, for
 *   exact substrings full-text search does not tokenise (URLs, nicks with
 *   punctuation). Where the extension cannot be created (an external
 *   PostgreSQL without contrib, a role that may not), it is skipped and a
 *   substring search reads the rows the other conditions leave.
 *
 * Both are partial: only the kinds of message search looks at (text and
 * topics, not joins, parts and modes), so the rest cost nothing to insert.
 * They are expression indexes, not generated columns: adding a stored
 * column rewrites the whole table under an exclusive lock.
 *
 * The migration runs outside a transaction (`lib/db/migrate.ts` applies
 * it alone, {@link transaction} `false`) so that both are built with
 * `CREATE INDEX CONCURRENTLY`: on millions of rows the build takes minutes,
 * and a plain `CREATE INDEX` would hold a lock stopping every worker's
 * inserts for all of them; concurrently, inserts go on. A build that was
 * interrupted (the app stopped, the connection lost) leaves an `INVALID`
 * index behind, which is never used and still costs every insert: the next
 * run drops it and builds it again.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Applied outside a transaction: `CREATE INDEX CONCURRENTLY` cannot run in one. */
export const transaction = false;

/** The kinds of message search covers; the indexes' predicate, repeated verbatim by the queries. */
export const SEARCHED_TYPES_SQL = "message_type in ('privmsg', 'notice', 'action', 'topic')";

/** The full-text index's name. */
export const FTS_INDEX = "messages_search_fts";
/** The trigram index's name. */
export const TRGM_INDEX = "messages_search_trgm";

/** Builds both indexes concurrently, replacing an invalid one left by an interrupted build. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await buildIndex(
    db,
    FTS_INDEX,
    `create index concurrently if not exists ${FTS_INDEX} on messages
     using gin (to_tsvector('simple', content)) where ${SEARCHED_TYPES_SQL}`,
  );
  if (await hasTrigrams(db)) {
    await buildIndex(
      db,
      TRGM_INDEX,
      `create index concurrently if not exists ${TRGM_INDEX} on messages
       using gin (content gin_trgm_ops) where ${SEARCHED_TYPES_SQL}`,
    );
  }
}

/** Drops both indexes (the extension stays: something else may use it). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index concurrently if exists ${sql.id(TRGM_INDEX)}`.execute(db);
  await sql`drop index concurrently if exists ${sql.id(FTS_INDEX)}`.execute(db);
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

/** Whether `pg_trgm` is there or could be created (it is a trusted extension since PostgreSQL 13). */
async function hasTrigrams(db: Kysely<unknown>): Promise<boolean> {
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    return true;
  } catch {
    return false;
  }
}

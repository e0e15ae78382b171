/**
 * Search vectors off the insert path: the trigger of 0009 is dropped, and
 * the web process's indexer (`lib/search/indexer.ts`) fills `search_vector`
 * after the fact, each server's rows in the order of their numbers up to a
 * watermark kept here (docs/architecture.md, "Storage").
 *
 * @module
 */
import { type Kysely, sql } from "kysely";
import { backfill, LOCK_WAIT_MS, SEARCHED_TYPES_SQL } from "./0009_search.ts";

/** Applied outside a transaction: its one brief lock is retried rather than queued behind. */
export const transaction = false;

/** Each server's watermark: every searched row numbered up to `indexed_seq` has its vector. */
export const PROGRESS_TABLE = "search_index_progress";

/**
 * Creates the watermarks' table, then in one short transaction drops the
 * trigger and sets each server's watermark to its newest number: the
 * trigger gave every row up to there its vector, and the lock the drop takes
 * holds inserts back meanwhile, so no row falls between the two.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table if not exists search_index_progress (
      server_id integer primary key references servers (id) on delete cascade,
      indexed_seq bigint not null
    )`.execute(db);
  await retryingLock(async (trx) => {
    const { rows } = await sql<{ trigger: boolean }>`
      select exists (select 1 from pg_trigger where tgrelid = 'messages'::regclass
                     and tgname = 'messages_search_vector') as trigger`.execute(trx);
    // Already gone: an earlier run got this far, and the watermarks with it.
    if (!rows[0].trigger) return;
    await sql`drop trigger messages_search_vector on messages`.execute(trx);
    await sql`
      insert into search_index_progress (server_id, indexed_seq)
      select q.server_id, q.last_seq from server_event_seqs q join servers s on s.id = q.server_id
      on conflict (server_id) do update set indexed_seq = greatest(search_index_progress.indexed_seq,
                                                                   excluded.indexed_seq)`.execute(trx);
  }, db);
  await sql`drop function if exists messages_search_vector()`.execute(db);
}

/** Puts the trigger of 0009 back, gives the rows the indexer had not reached their vectors, drops the table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create or replace function messages_search_vector() returns trigger language plpgsql as $$
    begin
      new.search_vector := ircweb_search_vector(new.content, new.sender);
      return new;
    end $$`).execute(db);
  await retryingLock(async (trx) => {
    await sql.raw(`create or replace trigger messages_search_vector before insert on messages
               for each row when (new.${SEARCHED_TYPES_SQL}) execute function messages_search_vector()`)
      .execute(trx);
  }, db);
  await backfill(db);
  await sql`drop table if exists search_index_progress`.execute(db);
}

/** Runs `fn` in a transaction whose locks wait at most {@link LOCK_WAIT_MS}, again until it gets them. */
async function retryingLock(fn: (trx: Kysely<unknown>) => Promise<void>, db: Kysely<unknown>): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await db.transaction().execute(async (trx) => {
        await sql.raw(`set local lock_timeout = ${LOCK_WAIT_MS}`).execute(trx);
        await fn(trx);
      });
      return;
    } catch (error) {
      // 55P03: lock_not_available; a long transaction holds the table.
      const code = (error as { code?: string }).code;
      if (code !== "55P03" || attempt >= 30) throw error;
    }
  }
}

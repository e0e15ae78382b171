/**
 * The search indexer: gives stored messages their `search_vector` after the
 * fact, in batches, each server's rows in the order of their numbers up to
 * its watermark (migration 0018), so that a worker's insert computes nothing
 * for search. Search matches the rows past a watermark directly (`lib/search.ts`).
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { SEARCHED_TYPES_SQL } from "../db/migrations/0009_search.ts";
import { errorMessage, logger } from "../log.ts";
import { RepeatingRun } from "../repeatingRun.ts";

/** Rows one batch reads at most (one transaction of its own). */
export const INDEX_BATCH = 2000;
/** How long the indexer waits, once caught up, before it looks again, ms. */
export const IDLE_POLL_MS = 1000;
/**
 * Time paused after a batch, per unit of the batch's own time: 3 keeps the
 * indexer to a quarter of the time while it is behind, so a flood's inserts
 * keep the machine; it catches up once the flood is over.
 */
export const PAUSE_PER_WORK = 3;

const log = logger("search-indexer");

/** The advisory lock key only one indexer of a database holds at a time (SQL). */
export const INDEXER_LOCK_SQL = "hashtext('ircweb:search-indexer')";

/** What one call of {@link indexBatch} did. */
export interface IndexBatchResult {
  /** Rows given their vector. */
  indexed: number;
  /** Whether rows are still waiting (another batch may go at once). */
  more: boolean;
  /** Another indexer (another app instance) holds the work: nothing was done. */
  busy: boolean;
}

/**
 * Indexes up to `limit` rows of the servers that have some waiting, oldest
 * numbers first, and moves their watermarks past them; one transaction,
 * which only one indexer of the database runs at a time.
 */
export async function indexBatch(db: Db, limit = INDEX_BATCH): Promise<IndexBatchResult> {
  return await db.transaction().execute(async (trx) => {
    const { rows: lock } = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(${sql.raw(INDEXER_LOCK_SQL)}) as ok`.execute(trx);
    if (!lock[0].ok) return { indexed: 0, more: false, busy: true };
    const { rows: behind } = await sql<{ server_id: number }>`
      select q.server_id from server_event_seqs q
      left join search_index_progress p on p.server_id = q.server_id
      join servers s on s.id = q.server_id
      where q.last_seq > coalesce(p.indexed_seq, 0)
      order by q.server_id`.execute(trx);
    let indexed = 0;
    let left = limit;
    let more = false;
    for (const { server_id } of behind) {
      if (left <= 0) {
        more = true;
        break;
      }
      const done = await indexServer(trx, server_id, left);
      indexed += done.indexed;
      left -= done.read;
      more ||= done.more;
    }
    return { indexed, more, busy: false };
  });
}

/**
 * One server's next `limit` rows past its watermark. In one statement, so
 * one snapshot: a server's numbers commit in order (docs/architecture.md,
 * step 3), so when fewer than `limit` rows are past the watermark, every row
 * up to the server's newest number is among them, and the watermark moves there.
 */
async function indexServer(
  db: Db,
  serverId: number,
  limit: number,
): Promise<{ read: number; indexed: number; more: boolean }> {
  const { rows } = await sql<{ read: number; indexed: number; more: boolean }>`
    with p as (
      select coalesce((select indexed_seq from search_index_progress where server_id = ${serverId}), 0) as done,
             (select last_seq from server_event_seqs where server_id = ${serverId}) as newest
    ), b as (
      select m.id, m.seq from messages m, p
      where m.server_id = ${serverId} and m.seq > p.done order by m.seq limit ${limit}
    ), u as (
      update messages m set search_vector = ircweb_search_vector(m.content, m.sender)
      from b where m.id = b.id and m.search_vector is null and m.${sql.raw(SEARCHED_TYPES_SQL)}
      returning 1
    ), upto as (
      select case when (select count(*) from b) >= ${limit} then (select max(seq) from b) else p.newest end
             as seq from p
    ), w as (
      -- A data-modifying CTE runs whether or not it is read.
      insert into search_index_progress (server_id, indexed_seq)
      select ${serverId}, upto.seq from upto where upto.seq is not null
      on conflict (server_id) do update
        set indexed_seq = greatest(search_index_progress.indexed_seq, excluded.indexed_seq)
      returning indexed_seq
    )
    select (select count(*) from b)::int as read, (select count(*) from u)::int as indexed,
           (select count(*) from b) >= ${limit} as more`.execute(db);
  return rows[0];
}

/** Indexes until no row waits, as fast as it goes (tests, the bench's set-up); returns the rows indexed. */
export async function indexAll(db: Db, limit = INDEX_BATCH): Promise<number> {
  let indexed = 0;
  while (true) {
    const batch = await indexBatch(db, limit);
    indexed += batch.indexed;
    if (batch.busy) await new Promise((r) => setTimeout(r, 50));
    else if (!batch.more) return indexed;
  }
}

/** Options of {@link SearchIndexer.start}. */
export interface SearchIndexerOptions {
  batch?: number;
  idlePollMs?: number;
  pausePerWork?: number;
}

/** Runs {@link indexBatch} in the background of the web process until stopped. */
export class SearchIndexer {
  readonly #db: Db;
  readonly #batch: number;
  readonly #idlePollMs: number;
  readonly #pausePerWork: number;
  readonly #repeating: RepeatingRun;
  #failures = 0;

  private constructor(db: Db, options: SearchIndexerOptions) {
    this.#db = db;
    this.#batch = options.batch ?? INDEX_BATCH;
    this.#idlePollMs = options.idlePollMs ?? IDLE_POLL_MS;
    this.#pausePerWork = options.pausePerWork ?? PAUSE_PER_WORK;
    this.#repeating = RepeatingRun.start(() => this.#run(), 0);
  }

  /** Starts indexing at once. */
  static start(db: Db, options: SearchIndexerOptions = {}): SearchIndexer {
    return new SearchIndexer(db, options);
  }

  /** Stops, after the batch under way (its transaction commits or rolls back whole). */
  stop(): Promise<void> {
    return this.#repeating.stop();
  }

  /** One batch; returns how long to wait before the next. */
  async #run(): Promise<number> {
    const started = performance.now();
    try {
      const batch = await indexBatch(this.#db, this.#batch);
      this.#failures = 0;
      if (!batch.more) return this.#idlePollMs;
      return (performance.now() - started) * this.#pausePerWork;
    } catch (error) {
      // Search still finds what waits (directly matched); try again later, less often.
      this.#failures++;
      if (this.#failures === 1 || this.#failures % 60 === 0) {
        log.warn(`search indexing failed (${this.#failures}x): ${errorMessage(error)}`);
      }
      return Math.min(60_000, this.#idlePollMs * 2 ** Math.min(this.#failures, 6));
    }
  }
}

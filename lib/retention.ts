/**
 * Retention and quota of each server's stored log: its oldest messages and
 * status/channel events go once there are more than
 * `MAX_MESSAGES_PER_SERVER` or they are older than `RETENTION_DAYS`, always
 * a prefix of the log, in small batches (docs/deploy.md, "Retention and quota").
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { errorMessage, logger } from "./log.ts";
import { RepeatingRun } from "./repeatingRun.ts";

/** What to keep of each server's log. */
export interface RetentionPolicy {
  /** Delete what is older than this many days; `undefined` keeps it for ever. */
  retentionDays: number | undefined;
  /** Keep at most this many of each server's newest messages and events; `undefined`: no bound. */
  maxMessagesPerServer: number | undefined;
}

/** How deletion paces itself. */
export interface TrimOptions {
  /** Rows considered (and at most deleted) per batch. */
  batchSize?: number;
  /** Pause between two batches, ms. */
  pauseMs?: number;
  /** The time ages are reckoned from. */
  now?: Date;
}

/** Default of {@link TrimOptions.batchSize}. */
export const DEFAULT_BATCH_SIZE = 1000;
/** Default of {@link TrimOptions.pauseMs}. */
export const DEFAULT_PAUSE_MS = 50;
/** How often {@link Retention} trims every server, ms. */
export const DEFAULT_INTERVAL_MS = 10 * 60_000;
/** How long after {@link Retention.start} the first trim runs, ms (after the start's own work). */
export const DEFAULT_FIRST_RUN_MS = 30_000;

const DAY_MS = 24 * 60 * 60_000;

const log = logger("retention");

/**
 * Deletes what `policy` does not keep of `serverId`'s log, in batches;
 * returns the number of rows deleted. `shouldStop` is asked between batches.
 */
export async function trimServer(
  db: Db,
  serverId: number,
  policy: RetentionPolicy,
  options: TrimOptions & { shouldStop?: () => boolean } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
  const now = options.now ?? new Date();
  const cutoff = policy.retentionDays === undefined
    ? null
    : new Date(now.getTime() - policy.retentionDays * DAY_MS);
  const head = await db.selectFrom("server_event_seqs").select("last_seq").where("server_id", "=", serverId)
    .executeTakeFirst();
  if (!head) return 0;
  // Numbers only grow: a bound read once stays a bound.
  const countBound = policy.maxMessagesPerServer === undefined
    ? -Infinity
    : Number(head.last_seq) - policy.maxMessagesPerServer;
  // A first look at the oldest row: most servers have nothing to delete,
  // and need not have a whole batch read.
  if (await deletableRun(db, serverId, cutoff, countBound, 1) === undefined) return 0;
  let deleted = 0;
  for (let batch = 0;; batch++) {
    if (batch > 0) {
      if (options.shouldStop?.()) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    const run = await deletableRun(db, serverId, cutoff, countBound, batchSize);
    if (run === undefined) break;
    // Every row numbered up to `last` was among those read: at most a batch goes.
    const gone = await db.transaction().execute(async (trx) => {
      // The server row's key share: a deletion of the server (whose trigger
      // deletes these same rows, in another order) waits for this batch
      // instead of deadlocking with it. Status writes do not conflict with it.
      const exists = await trx.selectFrom("servers").select("id").where("id", "=", serverId).forKeyShare()
        .executeTakeFirst();
      if (!exists) return undefined;
      const messages = await trx.deleteFrom("messages").where("server_id", "=", serverId)
        .where("seq", "<=", String(run.last)).executeTakeFirst();
      const events = await trx.deleteFrom("server_events").where("server_id", "=", serverId)
        .where("seq", "<=", String(run.last)).executeTakeFirst();
      return Number(messages.numDeletedRows) + Number(events.numDeletedRows);
    });
    if (gone === undefined) break;
    deleted += gone;
    if (!run.more) break;
  }
  return deleted;
}

// Of the `limit` oldest rows of the log, the run from the oldest end that
// the policy does not keep: the number of its last, and whether rows past
// it may go too (the whole read was deletable); `undefined` when none is.
async function deletableRun(
  db: Db,
  serverId: number,
  cutoff: Date | null,
  countBound: number,
  limit: number,
): Promise<{ last: number; more: boolean } | undefined> {
  const { rows } = await sql<{ seq: string; old: boolean | null }>`
    select seq, created_at < ${cutoff}::timestamptz as old from (
      (select seq, created_at from messages where server_id = ${serverId} order by seq limit ${limit})
      union all
      (select seq, created_at from server_events where server_id = ${serverId} order by seq limit ${limit})
    ) e order by seq limit ${limit}`.execute(db);
  let last = -1;
  let taken = 0;
  for (const row of rows) {
    const seq = Number(row.seq);
    if (seq > countBound && row.old !== true) break;
    last = seq;
    taken++;
  }
  if (last === -1) return undefined;
  return { last, more: taken === limit };
}

/** Trims every server's log (see {@link trimServer}); returns the number of rows deleted. */
export async function trimAll(
  db: Db,
  policy: RetentionPolicy,
  options: TrimOptions & { shouldStop?: () => boolean } = {},
): Promise<number> {
  const servers = await db.selectFrom("server_event_seqs").select("server_id").orderBy("server_id").execute();
  let deleted = 0;
  for (const { server_id } of servers) {
    if (options.shouldStop?.()) break;
    try {
      deleted += await trimServer(db, server_id, policy, options);
    } catch (error) {
      // A deadlock with the server's own deletion, say: next time.
      log.warn(`retention of server ${server_id}: ${errorMessage(error)}`);
    }
  }
  return deleted;
}

/** Runs {@link trimAll} on an interval until stopped. */
export class Retention {
  readonly #db: Db;
  readonly #policy: RetentionPolicy;
  readonly #options: TrimOptions;
  readonly #intervalMs: number;
  readonly #repeating: RepeatingRun;

  private constructor(
    db: Db,
    policy: RetentionPolicy,
    intervalMs: number,
    options: TrimOptions,
    firstRunMs: number,
  ) {
    this.#db = db;
    this.#policy = policy;
    this.#intervalMs = intervalMs;
    this.#options = options;
    this.#repeating = RepeatingRun.start(() => this.#run(), firstRunMs);
  }

  /** Starts trimming: first after `firstRunMs`, then every `intervalMs`. */
  static start(
    db: Db,
    policy: RetentionPolicy,
    options: TrimOptions & { intervalMs?: number; firstRunMs?: number } = {},
  ): Retention {
    return new Retention(
      db,
      policy,
      options.intervalMs ?? DEFAULT_INTERVAL_MS,
      options,
      options.firstRunMs ?? DEFAULT_FIRST_RUN_MS,
    );
  }

  /** Stops the timer and waits for a run under way to finish its batch. */
  stop(): Promise<void> {
    return this.#repeating.stop();
  }

  async #run(): Promise<number> {
    const started = performance.now();
    try {
      const deleted = await trimAll(this.#db, this.#policy, {
        ...this.#options,
        shouldStop: () => this.#repeating.stopped,
      });
      if (deleted > 0) {
        log.info(
          `deleted ${deleted} old messages and events in ${Math.round(performance.now() - started)} ms`,
        );
      }
    } catch (error) {
      log.warn(`retention: ${errorMessage(error)}`);
    }
    return this.#intervalMs;
  }
}

/**
 * Ingest: one worker, the IRC server sending PRIVMSG lines as fast as the
 * connection takes them (a netsplit, a busy channel after a reconnect);
 * rows persisted per second, from the first line written until the last
 * row is committed, and how many never were.
 *
 * Baseline: the raw multi-row insert rate with `npm:pg` into a plain table
 * of the same columns, 1,000 rows a statement (the worker's largest batch),
 * one statement after the other.
 *
 * What search costs the insert path: the same blast again at a fresh worker
 * with search gone (its GIN index dropped, the app's indexer held off, so
 * the vector is neither computed nor indexed), in the same run; then the
 * index is built again and the indexer catches up.
 *
 * @module
 */
import pg from "pg";
import { sql } from "kysely";
import { SEARCHED_TYPES_SQL, VECTOR_INDEX } from "../../lib/db/migrations/0009_search.ts";
import { INDEXER_LOCK_SQL } from "../../lib/search/indexer.ts";
import { type Figure, ratioTarget } from "../support/stats.ts";
import { channelLine, openChatServer, type ScenarioContext } from "./context.ts";

const SCENARIO = "ingest";
const BATCH = 1000;

/** Persisted rows a second of the app and of the baseline. */
export interface IngestResult {
  lines: number;
  persisted: number;
  seconds: number;
  baselineRowsPerSecond: number;
  /** The same blast with the search indexes dropped. */
  withoutSearchIndexes: { persisted: number; seconds: number };
}

/** Runs the baseline, then the blast at a fresh worker. */
export async function runIngest(ctx: ScenarioContext): Promise<IngestResult> {
  const { env, sizes } = ctx;
  const lines = sizes.ingestLines;
  const baselineRowsPerSecond = await baselineInsertRate(env.databaseUrl, lines);
  ctx.log(`ingest baseline: ${Math.round(baselineRowsPerSecond)} rows/s`);
  const withIndexes = await blast(ctx, "ingest", "#flood");
  const withoutSearchIndexes = await withoutSearch(env.databaseUrl, () => blast(ctx, "ingest2", "#flood2"));
  return { ...withIndexes, lines, baselineRowsPerSecond, withoutSearchIndexes };
}

/**
 * Runs `fn` with search gone from the insert path: the app's indexer kept
 * from running by its own lock, held here, and the GIN index dropped; then
 * the index is built again as migration 0009 builds it.
 */
async function withoutSearch<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`select pg_advisory_lock(${INDEXER_LOCK_SQL})`);
    await client.query(`drop index concurrently if exists ${VECTOR_INDEX}`);
    try {
      return await fn();
    } finally {
      await client.query(`create index concurrently if not exists ${VECTOR_INDEX} on messages
        using gin (search_vector) where ${SEARCHED_TYPES_SQL}`);
    }
  } finally {
    await client.end();
  }
}

async function blast(
  ctx: ScenarioContext,
  nickname: string,
  channel: string,
): Promise<{ persisted: number; seconds: number }> {
  const { env, sizes } = ctx;
  const lines = sizes.ingestLines;
  const chat = await openChatServer(env, nickname, channel);
  const id = chat.server.id;
  const seqNow = async () => {
    const row = await env.db.selectFrom("server_event_seqs").select("last_seq").where("server_id", "=", id)
      .executeTakeFirst();
    return Number(row?.last_seq ?? 0);
  };
  // Let the join's own events settle so the count starts from a still log.
  let before = await seqNow();
  for (let stable = 0; stable < 3;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await seqNow();
    stable = now === before ? stable + 1 : 0;
    before = now;
  }

  const text = " the quick brown fox jumps over the lazy dog, again and again";
  const start = performance.now();
  const blasting = chat.irc.blast(lines, (i) => channelLine(chat.channel, `in ${i}${text}`));
  let last = before;
  let lastChange = performance.now();
  let finishedAt = start;
  while (true) {
    await new Promise((r) => setTimeout(r, 20));
    const seq = await seqNow();
    const now = performance.now();
    if (seq !== last) {
      last = seq;
      lastChange = now;
      finishedAt = now;
    }
    if (seq - before >= lines) break;
    if (now - lastChange > 10_000) break; // nothing more is coming
  }
  await blasting;
  const seconds = (finishedAt - start) / 1000;
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from messages
    where server_id = ${id} and message_type = 'privmsg' and content like 'in %'`.execute(env.db);
  const persisted = Number(rows[0].n);
  ctx.log(`ingest (${nickname}): ${persisted} of ${lines} rows in ${seconds.toFixed(2)} s`);
  await env.api("POST", `/api/servers/${id}/disconnect`, undefined, 202);
  return { persisted, seconds };
}

/** The scenario's figures. */
export function ingestFigures(result: IngestResult): Figure[] {
  const rate = result.persisted / result.seconds;
  const lost = result.lines - result.persisted;
  const without = result.withoutSearchIndexes.persisted / result.withoutSearchIndexes.seconds;
  return [
    {
      scenario: SCENARIO,
      figure: `${result.lines.toLocaleString("en-US")} lines, persisted`,
      unit: "msg/s",
      value: rate,
      baseline: result.baselineRowsPerSecond,
      baselineNote: `multi-row insert, ${BATCH} rows a statement (npm:pg)`,
      target: ratioTarget(">=", 0.5),
      note: `${result.persisted} rows in ${result.seconds.toFixed(2)} s`,
    },
    {
      scenario: SCENARIO,
      figure: "persisted, with the search indexes vs without",
      unit: "msg/s",
      value: rate,
      baseline: without,
      baselineNote: "the same blast at a fresh worker, search indexes dropped",
      note: `${result.withoutSearchIndexes.persisted} rows in ${
        result.withoutSearchIndexes.seconds.toFixed(2)
      } s without`,
    },
    {
      scenario: SCENARIO,
      figure: "drop with the search indexes",
      unit: "%",
      value: Math.max(0, (1 - rate / without) * 100),
      baseline: null,
      target: { op: "<=", value: 15 },
    },
    {
      scenario: SCENARIO,
      figure: "lost",
      unit: "msg",
      value: lost,
      baseline: null,
      target: { op: "<=", value: 0 },
    },
  ];
}

async function baselineInsertRate(url: string, rows: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create table if not exists bench_ingest_baseline (
      id bigserial primary key, server_id integer not null, target text, sender text,
      content text not null, message_type text not null, created_at timestamptz not null)`);
    const text = " the quick brown fox jumps over the lazy dog, again and again";
    const start = performance.now();
    for (let offset = 0; offset < rows; offset += BATCH) {
      const count = Math.min(BATCH, rows - offset);
      const contents: string[] = [];
      const times: Date[] = [];
      for (let i = 0; i < count; i++) {
        contents.push(`in ${offset + i}${text}`);
        times.push(new Date());
      }
      await client.query(
        `insert into bench_ingest_baseline (server_id, target, sender, content, message_type, created_at)
         select 0, '#flood', 'alice', c, 'privmsg', t from unnest($1::text[], $2::timestamptz[]) as u(c, t)`,
        [contents, times],
      );
    }
    return rows / ((performance.now() - start) / 1000);
  } finally {
    await client.end();
  }
}

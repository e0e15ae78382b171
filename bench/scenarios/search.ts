/**
 * Search: a history of `searchMessages` stored messages over
 * `searchChannels` channels (1,000,000 over 50 in the full run), written
 * straight into `messages` by one `INSERT ... SELECT generate_series`, then
 * 100 typical queries (one word, two words, a phrase, a nick filter, a rare
 * word, a common word, a channel, an exclusion, a word and a substring) timed through `searchMessages`, the
 * very function and SQL behind `GET /api/search` (a page of 50 and the
 * capped count).
 *
 * Baseline: the same queries as `ILIKE '%...%'` on the same table in the
 * same run (what The Lounge's `LIKE` search stands for), doing the same
 * work: the newest 51 matches and the count capped alike, both at once.
 *
 * The text is made of a vocabulary whose word of rank k comes up with a
 * probability proportional to 1/k (Zipf, as words in chat do): "the" is
 * in about a third of the lines, the rarest words in a handful.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../../lib/db/database.ts";
import { SEARCHED_TYPES_SQL, VECTOR_INDEX } from "../../lib/db/migrations/0009_search.ts";
import { indexAll } from "../../lib/search/indexer.ts";
import { parseSearchQuery, searchableServers, searchMessages, type SearchQuery } from "../../lib/search.ts";
import { type Figure, summarize } from "../support/stats.ts";
import type { ScenarioContext } from "./context.ts";

const SCENARIO = "search";
const PAGE = 50;
const VOCABULARY = 50_000;
// The commonest words of the vocabulary, most frequent first; the rest are made of syllables.
const COMMON = [
  "the",
  "to",
  "i",
  "a",
  "and",
  "is",
  "it",
  "you",
  "that",
  "of",
  "in",
  "lol",
  "for",
  "on",
  "have",
  "but",
  "not",
  "with",
  "this",
  "just",
  "be",
  "so",
  "what",
  "are",
  "do",
  "was",
  "if",
  "can",
  "no",
  "yes",
  "my",
  "me",
  "like",
  "ok",
  "we",
  "at",
  "there",
  "all",
  "think",
  "it's",
  "get",
  "know",
  "or",
  "about",
  "one",
  "now",
  "how",
  "thanks",
  "linux",
  "server",
  "kernel",
  "build",
  "error",
  "version",
  "release",
  "bug",
  "patch",
  "test",
  "config",
  "docs",
  "branch",
  "merge",
  "commit",
  "package",
  "install",
  "update",
  "hello",
  "hi",
  "meeting",
  "tomorrow",
  "weekend",
  "coffee",
  "monday",
  "friday",
  "deploy",
  "rust",
  "python",
  "deno",
  "postgres",
  "index",
  "query",
  "slow",
  "fast",
  "network",
  "router",
  "firewall",
  "password",
  "login",
];
const SYLLABLES = [
  "ka",
  "to",
  "ri",
  "men",
  "sa",
  "lo",
  "vi",
  "dar",
  "ne",
  "pu",
  "shi",
  "el",
  "gor",
  "an",
  "tu",
  "bel",
  "mo",
  "zi",
  "ran",
  "qe",
];

/** Messages stored and channels they are in. */
export interface SearchSizes {
  messages: number;
  channels: number;
  queries: number;
}

/** Query and baseline times, in ms, one pair per query. */
export interface SearchResult {
  messages: number;
  channels: number;
  app: number[];
  baseline: number[];
  /** Queries that found at least one message (the mix must find things). */
  found: number;
  /** The substring queries, timed apart, both ways. */
  substringApp: number[];
  substringBaseline: number[];
}

/** Seeds the history on a server of the bench user, then times every query both ways. */
export async function runSearch(ctx: ScenarioContext): Promise<SearchResult> {
  const { env, log } = ctx;
  const sizes: SearchSizes = {
    messages: ctx.sizes.searchMessages,
    channels: ctx.sizes.searchChannels,
    queries: ctx.sizes.searchQueries,
  };
  const server = await env.createServer("searcher");
  const { rows } = await sql<{ user_id: number }>`select user_id from servers where id = ${server.id}`
    .execute(env.db);
  const userId = rows[0].user_id;
  log(
    `search: storing ${sizes.messages.toLocaleString("en-US")} messages over ${sizes.channels} channels...`,
  );
  const seeded = performance.now();
  await seedMessages(env.db, server.id, sizes);
  log(`search: stored and indexed in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  return await timeQueries(env.db, userId, sizes);
}

/**
 * Writes the history in one statement, numbered as a worker's rows are;
 * the search indexer gives each row its vector, as it does a worker's (the
 * GIN index is dropped meanwhile, then built as migration 0009 builds it).
 */
export async function seedMessages(db: Db, serverId: number, sizes: SearchSizes): Promise<void> {
  await sql`drop index if exists ${sql.id(VECTOR_INDEX)}`.execute(db);
  await sql`
    with vocabulary as (
      select array_agg(word order by k) as words from (
        select k, coalesce(((${COMMON})::text[])[k],
          ((${SYLLABLES})::text[])[1 + k % 20] || ((${SYLLABLES})::text[])[1 + (k / 20) % 20] ||
          ((${SYLLABLES})::text[])[1 + (k / 400) % 20] ||
          case when k >= 8000 then ((${SYLLABLES})::text[])[1 + (k / 8000) % 20] else '' end) as word
        from generate_series(1, ${VOCABULARY}) k
      ) v
    ), base as (
      select coalesce(max(seq), 0) as seq from messages where server_id = ${serverId}
    ), lines as (
      select g, base.seq + g as seq,
             -- (w.i * 0 ties the aggregate to the inner query, not the outer one)
             (select string_agg(vocabulary.words[floor(exp(random() * ln(${VOCABULARY})))::int + w.i * 0], ' ')
              from generate_series(1, 3 + (g * 31 % 13)) w(i)) ||
             case when g % 50 = 0 then ' see https://example.org/issues/' || g else '' end as content
      from generate_series(1, ${sizes.messages}) g, vocabulary, base
    )
    insert into messages (server_id, target, sender, content, message_type, seq, created_at)
    select ${serverId}, '#chan' || (g % ${sizes.channels}),
           case when g % 97 = 0 then '[m]bridge' else 'nick' || (g::int8 * 7919 % 200) end,
           content, 'privmsg', seq, now() - make_interval(secs => (${sizes.messages} - g) * 3)
    from lines`.execute(db);
  // The numbers a worker's insert takes from its server's row.
  await sql`
    insert into server_event_seqs (server_id, last_seq)
    select ${serverId}, max(seq) from messages where server_id = ${serverId}
    on conflict (server_id) do update set last_seq = excluded.last_seq`.execute(db);
  await indexAll(db, 20_000);
  await sql.raw(`create index concurrently if not exists ${VECTOR_INDEX} on messages
    using gin (search_vector) where ${SEARCHED_TYPES_SQL}`).execute(db);
  // As autovacuum leaves a table that has been there a while (hint bits set, visibility map).
  await sql`vacuum analyze messages`.execute(db);
}

/**
 * Substrings, timed apart from the mix: with no trigram index, `contains:`
 * filters the rows its word or channel leaves (here a word in 2% of the
 * lines), so its time is that of reading them.
 */
export function substringQueries(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `see contains:example.org/issues/${1000 + i * 50}`);
}

/** The query mix: `count` queries cycling through the kinds a user types. */
export function searchQueries(count: number): string[] {
  const word = (k: number) => k <= COMMON.length ? COMMON[k - 1] : syllableWord(k);
  const kinds = [
    (i: number) => word(60 + i), // one word
    (i: number) => `${word(50 + i)} ${word(120 + i * 7)}`, // two words
    (i: number) => `"${word(45 + i % 40)} ${word(50 + (i * 7) % 40)}"`, // a phrase
    (i: number) => `from:nick${(i * 13) % 200} ${word(30 + i)}`, // a nick filter
    (i: number) => word(20_000 + i * 211), // a rare word
    (i: number) => word(1 + i % 8), // a common word
    (i: number) => `in:#chan${i % 50} ${word(300 + i * 3)}`, // a channel
    (i: number) => `${word(40 + i)} -${word(1 + i % 5)}`, // a word but not another
    (i: number) => `from:nick${(i * 29) % 200}`, // a nick alone
    (i: number) => word(3000 + i * 17), // an uncommon word
  ];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length](Math.floor(i / kinds.length)));
}

function syllableWord(k: number): string {
  const s = (n: number) => SYLLABLES[n % 20];
  return s(k) + s(Math.floor(k / 20)) + s(Math.floor(k / 400)) + (k >= 8000 ? s(Math.floor(k / 8000)) : "");
}

async function timeQueries(db: Db, userId: number, sizes: SearchSizes): Promise<SearchResult> {
  const queries = searchQueries(sizes.queries);
  const app: number[] = [];
  const baseline: number[] = [];
  let found = 0;
  const one = async (q: string) => {
    const parsed = parseSearchQuery(q);
    if (!parsed.ok) throw new Error(`bench query ${q}: ${parsed.error}`);
    const start = performance.now();
    const page = await searchMessages(db, userId, {
      query: parsed.query,
      order: "newest",
      limit: PAGE,
      cursor: null,
    });
    const appMs = performance.now() - start;
    const start2 = performance.now();
    await ilikeSearch(db, userId, q, parsed.query);
    return { appMs, baselineMs: performance.now() - start2, hits: page.results.length };
  };
  // Warm the caches and plans with the first ten, both ways.
  for (const q of queries.slice(0, 10)) await one(q);
  for (const q of queries) {
    const { appMs, baselineMs, hits } = await one(q);
    app.push(appMs);
    baseline.push(baselineMs);
    if (hits > 0) found++;
  }
  const substringApp: number[] = [];
  const substringBaseline: number[] = [];
  for (const q of substringQueries(Math.max(1, Math.round(sizes.queries / 10)))) {
    const { appMs, baselineMs } = await one(q);
    substringApp.push(appMs);
    substringBaseline.push(baselineMs);
  }
  return {
    messages: sizes.messages,
    channels: sizes.channels,
    app,
    baseline,
    found,
    substringApp,
    substringBaseline,
  };
}

/** The baseline: every word (or phrase, or substring) as `ILIKE '%...%'`, nick filter as equality. */
async function ilikeSearch(db: Db, userId: number, q: string, query: SearchQuery): Promise<void> {
  // The user's servers, read first as the API reads them.
  const serverIds = await searchableServers(db, userId, query);
  const conditions = [sql`m.server_id = any(${serverIds}::int4[])`];
  for (const term of q.match(/"[^"]*"|\S+/g) ?? []) {
    if (term.startsWith("from:")) conditions.push(sql`m.sender = ${term.slice(5)}`);
    else if (term.startsWith("in:")) conditions.push(sql`lower(m.target) = lower(${term.slice(3)})`);
    else if (term.startsWith("-")) conditions.push(sql`m.content not ilike ${`%${term.slice(1)}%`}`);
    else {
      const text = term.replace(/^contains:/, "").replaceAll('"', "");
      conditions.push(sql`m.content ilike ${`%${text}%`}`);
    }
  }
  const where = sql.join(conditions, sql` and `);
  await Promise.all([
    sql`select m.* from messages m where ${where} order by m.id desc limit ${PAGE + 1}`.execute(db),
    sql`select count(*) from (select 1 from messages m where ${where} limit 1001) c`.execute(db),
  ]);
}

/** The scenario's figures. */
export function searchFigures(result: SearchResult): Figure[] {
  const app = summarize(result.app);
  const base = summarize(result.baseline);
  const note = `${result.app.length} queries over ${
    result.messages.toLocaleString("en-US")
  } messages in ${result.channels} channels; ${result.found} found something`;
  return [
    {
      scenario: SCENARIO,
      figure: "p50 query",
      unit: "ms",
      value: app.p50,
      baseline: base.p50,
      baselineNote: "the same queries as ILIKE '%...%' on the same table",
      target: { op: "<=", value: 20 },
      note,
    },
    {
      scenario: SCENARIO,
      figure: "p99 query",
      unit: "ms",
      value: app.p99,
      baseline: base.p99,
      baselineNote: "the same queries as ILIKE '%...%' on the same table",
      target: { op: "<=", value: 100 },
      note,
    },
    {
      scenario: SCENARIO,
      figure: "p50 word + contains: (no trigram index)",
      unit: "ms",
      value: summarize(result.substringApp).p50,
      baseline: summarize(result.substringBaseline).p50,
      baselineNote: "the same queries as ILIKE '%...%' on the same table",
      note: `${result.substringApp.length} queries, apart from the mix`,
    },
    {
      scenario: SCENARIO,
      figure: "speed-up over ILIKE at p50",
      unit: "x",
      value: base.p50 / app.p50,
      baseline: null,
      target: { op: ">=", value: 10 },
    },
  ];
}

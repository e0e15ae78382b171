/**
 * Search across a user's whole history: full-text on `messages.search_vector`
 * (docs/architecture.md, "Storage"), exact substrings with `ILIKE`, the
 * filters of `lib/search/query.ts`, paged with a cursor. Only the user's own
 * servers' rows are read; matches are marked with a random marker per search
 * and go out as plain segments, never as markup.
 *
 * @module
 */
import { type RawBuilder, sql } from "kysely";
import type { Db } from "./db/database.ts";
import { SEARCHED_TYPES_SQL } from "./db/migrations/0009_search.ts";
import { type MessageJson, messageJson } from "./messages.ts";
import type { MessageType } from "./db/schema.ts";
import { parseSearchQuery, type SearchQuery } from "./search/query.ts";

export { MAX_QUERY_LENGTH, parseSearchQuery, type SearchQuery } from "./search/query.ts";

/** Results a page holds when the request names no limit. */
export const DEFAULT_SEARCH_LIMIT = 50;
/** Most results one page holds. */
export const MAX_SEARCH_LIMIT = 200;
/** Matches counted at most: beyond, the count says "more than". */
export const COUNT_CAP = 1000;
/**
 * With `order=rank`, the newest this many matches are ranked: ranking every
 * match of a common word would read hundreds of thousands of rows (an
 * index holds no ranks) for a page of 50.
 */
export const RANK_WINDOW = 1000;

/** Longest a search's statements may run: one that needs longer is stopped, with what to do about it. */
export const SEARCH_TIMEOUT_MS = 10_000;

/** A search stopped at its time limit; the message says how to narrow it. */
export class SearchTooSlowError extends Error {
  constructor() {
    super("The search took too long: narrow it with a word, in:#channel or a date");
    this.name = "SearchTooSlowError";
  }
}

/** How results are ordered. */
export type SearchOrder = "newest" | "rank";

/** One page's request. */
export interface SearchRequest {
  query: SearchQuery;
  order: SearchOrder;
  limit: number;
  /** From the previous page's `next_cursor`. */
  cursor: SearchCursor | null;
  /** Time limit of each statement; {@link SEARCH_TIMEOUT_MS} by default. */
  timeoutMs?: number;
}

/** Where the next page starts: after this message (and, by rank, this rank). */
export interface SearchCursor {
  id: number;
  rank?: number;
}

/** A piece of a highlighted line: matched or not. */
export interface HighlightSegment {
  text: string;
  match: boolean;
}

/** One result. */
export interface SearchHit {
  message: MessageJson;
  server_name: string;
  /** The line (or, for a long one, the part around the matches) in segments. */
  highlight: HighlightSegment[];
}

/** A page of results. */
export interface SearchPage {
  results: SearchHit[];
  /** Pass it as `cursor` for the next page; `null` on the last one. */
  next_cursor: string | null;
  /** Matches in all (at most {@link COUNT_CAP}). */
  total: number;
  /** Whether {@link total} is exact, or there are more. */
  total_exact: boolean;
  order: SearchOrder;
}

/** Reads a `cursor` parameter; `null` when it is not one this module wrote for `order`. */
export function parseSearchCursor(value: string, order: SearchOrder): SearchCursor | null {
  const match = order === "rank"
    ? /^r([0-9.e+-]+)_([0-9]{1,18})$/.exec(value)
    : /^n([0-9]{1,18})$/.exec(value);
  if (!match) return null;
  const id = Number(order === "rank" ? match[2] : match[1]);
  if (!Number.isSafeInteger(id)) return null;
  if (order === "newest") return { id };
  const rank = Number(match[1]);
  return Number.isFinite(rank) ? { id, rank } : null;
}

/** A request's parameters, read: the request, or what is wrong and with which parameter. */
export type ParsedSearchParams =
  | { ok: true; request: SearchRequest }
  | { ok: false; field: "q" | "order" | "limit" | "cursor"; error: string };

/** Reads `q`, `order`, `limit` and `cursor` as `GET /api/search` and the results page take them. */
export function parseSearchParams(params: {
  q?: string;
  order?: string;
  limit?: string;
  cursor?: string;
}): ParsedSearchParams {
  const parsed = parseSearchQuery(params.q ?? "");
  if (!parsed.ok) return { ok: false, field: "q", error: parsed.error };
  const order = params.order || "newest";
  if (order !== "newest" && order !== "rank") {
    return { ok: false, field: "order", error: "order must be newest or rank" };
  }
  let limit = DEFAULT_SEARCH_LIMIT;
  if (params.limit) {
    if (
      !/^[0-9]{1,4}$/.test(params.limit) || Number(params.limit) < 1 ||
      Number(params.limit) > MAX_SEARCH_LIMIT
    ) {
      return { ok: false, field: "limit", error: `limit must be 1 to ${MAX_SEARCH_LIMIT}` };
    }
    limit = Number(params.limit);
  }
  let cursor: SearchCursor | null = null;
  if (params.cursor) {
    cursor = parseSearchCursor(params.cursor, order);
    if (!cursor) {
      return { ok: false, field: "cursor", error: "cursor is not one a search of this order returned" };
    }
  }
  return { ok: true, request: { query: parsed.query, order, limit, cursor } };
}

function cursorText(order: SearchOrder, id: number, rank: number): string {
  return order === "rank" ? `r${rank}_${id}` : `n${id}`;
}

interface HitRow {
  id: string;
  server_id: number;
  target: string | null;
  sender: string | null;
  content: string;
  message_type: MessageType;
  created_at: Date;
  server_name: string;
  rank: number | null;
  headline: string | null;
}

/**
 * The ids of `userId`'s servers the query may search: all of them, or the
 * one `server:` names (the bench's ILIKE baseline reads them the same way). Read first and given to the search as values, so
 * the planner knows how many rows they hold (a subquery it cannot see into
 * made it take a common word for a rare one and read every match).
 */
export async function searchableServers(db: Db, userId: number, query: SearchQuery): Promise<number[]> {
  return (await searchScope(db, userId, query)).serverIds;
}

/**
 * The servers a search reads, and those of them whose newest rows the
 * indexer has not reached yet, with its watermark (migration 0018): rows
 * numbered past it may have no vector yet.
 */
interface SearchScope {
  serverIds: number[];
  behind: { serverIds: number[]; indexedSeqs: number[] };
}

async function searchScope(db: Db, userId: number, query: SearchQuery): Promise<SearchScope> {
  const named = query.server === null
    ? sql``
    : sql`and (s.id::text = ${query.server} or lower(s.name) = lower(${query.server}))`;
  const { rows } = await sql<{ id: number; indexed_seq: string; behind: boolean }>`
    select s.id, coalesce(p.indexed_seq, 0) as indexed_seq,
           coalesce(q.last_seq, 0) > coalesce(p.indexed_seq, 0) as behind
    from servers s
    left join search_index_progress p on p.server_id = s.id
    left join server_event_seqs q on q.server_id = s.id
    where s.user_id = ${userId} ${named} order by s.id`.execute(db);
  const behind = rows.filter((r) => r.behind);
  return {
    serverIds: rows.map((r) => r.id),
    behind: { serverIds: behind.map((r) => r.id), indexedSeqs: behind.map((r) => Number(r.indexed_seq)) },
  };
}

/** A search's `from ... where ...`: through the index, and of the rows not indexed yet (if it has words). */
interface SearchParts {
  indexed: RawBuilder<unknown>;
  fresh: RawBuilder<unknown> | null;
}

/**
 * Where a search reads, with `extra` conditions (the cursor); `m` is
 * `messages`. With words or `from:`, two parts: the rows the indexer has
 * reached, through the GIN index, and those it has not (numbered past their
 * server's watermark, no vector yet), matched directly, so a message is
 * found the moment it is stored. In one statement the two never overlap: a
 * row has its vector or not, and the watermark read before only grows. A
 * server caught up when the scope was read has no second part: what it
 * stores after that came after the search.
 */
function searchParts(scope: SearchScope, query: SearchQuery, extra: RawBuilder<unknown>[]): SearchParts {
  const conditions: RawBuilder<unknown>[] = [
    // Verbatim the index's predicate, so the planner may use it.
    sql.raw(`m.${SEARCHED_TYPES_SQL}`),
    ...extra,
  ];
  for (const substring of query.substrings) {
    conditions.push(sql`m.content ilike ${`%${escapeLike(substring)}%`}`);
  }
  // lower(), like the (server_id, lower(target), id) index.
  if (query.in !== null) conditions.push(sql`lower(m.target) = lower(${query.in})`);
  if (query.since !== null) conditions.push(sql`m.created_at >= ${query.since}`);
  if (query.until !== null) conditions.push(sql`m.created_at < ${query.until}`);
  const tsqueries: RawBuilder<unknown>[] = [];
  if (query.text) tsqueries.push(sql`websearch_to_tsquery('simple', ${query.text})`);
  // The sender's lexeme in the vector (migration 0009): one more term of the index lookup.
  if (query.from !== null) tsqueries.push(sql`ircweb_from_query(${query.from})`);
  const servers = sql`m.server_id = any(${scope.serverIds}::int4[])`;
  const matched = [...conditions, ...tsqueries.map((q) => sql`m.search_vector @@ ${q}`)];
  const indexed = sql`from messages m where ${sql.join([servers, ...matched], sql` and `)}`;
  // Where the indexer has caught up (most of the time), the search is the index's alone.
  if (tsqueries.length === 0 || scope.behind.serverIds.length === 0) return { indexed, fresh: null };
  const fresh = sql`
    from unnest(${scope.behind.serverIds}::int4[], ${scope.behind.indexedSeqs}::int8[])
      as f(server_id, indexed_seq)
    join messages m on m.server_id = f.server_id and m.seq > f.indexed_seq
    where ${
    sql.join([
      sql`m.search_vector is null`,
      ...conditions,
      sql`ircweb_search_vector(m.content, m.sender) @@ (${sql.join(tsqueries, sql` && `)})`,
    ], sql` and `)
  }`;
  return { indexed, fresh };
}

/** The newest `limit` rows of the parts, as `messages` rows. */
function newestOf(parts: SearchParts, limit: number): RawBuilder<unknown> {
  const indexed = sql`select m.* ${parts.indexed} order by m.id desc limit ${limit}`;
  if (parts.fresh === null) return indexed;
  return sql`
    select u.* from ((${indexed}) union all (select m.* ${parts.fresh} order by m.id desc limit ${limit})) u
    order by u.id desc limit ${limit}`;
}

/**
 * One page of `userId`'s messages matching the request, and how many match in all.
 *
 * @throws SearchTooSlowError when a statement reaches the time limit (a
 * substring alone over a long history), rather than holding a connection.
 */
export async function searchMessages(db: Db, userId: number, request: SearchRequest): Promise<SearchPage> {
  const { query, limit, cursor } = request;
  // Ranking needs words to rank by; filters alone list newest first.
  const order: SearchOrder = query.text ? request.order : "newest";
  const scope = await searchScope(db, userId, query);
  if (scope.serverIds.length === 0) {
    return { results: [], next_cursor: null, total: 0, total_exact: true, order };
  }
  const timeoutMs = request.timeoutMs ?? SEARCH_TIMEOUT_MS;
  const [rows, total] = await Promise.all([
    bounded(db, timeoutMs, (trx) => pageRows(trx, scope, query, order, limit + 1, cursor)),
    bounded(db, timeoutMs, (trx) => countMatches(trx, searchParts(scope, query, []))),
  ]);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    results: page.map((row) => ({
      message: messageJson(row),
      server_name: row.server_name,
      highlight: row.headline !== null
        ? splitHeadline(row.headline, row.marker)
        : substringHighlight(row.content, query.substrings),
    })),
    next_cursor: more && last ? cursorText(order, Number(last.id), last.rank ?? 0) : null,
    total: Math.min(total, COUNT_CAP),
    total_exact: total <= COUNT_CAP,
    order,
  };
}

async function pageRows(
  db: Db,
  scope: SearchScope,
  query: SearchQuery,
  order: SearchOrder,
  limit: number,
  cursor: SearchCursor | null,
): Promise<(HitRow & { marker: string })[]> {
  const marker = randomMarker();
  const tsquery = sql`websearch_to_tsquery('simple', ${query.text})`;
  // Marks around each match; the fragment keeps a long line readable.
  const options = `StartSel=${marker}s, StopSel=${marker}e, MaxWords=40, MinWords=20, HighlightAll=false`;
  // ts_headline drops whatever looks like an HTML tag (`<script>`, `<nick>`):
  // it gets the text with `&` and `<` as entities, which it keeps, and
  // splitHeadline decodes them back, so the text comes back exactly.
  const headline = query.text
    ? sql`ts_headline('simple', replace(replace(p.content, '&', '&amp;'), '<', '&lt;'), ${tsquery}, ${options})`
    : sql`null`;
  let candidates;
  if (order === "newest") {
    const parts = searchParts(scope, query, cursor ? [sql`m.id < ${cursor.id}`] : []);
    candidates = sql`select n.*, null::real as rank from (${newestOf(parts, limit)}) n`;
  } else {
    // A row the indexer has not reached is ranked on the vector it will have.
    const ranked = sql`
      select w.*, ts_rank(coalesce(w.search_vector, ircweb_search_vector(w.content, w.sender)), ${tsquery})
               as rank
      from (${newestOf(searchParts(scope, query, []), RANK_WINDOW)}) w`;
    const after = cursor
      ? sql`where r.rank < ${cursor.rank ?? 0}::real or (r.rank = ${
        cursor.rank ?? 0
      }::real and r.id < ${cursor.id})`
      : sql``;
    candidates = sql`select r.* from (${ranked}) r ${after} order by r.rank desc, r.id desc limit ${limit}`;
  }
  const { rows } = await sql<HitRow>`
    select p.id, p.server_id, p.target, p.sender, p.content, p.message_type, p.created_at, p.rank,
           s.name as server_name, ${headline} as headline
    from (${candidates}) p join servers s on s.id = p.server_id
    order by ${order === "rank" ? sql`p.rank desc, p.id desc` : sql`p.id desc`}`.execute(db);
  return rows.map((row) => ({ ...row, marker }));
}

/** Runs `fn` in a transaction whose statements stop after `timeoutMs`. */
async function bounded<T>(db: Db, timeoutMs: number, fn: (trx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql.raw(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(trx);
      return await fn(trx);
    });
  } catch (error) {
    // 57014: query_canceled, which is what the timeout raises.
    if ((error as { code?: string }).code === "57014") throw new SearchTooSlowError();
    throw error;
  }
}

/** Matches of both parts, each counted up to just past the cap. */
async function countMatches(db: Db, parts: SearchParts): Promise<number> {
  const capped = (from: RawBuilder<unknown>) => sql`(select 1 ${from} limit ${COUNT_CAP + 1})`;
  const counted = parts.fresh === null
    ? capped(parts.indexed)
    : sql`${capped(parts.indexed)} union all ${capped(parts.fresh)}`;
  const { rows } = await sql<{ n: string }>`select count(*) as n from (${counted}) c`.execute(db);
  return Number(rows[0].n);
}

/**
 * Splits `ts_headline`'s output at the markers into plain segments, the
 * `&amp;` and `&lt;` it was given for `&` and `<` decoded.
 */
export function splitHeadline(headline: string, marker: string): HighlightSegment[] {
  const segments: HighlightSegment[] = [];
  const push = (text: string, match: boolean) => {
    if (text !== "") {
      segments.push({ text: text.replace(/&(amp|lt);/g, (_, e) => e === "amp" ? "&" : "<"), match });
    }
  };
  for (const [i, part] of headline.split(`${marker}s`).entries()) {
    if (i === 0) {
      push(part, false);
      continue;
    }
    const end = part.indexOf(`${marker}e`);
    if (end < 0) {
      push(part, true);
      continue;
    }
    push(part.slice(0, end), true);
    push(part.slice(end + marker.length + 1), false);
  }
  return segments;
}

/** The whole line, with every occurrence of each substring (case-insensitive) marked. */
export function substringHighlight(content: string, substrings: readonly string[]): HighlightSegment[] {
  const lower = content.toLowerCase();
  // Only where lower-casing kept the length can positions be shared.
  const needles = substrings.map((s) => s.toLowerCase()).filter((s) => s !== "");
  if (lower.length !== content.length || needles.length === 0) return [{ text: content, match: false }];
  const marked = new Array<boolean>(content.length).fill(false);
  for (const needle of needles) {
    for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
      marked.fill(true, at, at + needle.length);
    }
  }
  const segments: HighlightSegment[] = [];
  let start = 0;
  for (let i = 1; i <= content.length; i++) {
    if (i === content.length || marked[i] !== marked[start]) {
      segments.push({ text: content.slice(start, i), match: marked[start] });
      start = i;
    }
  }
  return segments;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// Letters only, so ts_headline's option parser takes it whole and no
// stored text (which cannot know it) contains it.
function randomMarker(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `hl${Array.from(bytes, (b) => String.fromCharCode(97 + (b % 26))).join("")}`;
}

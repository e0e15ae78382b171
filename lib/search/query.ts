/**
 * The search box's language, parsed: words for full-text search
 * (`websearch_to_tsquery` syntax) and the filters `from:`, `in:`, `server:`,
 * `after:`, `before:` and `contains:`, whose value may be quoted; a word that
 * looks like a filter with an unknown key stays a word.
 *
 * @module
 */

/** Longest query accepted, in characters. */
export const MAX_QUERY_LENGTH = 500;

/** A parsed query. */
export interface SearchQuery {
  /** What goes to `websearch_to_tsquery('simple', ...)`; empty when none. */
  text: string;
  /** Exact substrings (case-insensitive), every one required. */
  substrings: string[];
  /** Sender nick. */
  from: string | null;
  /** Channel or query nick (the window). */
  in: string | null;
  /** Server id or name. */
  server: string | null;
  /** Only messages at this time or later (`after:`). */
  since: Date | null;
  /** Only messages earlier than this (`before:`). */
  until: Date | null;
}

/** A query, or what is wrong with it in words a user reads. */
export type ParsedSearchQuery = { ok: true; query: SearchQuery } | { ok: false; error: string };

const FILTERS = new Set(["from", "in", "server", "after", "before", "contains"]);
// A token: key:"quoted value", key:value, "quoted phrase" (kept as typed), or a bare word.
const TOKEN = /(\S+?):"([^"]*)"?|"[^"]*"?|\S+/gu;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Parses what the user typed. */
export function parseSearchQuery(input: string): ParsedSearchQuery {
  if (input.length > MAX_QUERY_LENGTH) {
    return { ok: false, error: `The search is too long (at most ${MAX_QUERY_LENGTH} characters)` };
  }
  const query: SearchQuery = {
    text: "",
    substrings: [],
    from: null,
    in: null,
    server: null,
    since: null,
    until: null,
  };
  const words: string[] = [];
  for (const match of input.matchAll(TOKEN)) {
    const token = match[0];
    const colon = token.indexOf(":");
    const key = match[1] ?? (colon > 0 && !token.startsWith('"') ? token.slice(0, colon) : "");
    if (!FILTERS.has(key.toLowerCase())) {
      words.push(token);
      continue;
    }
    const value = match[1] !== undefined ? match[2] : token.slice(colon + 1);
    if (value === "") return { ok: false, error: `${key}: needs a value` };
    switch (key.toLowerCase()) {
      case "from":
        query.from = value;
        break;
      case "in":
        query.in = value;
        break;
      case "server":
        query.server = value;
        break;
      case "contains":
        query.substrings.push(value);
        break;
      case "after":
      case "before": {
        const edge = parseEdge(value, key.toLowerCase() === "after");
        if (!edge) {
          return { ok: false, error: `${key}: takes a date such as 2025-01-31 (or a full ISO time)` };
        }
        if (key.toLowerCase() === "after") query.since = edge;
        else query.until = edge;
        break;
      }
    }
  }
  const text = words.join(" ");
  // Text without a letter or digit has no words to search for (the parser
  // drops punctuation): look for it as typed instead.
  if (text !== "" && !LETTER_OR_DIGIT.test(text)) query.substrings.push(text.replaceAll('"', ""));
  else query.text = text;
  query.substrings = query.substrings.filter((s) => s !== "");
  if (!query.text && query.substrings.length === 0 && !query.from && !query.in) {
    return { ok: false, error: "Type something to search for: words, from:nick or in:#channel" };
  }
  return { ok: true, query };
}

/**
 * A date's edge: `after:2025-01-31` is from the next day on (the whole day
 * named is excluded, as in Slack's and Discord's search), `before:` before
 * that day; days are UTC. A full ISO time is taken as that instant.
 */
function parseEdge(value: string, after: boolean): Date | null {
  if (DAY.test(value)) {
    const day = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) return null;
    return after ? new Date(day.getTime() + 86_400_000) : day;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/**
 * `GET /search?q=&order=&cursor=`: the results page of the search box and
 * of `/search words`, rendered on the server from `lib/search.ts` (what
 * `GET /api/search` answers). Each line links to its window opened at it
 * (`?around=<id>`); its text is rendered like every IRC line, escaped, the
 * matched words in `<mark>`.
 *
 * @module
 */
import { Hono } from "hono";
import { IrcText } from "../../lib/ircFormat.ts";
import {
  parseSearchParams,
  type SearchHit,
  searchMessages,
  type SearchPage,
  SearchTooSlowError,
} from "../../lib/search.ts";
import { windowUrl } from "../../islands/ServerNav.tsx";
import { type PageDeps, type PageEnv, pageTheme } from "./context.ts";
import { renderPage, SearchBox, TopBar } from "./layout.tsx";

/** The link of a result: its window, opened around it. */
export function resultUrl(message: { id: number; server_id: number; target: string | null }): string {
  return `${windowUrl(message.server_id, message.target)}?around=${message.id}`;
}

/** The results page. */
export function searchPages(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/search", async (c) => {
    const user = c.get("user");
    const q = c.req.query("q") ?? "";
    const order = c.req.query("order") === "rank" ? "rank" : "newest";
    const assets = (await deps.assets()).current;
    let page: SearchPage | null = null;
    let error: string | null = null;
    let status: 200 | 422 | 503 = 200;
    if (q.trim() !== "") {
      const params = parseSearchParams({ q, order, cursor: c.req.query("cursor") });
      if (!params.ok) {
        error = params.error;
        status = 422;
      } else {
        try {
          page = await searchMessages(deps.db, user.id, params.request);
        } catch (failure) {
          if (!(failure instanceof SearchTooSlowError)) throw failure;
          error = failure.message;
          status = 503;
        }
      }
    }
    const more = page?.next_cursor
      ? `/search?${new URLSearchParams({ q, order, cursor: page.next_cursor })}`
      : null;
    return c.html(
      renderPage(
        { title: q ? `Search: ${q}` : "Search", assets, bodyClass: "page-search", theme: pageTheme(c) },
        <>
          <TopBar userName={user.name} query={q} />
          <main class="container">
            <div class="page-heading">
              <h1>Search</h1>
            </div>
            <form method="get" action="/search" class="search-form" role="search">
              <SearchBox query={q} id="search-page-q" />
              <label>
                Order{" "}
                <select name="order">
                  <option value="newest" selected={order === "newest"}>newest first</option>
                  <option value="rank" selected={order === "rank"}>best match first</option>
                </select>
              </label>
              <button type="submit" class="button primary">Search</button>
            </form>
            <p class="hint">
              Words, <code>"a phrase"</code>, <code>-not</code>, <code>or</code>, and <code>from:nick</code>,
              {" "}
              <code>in:#channel</code>, <code>server:name</code>, <code>after:2025-01-31</code>,{" "}
              <code>before:</code>, <code>contains:exact.text</code>.
            </p>
            {error ? <p class="field-error" role="alert">{error}</p> : null}
            {page ? <Results page={page} /> : null}
            {more ? <a class="button secondary search-more" href={more}>Older results</a> : null}
          </main>
        </>,
      ),
      status,
    );
  });
  return app;
}

function Results({ page }: { page: SearchPage }) {
  if (page.results.length === 0) return <p class="empty search-none">No messages found.</p>;
  const total = page.total_exact ? String(page.total) : `more than ${page.total}`;
  return (
    <>
      <p class="meta search-total">{total} {page.total === 1 && page.total_exact ? "message" : "messages"}</p>
      <ol class="search-results">
        {page.results.map((hit) => <Result hit={hit} key={hit.message.id} />)}
      </ol>
    </>
  );
}

function Result({ hit }: { hit: SearchHit }) {
  const { message } = hit;
  const time = new Date(message.created_at);
  return (
    <li class="search-result" data-id={message.id}>
      <a class="search-where" href={resultUrl(message)}>
        {hit.server_name} · {message.target ?? "server"} ·{" "}
        <time dateTime={message.created_at}>{time.toISOString().slice(0, 16).replace("T", " ")}</time>
      </a>
      <div class="search-line">
        {message.sender ? <span class="nick">{message.sender}</span> : null}{" "}
        {hit.highlight.map((segment, i) =>
          segment.match
            ? (
              <mark class="search-match" key={i}>
                <IrcText text={segment.text} />
              </mark>
            )
            : <IrcText text={segment.text} key={i} />
        )}
      </div>
    </li>
  );
}

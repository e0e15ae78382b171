/**
 * The windows of a server: its own (`GET /servers/:id`) and each channel or
 * query (`GET /servers/:id/chat/:target`), beside the navigation of every
 * server's windows; and `POST /servers/:id/send` (the input line without
 * JavaScript) and `POST /servers/:id/read` (never a `GET`, which a prefetch
 * could send), as docs/api.md, "Web pages", describes them.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { isChannelName, isQueryTarget } from "../../lib/ircCommand.ts";
import { sameIrcName } from "../../lib/ircFormat.ts";
import { listMessages } from "../../lib/messages.ts";
import { listMessagesAround, parseAroundId } from "../../lib/search/around.ts";
import { searchQueryOf } from "../../lib/slashCommand.ts";
import { listWindows, UNREAD_CAP } from "../../lib/windows.ts";
import { markReadAndTell } from "../../lib/readMarkers.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";
import { withUnreadMentions } from "../../lib/unreadMentions.ts";
import { listIgnores } from "../../lib/ignores.ts";
import { getNotifyLevels, getUserSettings } from "../../lib/userSettings.ts";
import type { NavServer } from "../../islands/serverNavState.ts";
import { windowUrl } from "../../islands/ServerNav.tsx";
import { isSameOrigin } from "../middleware/security.ts";
import { loadServer } from "./loadServer.ts";
import { outgoingLines } from "../../islands/channel/outgoingLines.ts";
import {
  type ApiAnswer,
  apiError,
  callApi,
  type PageDeps,
  type PageEnv,
  readForm,
  readLivePage,
} from "./context.ts";
import { Island } from "./island.tsx";
import { ServerControlsIsland } from "./serverControls.tsx";
import { renderPage, SearchBox } from "./layout.tsx";

/** Messages a window shows at first, and loads per scroll-up. */
export const PAGE_SIZE = 100;

/** A refused input line, shown again in its window. */
interface Refused {
  draft: string;
  error: string;
  status: 409 | 422 | 429 | 502 | 503 | 504;
}

function validTarget(target: string): boolean {
  return target.length <= 200 && (isChannelName(target) || isQueryTarget(target));
}

/** The window pages and their form posts. */
export function chatPages(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  const windowPage = async (
    c: Context<PageEnv>,
    serverId: number,
    target: string | null,
    refused?: Refused,
  ) => {
    const user = c.get("user");
    // The cursor first, then everything shown, the server's own row (status,
    // error, nick) included: anything written after the cursor reaches the
    // page through the live stream, even if it also made it into what is read.
    // One snapshot (repeatable read) for all of it: an unread count then holds
    // exactly the messages up to the cursor, and the stream adds the rest,
    // rather than the ones in between counted twice.
    const read = await db.transaction().setIsolationLevel("repeatable read").execute(async (trx) => {
      const { servers, cursor } = await readLivePage(trx, user.id);
      const server = servers.find((s) => s.id === serverId);
      if (!server) return undefined;
      // A search result's link (?around=<id>): the window at that message, with the lines around it.
      const aroundId = parseAroundId(c.req.query("around"));
      const around = aroundId === null
        ? null
        : await listMessagesAround(trx, server.id, target, aroundId, PAGE_SIZE);
      const rows = around?.messages ?? await listMessages(trx, server.id, { target, limit: PAGE_SIZE + 1 });
      const settings = await getUserSettings(trx, user.id);
      const marker = target === null ? undefined : await trx.selectFrom("read_markers").select("last_read_id")
        .where("server_id", "=", server.id).where("target", "=", target.toLowerCase()).executeTakeFirst();
      const notifyLevels = await getNotifyLevels(trx, servers.map((s) => s.id));
      const nav: NavServer[] = [];
      const ignores: Record<string, string[]> = {};
      for (const s of servers) {
        ignores[s.id] = await listIgnores(trx, s.id);
        const windows = await withUnreadMentions(trx, s, await listWindows(trx, s), settings.highlightWords);
        nav.push({
          id: s.id,
          name: s.name,
          status: s.status,
          nick: s.current_nickname ?? s.nickname,
          windows,
        });
      }
      return {
        cursor,
        server,
        rows,
        around: around && aroundId !== null ? { id: aroundId, ...around } : null,
        nav,
        ignores,
        settings,
        notifyLevels,
        lastReadId: Number(marker?.last_read_id ?? 0),
      };
    });
    if (!read) return c.notFound();
    const { cursor, server, rows, around, nav, ignores, settings, notifyLevels, lastReadId } = read;
    const storedMore = around ? around.hasOlder : rows.length > PAGE_SIZE;
    const messages = !around && storedMore ? rows.slice(1) : rows;
    // A connected server may hold older lines than the database (CHATHISTORY BEFORE, which the older
    // page's request asks the worker for): the window offers to load them; an answer short of a page ends it.
    const hasMore = storedMore || (target !== null && server.status === "connected");
    const here = nav.find((s) => s.id === server.id)!;
    let window = target === null ? undefined : here.windows.find((w) => sameIrcName(w.target, target));
    if (target !== null && !window) {
      // A query opened by its URL before anything was said in it.
      window = {
        target,
        kind: isChannelName(target) ? "channel" : "query",
        joined: !isChannelName(target),
        topic: null,
        unread: 0,
      };
      here.windows.push(window);
    }
    // Open, so nothing in it is unread to the user; the script marks it read.
    if (window) window.unread = 0;

    const nick = server.current_nickname ?? server.nickname;
    const assets = (await deps.assets()).current;
    const html = renderPage(
      {
        title: target ?? server.name,
        assets,
        bodyClass: target === null ? "page-chat page-server" : "page-chat",
        eventCursor: cursor,
        theme: settings.theme,
      },
      <div class="chat-layout">
        <a class="skip-link" href="#composer-input">Skip to the input line</a>
        {/* A drawer on a phone: opened by the window's toggle (or #windows, without JavaScript). */}
        <aside class="sidebar" id="windows" aria-label="Windows">
          <div class="sidebar-top">
            <a class="brand" href="/">ircweb</a>
            <a class="drawer-close" href="#" data-nav-toggle aria-label="Close the list of windows">×</a>
            <SearchBox />
          </div>
          <Island
            name="ServerNav"
            props={{
              servers: nav,
              current: { serverId: server.id, target },
              unreadCap: UNREAD_CAP,
              highlightWords: settings.highlightWords,
              notifyLevels,
              ignores,
            }}
          />
          <div class="sidebar-bottom">
            <span class="user-name">{user.name}</span>
            <form method="post" action="/logout">
              <button type="submit" class="link-button">Log out</button>
            </form>
          </div>
        </aside>
        <a class="nav-backdrop" href="#" tabIndex={-1} aria-hidden="true" />
        <main class="chat-main">
          {target === null
            ? (
              <div class="server-toolbar">
                <span class="meta">
                  {server.host}:{server.port}
                  {server.tls ? " · TLS" : ""}
                </span>
                <a class="button secondary" href={`/servers/${server.id}/edit`}>Settings</a>
                <ServerControlsIsland server={server} next={windowUrl(server.id, null)} />
              </div>
            )
            : null}
          <Island
            name="ChannelView"
            props={{
              serverId: server.id,
              serverName: server.name,
              target: window?.target ?? null,
              nick,
              status: server.status,
              statusError: server.last_error,
              topic: window?.topic ?? null,
              joined: window?.joined ?? true,
              messages,
              hasMore,
              pageSize: PAGE_SIZE,
              around: around ? { id: around.id, hasNewer: around.hasNewer } : undefined,
              draft: refused?.draft,
              error: refused?.error,
              lastReadId,
              timeFormat: settings.timeFormat,
              showJoinsParts: settings.showJoinsParts,
              highlightWords: settings.highlightWords,
            }}
          />
        </main>
      </div>,
    );
    return c.html(html, refused?.status ?? 200);
  };

  app.get("/servers/:id", async (c) => {
    const server = await loadServer(db, c);
    return server ? windowPage(c, server.id, null) : c.notFound();
  });

  app.get("/servers/:id/chat/:target", async (c) => {
    const server = await loadServer(db, c);
    const target = c.req.param("target");
    if (!server || !validTarget(target)) return c.notFound();
    return windowPage(c, server.id, target);
  });

  app.post("/servers/:id/send", async (c) => {
    const server = await loadServer(db, c);
    if (!server) return c.notFound();
    const form = await readForm(c);
    const target = form.target ? form.target : null;
    if (target !== null && !validTarget(target)) return c.notFound();
    const content = form.content ?? "";
    // `/search words` typed without JavaScript: the results page, as the input's script does.
    const searched = searchQueryOf(content);
    if (searched) return c.redirect(`/search?${new URLSearchParams({ q: searched })}`, 303);
    // Several lines (a textarea's newlines) are messages each, as the input's script sends them.
    const lines = /[\r\n]/.test(content.trim()) ? outgoingLines(content, target) : null;
    if (lines && !lines.ok) {
      return windowPage(c, server.id, target, { draft: content, error: lines.error, status: 422 });
    }
    let answer: ApiAnswer = { status: 500, data: undefined };
    for (const line of lines?.ok ? lines.lines : [content.replace(/^[\r\n]+|[\r\n]+$/g, "")]) {
      answer = await callApi(deps, c, "POST", `/api/servers/${server.id}/messages`, {
        target,
        content: line,
      });
      if (answer.status < 200 || answer.status >= 300) break;
    }
    if (answer.status >= 200 && answer.status < 300) return c.redirect(windowUrl(server.id, target), 303);
    const status = answer.status === 409 || answer.status === 422 || answer.status === 429 ||
        answer.status === 504
      ? answer.status
      : 502;
    // The page reads the row again: the answer may be that the server is not connected any more.
    return windowPage(c, server.id, target, {
      draft: content,
      error: apiError(answer),
      status,
    });
  });

  app.post("/servers/:id/read", async (c) => {
    // JSON from the page's own script only (a form post cannot be JSON).
    if (!isSameOrigin(c) || !/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
      return c.json({ error: "Cross-site request refused" }, 403);
    }
    const server = await loadServer(db, c);
    if (!server) return c.json({ error: "Server not found" }, 404);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "body is not valid JSON" }, 422);
    }
    const { target, id } = (body ?? {}) as Record<string, unknown>;
    if (typeof target !== "string" || !validTarget(target)) {
      return c.json({ error: "target must be a channel or a nickname", field: "target" }, 422);
    }
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
      return c.json({ error: "id must be a message id", field: "id" }, 422);
    }
    // The user's other tabs and devices hear of it on their live streams.
    await markReadAndTell(db, server.id, target, id, ServiceBus);
    return c.body(null, 204);
  });

  return app;
}

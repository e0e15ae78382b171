/**
 * `GET /`: the user's servers, each with its live status, Connect /
 * Disconnect, and its windows (the way into the channels on a phone, where
 * the navigation is a drawer).
 *
 * @module
 */
import { Hono } from "hono";
import { windowUrl } from "../../islands/ServerNav.tsx";
import { listWindows, type ServerWindow, UNREAD_CAP } from "../../lib/windows.ts";
import { type PageDeps, type PageEnv, pageTheme, readLivePage } from "./context.ts";
import { ServerControlsIsland } from "./serverControls.tsx";
import { renderPage, TopBar } from "./layout.tsx";

/** The list of servers. */
export function homePage(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  app.get("/", async (c) => {
    const user = c.get("user");
    // The cursor before the rows shown: a status change between the two is then on the page or on its stream.
    const { servers, cursor } = await readLivePage(db, user.id);
    const windows = new Map<number, ServerWindow[]>();
    for (const server of servers) windows.set(server.id, await listWindows(db, server));
    const assets = (await deps.assets()).current;
    return c.html(renderPage(
      { title: "Servers", assets, bodyClass: "page-home", eventCursor: cursor, theme: pageTheme(c) },
      <>
        <TopBar userName={user.name} />
        <main class="container">
          <div class="page-heading">
            <h1>Your servers</h1>
            {servers.length ? <a class="button primary" href="/servers/new">Add a server</a> : null}
          </div>
          {servers.length === 0
            ? (
              <div class="empty">
                <p>No IRC servers yet. Add one to start chatting.</p>
                <a class="button primary" href="/servers/new">Add your first server</a>
              </div>
            )
            : (
              <ul class="server-cards">
                {servers.map((server) => (
                  <li class="card server-card" key={server.id}>
                    <div class="card-main">
                      <h2>
                        <a href={`/servers/${server.id}`}>{server.name}</a>
                      </h2>
                      <p class="meta">
                        {server.host}:{server.port}
                        {server.tls ? " · TLS" : ""} · as {server.current_nickname ?? server.nickname}
                      </p>
                    </div>
                    <div class="card-actions">
                      <ServerControlsIsland server={server} next="/" />
                      <a class="button secondary" href={`/servers/${server.id}/edit`}>Edit</a>
                    </div>
                    <ul class="card-windows" aria-label={`Windows of ${server.name}`}>
                      <li>
                        <a href={windowUrl(server.id, null)}>Server messages</a>
                      </li>
                      {(windows.get(server.id) ?? []).map((w) => (
                        <li key={w.target} class={w.kind === "channel" && !w.joined ? "parted" : undefined}>
                          <a href={windowUrl(server.id, w.target)}>
                            <span class="nav-name">{w.target}</span>
                            {w.unread > 0
                              ? (
                                <span class="unread" aria-label={`${w.unread} unread`}>
                                  {w.unread >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : w.unread}
                                </span>
                              )
                              : null}
                          </a>
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            )}
        </main>
      </>,
    ));
  });

  return app;
}

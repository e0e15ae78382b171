/**
 * `GET /`: the user's servers, each with its live status and Connect /
 * Disconnect.
 *
 * @module
 */
import { Hono } from "hono";
import { type PageDeps, type PageEnv, readLivePage } from "./context.ts";
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
    const assets = (await deps.assets()).current;
    return c.html(renderPage(
      { title: "Servers", assets, bodyClass: "page-home", eventCursor: cursor },
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

/**
 * `GET /servers/:id/channels?q=&sort=&offset=`: the channel browser of a
 * server (what `/list` opens), its first page rendered on the server from
 * `lib/channelList.ts` and kept live by the `ChannelList` island.
 *
 * @module
 */
import { Hono } from "hono";
import { readChannelList } from "../../lib/channelList.ts";
import { type PageDeps, type PageEnv, pageTheme } from "./context.ts";
import { Island } from "./island.tsx";
import { renderPage, TopBar } from "./layout.tsx";
import { loadServer } from "./loadServer.ts";

/** Channels one page shows. */
export const CHANNEL_PAGE_SIZE = 50;

/** The channel browser page. */
export function channelListPages(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.get("/servers/:id/channels", async (c) => {
    const server = await loadServer(deps.db, c);
    if (!server) return c.notFound();
    const query = (c.req.query("q") ?? "").slice(0, 200);
    const sort = c.req.query("sort") === "name" ? "name" : "users";
    const offset = Math.min(Math.max(0, Number.parseInt(c.req.query("offset") ?? "0", 10) || 0), 1_000_000);
    const page = await readChannelList(deps.db, server.id, {
      search: query,
      sort,
      offset,
      limit: CHANNEL_PAGE_SIZE,
    });
    const assets = (await deps.assets()).current;
    return c.html(renderPage(
      { title: `Channels of ${server.name}`, assets, bodyClass: "page-channel-list", theme: pageTheme(c) },
      <>
        <TopBar userName={c.get("user").name} />
        <main class="container">
          <div class="page-heading">
            <h1>Channels of {server.name}</h1>
            <a class="button secondary" href={`/servers/${server.id}`}>Back to {server.name}</a>
          </div>
          <Island
            name="ChannelList"
            props={{
              serverId: server.id,
              serverName: server.name,
              query,
              sort,
              offset,
              pageSize: CHANNEL_PAGE_SIZE,
              page,
            }}
          />
        </main>
      </>,
    ));
  });
  return app;
}

/**
 * `POST /servers/:id/connect` and `/disconnect`: the Connect / Disconnect
 * button without JavaScript, through the API's routes of the same names,
 * back to the page it was on (`next`).
 *
 * @module
 */
import { Hono } from "hono";
import { localPath } from "../../localPath.ts";
import { apiError, callApi, type PageDeps, type PageEnv, readForm } from "../context.ts";
import { loadServer } from "../loadServer.ts";

/** The posts that connect and disconnect a server. */
export function connectionPosts(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  for (const action of ["connect", "disconnect"] as const) {
    app.post(`/servers/:id/${action}`, async (c) => {
      const server = await loadServer(db, c);
      if (!server) return c.notFound();
      const form = await readForm(c);
      const answer = await callApi(deps, c, "POST", `/api/servers/${server.id}/${action}`);
      if (answer.status >= 400) return c.text(apiError(answer), answer.status === 404 ? 404 : 503);
      return c.redirect(localPath(form.next, `/servers/${server.id}`), 303);
    });
  }

  return app;
}

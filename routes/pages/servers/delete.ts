/**
 * `POST /servers/:id/delete`: the delete form of the edit page, through the
 * API's `DELETE /api/servers/:id`.
 *
 * @module
 */
import { Hono } from "hono";
import { apiError, callApi, type PageDeps, type PageEnv } from "../context.ts";
import { loadServer } from "../loadServer.ts";

/** The post that deletes a server. */
export function deleteServerPost(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  app.post("/servers/:id/delete", async (c) => {
    const server = await loadServer(db, c);
    if (!server) return c.notFound();
    const answer = await callApi(deps, c, "DELETE", `/api/servers/${server.id}`);
    if (answer.status !== 204) return c.text(apiError(answer), answer.status === 404 ? 404 : 500);
    return c.redirect("/", 303);
  });

  return app;
}

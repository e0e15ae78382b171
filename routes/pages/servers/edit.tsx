/**
 * Changing a server: `GET /servers/:id/edit` and its post, through the
 * API's `PATCH /api/servers/:id`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Server } from "../../../lib/db/schema.ts";
import { callApi, type PageDeps, type PageEnv, readForm } from "../context.ts";
import { loadServer } from "../loadServer.ts";
import {
  formPage,
  type FormProblem,
  formProblem,
  type FormValues,
  formValues,
  serverValues,
  settingsFromForm,
} from "./form.tsx";

/** The page and post of a server's settings. */
export function editServerPage(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  const page = (c: Context<PageEnv>, server: Server, values: FormValues, problem?: FormProblem) =>
    formPage(deps, c, `Edit ${server.name}`, {
      action: `/servers/${server.id}/edit`,
      values,
      existing: server,
      problem,
      submitLabel: "Save changes",
    }, problem ? 422 : 200);

  app.get("/servers/:id/edit", async (c) => {
    const server = await loadServer(db, c);
    if (!server) return c.notFound();
    return page(c, server, serverValues(server));
  });

  app.post("/servers/:id/edit", async (c) => {
    const server = await loadServer(db, c);
    if (!server) return c.notFound();
    const form = await readForm(c);
    const answer = await callApi(
      deps,
      c,
      "PATCH",
      `/api/servers/${server.id}`,
      settingsFromForm(form, server),
    );
    if (answer.status === 200) return c.redirect(`/servers/${server.id}`, 303);
    return page(c, server, formValues(form), formProblem(answer));
  });

  return app;
}

/**
 * Adding a server: its form (`GET /servers/new`) and the form's post
 * (`POST /servers`), through the API's `POST /api/servers`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { FLOOD_DEFAULTS } from "../../../lib/serverSettings.ts";
import type { ServerJson } from "../../api/servers.ts";
import { callApi, type PageDeps, type PageEnv, readForm } from "../context.ts";
import {
  formPage,
  type FormProblem,
  formProblem,
  type FormValues,
  formValues,
  settingsFromForm,
} from "./form.tsx";

/** What a new server's form starts with. */
const NEW_SERVER: FormValues = {
  port: "6697",
  tls: true,
  flood_burst: String(FLOOD_DEFAULTS.flood_burst),
  flood_interval_ms: String(FLOOD_DEFAULTS.flood_interval_ms),
};

/** The page and post of a new server. */
export function newServerPage(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();

  const page = (c: Context<PageEnv>, values: FormValues, problem?: FormProblem) =>
    formPage(
      deps,
      c,
      "Add a server",
      { action: "/servers", values, problem, submitLabel: "Add server" },
      problem ? 422 : 200,
    );

  app.get("/servers/new", (c) => page(c, NEW_SERVER));

  app.post("/servers", async (c) => {
    const form = await readForm(c);
    const answer = await callApi(deps, c, "POST", "/api/servers", settingsFromForm(form));
    if (answer.status === 201) {
      const id = (answer.data as ServerJson).id;
      // A user adding a server means to use it: connect now (which marks it to
      // connect again after a restart). If that fails, the server's page says so.
      await callApi(deps, c, "POST", `/api/servers/${id}/connect`);
      return c.redirect(`/servers/${id}`, 303);
    }
    return page(c, formValues(form), formProblem(answer));
  });

  return app;
}

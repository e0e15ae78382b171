/**
 * `docs/api.md` describes every route the app serves, and only those: the
 * app is built as the route tests build it, its routes are read from Hono's
 * `app.routes`, and each must have a heading `` `METHOD /path` `` in the doc.
 *
 * @module
 */
import type { Hono } from "hono";
import { assert, assertEquals } from "../support/assert.ts";
import { withApp } from "../routes/testApp.ts";

const DOC = new URL("../../docs/api.md", import.meta.url);

/** A heading naming one route: `` ### `GET /api/servers/:id` ``. */
const ROUTE_HEADING = /^#{2,6} `([A-Z]+) (\/[^`\s]*)`\s*$/gm;

/** The routes `docs/api.md` has a heading for, as `METHOD /path`. */
function documentedRoutes(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(ROUTE_HEADING)].map((m) => `${m[1]} ${m[2]}`));
}

/**
 * The routes `app` serves, as `METHOD /path`. Hono lists middleware
 * (`app.use`) as method `ALL` on the paths it guards, like a route
 * registered with `app.all`; an `ALL` entry counts as a route only when its
 * path is not a wildcard and no route of a real method has that path (then
 * it can only be `app.all`'s).
 */
function servedRoutes(routes: Hono["routes"]): Set<string> {
  const concrete = routes.filter((r) => r.method !== "ALL");
  const paths = new Set(concrete.map((r) => r.path));
  const catchAll = routes.filter((r) => r.method === "ALL" && !r.path.endsWith("*") && !paths.has(r.path));
  return new Set([...concrete, ...catchAll].map((r) => `${r.method} ${r.path}`));
}

/** What is in `a` and not in `b`, sorted. */
function missing(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((route) => !b.has(route)).sort();
}

Deno.test("docs/api.md: every route the app serves has its heading, and every route heading is served", async () => {
  const documented = documentedRoutes(await Deno.readTextFile(DOC));
  await withApp(({ app }) => {
    const served = servedRoutes(app.routes);
    // The listing itself works: the API, the event stream and the pages are all in it.
    for (
      const known of ["GET /api/servers/:id", "POST /api/servers/:id/messages", "GET /api/events", "GET /"]
    ) {
      assert(served.has(known), `${known} is not among the app's routes: ${[...served].join(", ")}`);
    }
    assertEquals(missing(served, documented), [], "routes served but not documented in docs/api.md");
    assertEquals(missing(documented, served), [], "routes documented in docs/api.md but not served");
    return Promise.resolve();
  });
});

Deno.test("docs/api.md check: a route without its heading is found, middleware is not a route", () => {
  const routes = [
    { basePath: "/", path: "/*", method: "ALL", handler: () => {} },
    { basePath: "/", path: "/api/servers/:id", method: "ALL", handler: () => {} },
    { basePath: "/", path: "/api/servers/:id", method: "GET", handler: () => {} },
    { basePath: "/", path: "/api/servers/:id", method: "GET", handler: () => {} },
    { basePath: "/", path: "/api/new", method: "POST", handler: () => {} },
    { basePath: "/", path: "/hook", method: "ALL", handler: () => {} },
  ] as unknown as Hono["routes"];
  const served = servedRoutes(routes);
  assertEquals([...served].sort(), ["ALL /hook", "GET /api/servers/:id", "POST /api/new"]);
  const doc = "# API\n\n### `GET /api/servers/:id`\n\nText naming `POST /api/new` outside a heading.\n";
  assertEquals(missing(served, documentedRoutes(doc)), ["ALL /hook", "POST /api/new"]);
});

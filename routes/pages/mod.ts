/**
 * The web UI's pages, put together. Login and first run are open; every
 * other page needs a signed-in user (`requirePageUser`, applied here once
 * for all of them).
 *
 * @module
 */
import { Hono } from "hono";
import { authPages } from "./auth.tsx";
import { chatPages } from "./chat.tsx";
import { type PageDeps, type PageEnv, requirePageUser } from "./context.ts";
import { serverPages } from "./servers.tsx";

export type { PageDeps } from "./context.ts";

/** Every page route. */
export function pageRoutes(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.route("/", authPages(deps));
  const signedIn = requirePageUser(deps.db);
  app.use("/", signedIn);
  app.use("/servers", signedIn);
  app.use("/servers/*", signedIn);
  app.route("/", serverPages(deps));
  app.route("/", chatPages(deps));
  return app;
}

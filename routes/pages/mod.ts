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
import { channelListPages } from "./channelList.tsx";
import { type PageDeps, type PageEnv, requirePageUser } from "./context.ts";
import { homePage } from "./home.tsx";
import { connectionPosts } from "./servers/connection.ts";
import { deleteServerPost } from "./servers/delete.ts";
import { editServerPage } from "./servers/edit.tsx";
import { newServerPage } from "./servers/new.tsx";
import { searchPages } from "./search.tsx";
import { settingsPages } from "./settings.tsx";

export type { PageDeps } from "./context.ts";

/** Every page route. */
export function pageRoutes(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  app.route("/", authPages(deps));
  const signedIn = requirePageUser(deps.db);
  app.use("/", signedIn);
  app.use("/servers", signedIn);
  app.use("/servers/*", signedIn);
  app.use("/search", signedIn);
  app.use("/settings", signedIn);
  app.route("/", homePage(deps));
  app.route("/", newServerPage(deps));
  app.route("/", editServerPage(deps));
  app.route("/", deleteServerPost(deps));
  app.route("/", connectionPosts(deps));
  app.route("/", chatPages(deps));
  app.route("/", channelListPages(deps));
  app.route("/", searchPages(deps));
  app.route("/", settingsPages(deps));
  return app;
}

/**
 * The web app's routes, put together.
 *
 * @module
 */
import { Hono } from "hono";
import type { Config } from "../lib/config.ts";
import type { Db } from "../lib/db/database.ts";
import type { ServerSupervisor } from "../lib/supervisor.ts";
import { healthRoutes } from "./health.ts";

/** What the routes need from the rest of the app. */
export interface AppDeps {
  db: Db;
  config: Config;
  /** Starts and stops the servers' IRC workers. */
  supervisor: ServerSupervisor;
}

/** The Hono app serving every route. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route("/", healthRoutes(deps.db));
  return app;
}

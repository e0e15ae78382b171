/**
 * `GET /api/servers/:id/channels/:name/members`: who is in a channel, by
 * rank (the server's PREFIX order) then name, with counts, as the worker
 * last stored it (`lib/channelMembers.ts`). Live changes come as `members`
 * events on `/api/events`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { listMembers } from "../../lib/channelMembers.ts";
import type { ServerEnv } from "./userServer.ts";
import { invalid } from "./json.ts";

/** Longest channel name looked up (IRC allows far less). */
const MAX_NAME = 200;

/** The members route, under `/api`. */
export function memberRoutes(db: Db): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/servers/:id/channels/:name/members", async (c) => {
    const name = c.req.param("name");
    if (!name || name.length > MAX_NAME) return invalid(c, "name", "A channel name is 1 to 200 characters");
    return c.json(await listMembers(db, c.get("server").id, name));
  });
  return app;
}

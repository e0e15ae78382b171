/**
 * `GET /api/servers/:id/channel-list?q=&sort=users|name&offset=&limit=`:
 * one page of the channels the server's last `LIST` (`/list`) answered,
 * searched in name and topic, with how far the list has got (`state`:
 * `none`, `listing`, `done`) and how many channels match.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { MAX_PAGE_SIZE, readChannelList } from "../../lib/channelList.ts";
import { invalid } from "./json.ts";
import type { ServerEnv } from "./userServer.ts";

/** The channel list route, under `/api`. */
export function channelListRoutes(db: Db): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/servers/:id/channel-list", async (c) => {
    const q = c.req.query("q") ?? "";
    if (q.length > 200) return invalid(c, "q", "q must be at most 200 characters");
    const sort = c.req.query("sort") ?? "users";
    if (sort !== "users" && sort !== "name") return invalid(c, "sort", "sort must be users or name");
    const offset = numberParam(c.req.query("offset"), 0, 1_000_000);
    if (offset === undefined) return invalid(c, "offset", "offset must be an integer from 0 to 1000000");
    const limit = numberParam(c.req.query("limit"), 50, MAX_PAGE_SIZE);
    if (limit === undefined || limit < 1) {
      return invalid(c, "limit", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    return c.json(await readChannelList(db, c.get("server").id, { search: q, sort, offset, limit }));
  });
  return app;
}

function numberParam(text: string | undefined, fallback: number, max: number): number | undefined {
  if (text === undefined || text === "") return fallback;
  if (!/^\d{1,7}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

/**
 * `GET /api/search?q=&order=&limit=&cursor=`: the user's own messages
 * matching `q` (`lib/search.ts`; the syntax is in docs/api.md), a page at a
 * time.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import { parseSearchParams, searchMessages, SearchTooSlowError } from "../../lib/search.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { invalid } from "./json.ts";

/** The search route, under `/api`. */
export function searchRoutes(db: Db): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/search", async (c) => {
    const params = parseSearchParams({
      q: c.req.query("q"),
      order: c.req.query("order"),
      limit: c.req.query("limit"),
      cursor: c.req.query("cursor"),
    });
    if (!params.ok) return invalid(c, params.field, params.error);
    try {
      return c.json(await searchMessages(db, c.get("user").id, params.request));
    } catch (error) {
      if (error instanceof SearchTooSlowError) return c.json({ error: error.message }, 503);
      throw error;
    }
  });
  return app;
}

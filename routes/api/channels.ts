/**
 * `GET /api/servers/:id/channels`: the server's channels and whether the
 * user is in them.
 *
 * @module
 */
import { Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { ServerEnv } from "./userServer.ts";

/** The channels route, under `/api`. */
export function channelRoutes(db: Db): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  app.get("/servers/:id/channels", async (c) => {
    const channels = await db.selectFrom("channels")
      .select(["id", "name", "joined", "topic"])
      .where("server_id", "=", c.get("server").id)
      .orderBy("name")
      .orderBy("id")
      .execute();
    return c.json(channels);
  });
  return app;
}

/**
 * `GET /health`: whether the app and its database answer.
 *
 * @module
 */
import { Hono } from "hono";
import { sql } from "kysely";
import type { Db } from "../lib/db/database.ts";

/** The health route. */
export function healthRoutes(db: Db): Hono {
  return new Hono().get("/health", async (c) => {
    try {
      await sql`select 1`.execute(db);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false, error: "database unreachable" }, 503);
    }
  });
}

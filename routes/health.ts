/**
 * `GET /health`: whether the app is ready and its database answers; and the
 * answer every request gets while the app is still starting.
 *
 * @module
 */
import { Hono } from "hono";
import { sql } from "kysely";
import type { Db } from "../lib/db/database.ts";

/** Seconds a client is told to wait before asking again during the start. */
export const STARTING_RETRY_AFTER_S = 1;

/**
 * The health route of a started app: `200 {"ok":true}` when ready (the
 * shape scripts already check), `503` when its database is gone.
 */
export function healthRoutes(db: Db): Hono {
  return new Hono().get("/health", async (c) => {
    try {
      await sql`select 1`.execute(db);
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false, status: "unavailable", error: "database unreachable" }, 503);
    }
  });
}

/**
 * The answer to any request (`/health` included) between the port opening
 * and the app being ready (the database starting, migrations): `503` with
 * `Retry-After`, so clients and proxies wait rather than fail, and `/health`
 * tells "starting" from "ready". A browser gets a page that reloads itself.
 */
export function startingResponse(request: Request): Response {
  const headers = { "retry-after": String(STARTING_RETRY_AFTER_S), "cache-control": "no-store" };
  const accept = request.headers.get("accept") ?? "";
  if (request.method === "GET" && accept.includes("text/html")) {
    return new Response(
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="${STARTING_RETRY_AFTER_S}">` +
        "<title>Starting</title><p>ircweb is starting; this page reloads by itself.</p>",
      { status: 503, headers: { ...headers, "content-type": "text/html; charset=utf-8" } },
    );
  }
  return Response.json(
    { ok: false, status: "starting", error: "Starting: the app is not ready yet, retry shortly" },
    { status: 503, headers },
  );
}

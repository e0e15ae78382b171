/**
 * `/api/servers/:id/...`: finds the server among the signed-in user's own,
 * once, for every route below it. Another user's server answers `404`
 * exactly like one that does not exist.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { Server } from "../../lib/db/schema.ts";
import { findUserServer } from "../../lib/servers.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { notFound, parseId } from "./json.ts";

/** The Hono environment of routes about one of the user's servers. */
export interface ServerEnv extends AuthEnv {
  Variables: AuthEnv["Variables"] & { server: Server };
}

/** Loads the `:id` server of the user into `c.get("server")`, or answers `404`. */
export function loadUserServer(db: Db): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const id = parseId(c.req.param("id"));
    const server = id === undefined ? undefined : await findUserServer(db, c.get("user").id, id);
    if (!server) return notFound(c, "Server not found");
    c.set("server", server);
    await next();
  };
}

/**
 * The `:id` server of a page's URL, among the signed-in user's own (another
 * user's is not found, exactly like one that does not exist).
 *
 * @module
 */
import type { Context } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { Server } from "../../lib/db/schema.ts";
import { findUserServer } from "../../lib/servers.ts";
import { parseId } from "../api/json.ts";
import type { PageEnv } from "./context.ts";

/** The user's server named by the request's `:id`, if there is one. */
export async function loadServer(db: Db, c: Context<PageEnv>): Promise<Server | undefined> {
  const id = parseId(c.req.param("id"));
  return id === undefined ? undefined : await findUserServer(db, c.get("user").id, id);
}

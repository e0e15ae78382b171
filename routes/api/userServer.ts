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
  Variables: AuthEnv["Variables"] & { server: Server; serverCache?: UserServerCache };
}

/**
 * Loads the `:id` server of the user into `c.get("server")`, or answers `404`;
 * does nothing when a loader before it did. With a `cache`, the row may be
 * up to {@link UserServerCache}'s age old: only for routes that check it
 * again when it lets them down (see `c.get("serverCache")`).
 */
export function loadUserServer(db: Db, cache?: UserServerCache): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    if (c.get("server")) return await next();
    const id = parseId(c.req.param("id"));
    const userId = c.get("user").id;
    const server = id === undefined
      ? undefined
      : cache
      ? await cache.find(userId, id)
      : await findUserServer(db, userId, id);
    if (!server) return notFound(c, "Server not found");
    c.set("server", server);
    if (cache) c.set("serverCache", cache);
    await next();
  };
}

/** How long a cached server row is used before it is read again. */
export const SERVER_CACHE_MS = 60_000;
const MAX_CACHED_SERVERS = 10_000;

/**
 * Users' server rows kept in the web process, for `POST .../commands`: it
 * saves a second database round trip (bench/README.md, "Command latency").
 * A cached row can be stale in any column; the commands route only uses its
 * `socket_path`, and re-reads the row ({@link UserServerCache.refresh}) whenever a command
 * could not be handed to a worker, so a connect, a reconnect or a deletion
 * made since is seen before anyone is answered `409` or `404`.
 */
export class UserServerCache {
  readonly #db: Db;
  readonly #entries = new Map<string, { server: Server; expires: number }>();

  /** A cache reading `db`. */
  constructor(db: Db) {
    this.#db = db;
  }

  /** The server `id` of `userId`, from the cache when it holds one young enough. */
  async find(userId: number, id: number): Promise<Server | undefined> {
    const entry = this.#entries.get(`${userId}:${id}`);
    if (entry && entry.expires > Date.now()) return entry.server;
    return await this.refresh(userId, id);
  }

  /** The server `id` of `userId` as the database has it now; cached for the next {@link find}. */
  async refresh(userId: number, id: number): Promise<Server | undefined> {
    const key = `${userId}:${id}`;
    const server = await findUserServer(this.#db, userId, id);
    this.#entries.delete(key);
    if (!server) return undefined;
    if (this.#entries.size >= MAX_CACHED_SERVERS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { server, expires: Date.now() + SERVER_CACHE_MS });
    return server;
  }
}

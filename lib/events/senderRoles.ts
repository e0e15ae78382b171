/**
 * Which database role sent a notification: PostgreSQL lets any login call
 * `pg_notify`, so a receiver that acts on what a notification says looks
 * up the sender's backend (npm:pg gives its `processId`) in
 * `pg_stat_activity`, cached per backend for a while.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";

/** How long a backend's role is trusted from the cache (a pid is reused only after many others). */
export const SENDER_ROLE_TTL_MS = 60_000;
const MAX_CACHED = 4096;

/** The roles of notification senders, by backend pid. */
export class SenderRoles {
  readonly #db: Db;
  readonly #cache = new Map<number, { role: string; at: number }>();

  /** Looks senders up through `db` (any role may read who a backend is logged in as). */
  constructor(db: Db) {
    this.#db = db;
  }

  /** The role of backend `pid` when the cache knows it, else `undefined`. */
  cached(pid: number): string | undefined {
    const entry = this.#cache.get(pid);
    if (!entry) return undefined;
    if (performance.now() - entry.at > SENDER_ROLE_TTL_MS) {
      this.#cache.delete(pid);
      return undefined;
    }
    return entry.role;
  }

  /**
   * The role backend `pid` is logged in as, or `undefined` when it cannot be
   * told (the backend is gone, or the database could not be asked). Never rejects.
   */
  async lookup(pid: number): Promise<string | undefined> {
    const known = this.cached(pid);
    if (known !== undefined) return known;
    try {
      const { rows } = await sql<{ role: string | null }>`
        select usename::text as role from pg_stat_activity where pid = ${pid}`.execute(this.#db);
      const role = rows[0]?.role ?? undefined;
      if (role !== undefined) {
        if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
        this.#cache.set(pid, { role, at: performance.now() });
      }
      return role;
    } catch {
      return undefined;
    }
  }
}

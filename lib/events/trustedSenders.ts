/**
 * Who may speak for a server on the bus: this process, the app's own
 * database role (every app instance, the supervisor, the tasks), or that
 * server's worker role (`lib/db/workerRoles.ts`). A worker may notify
 * anything; only what it says of its own server is taken as said.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { workerRoleName } from "../db/workerRoles.ts";
import type { BusSender } from "../serviceBus.ts";

/** The senders whose events a receiver accepts, per server. */
export class TrustedSenders {
  readonly #appRole: string;
  readonly #databaseOid: number;

  /** Senders of the app logged in as `appRole` on the database whose oid is `databaseOid`. */
  constructor(appRole: string, databaseOid: number) {
    this.#appRole = appRole;
    this.#databaseOid = databaseOid;
  }

  /** The senders of the app whose pool is `db` (its login role and database). */
  static async of(db: Db): Promise<TrustedSenders> {
    const { rows } = await sql<{ role: string; oid: string }>`
      select session_user::text as role,
             (select oid::int8 from pg_database where datname = current_database()) as oid`.execute(db);
    return new TrustedSenders(rows[0].role, Number(rows[0].oid));
  }

  /** Whether `sender` may publish the events of `serverId`. */
  allows(serverId: number, sender: BusSender): boolean {
    if (sender.local) return true;
    if (sender.role === undefined) return false;
    return sender.role === this.#appRole || sender.role === workerRoleName(this.#databaseOid, serverId);
  }
}

/**
 * The service bus's payloads too big for a notification, stored in
 * `bus_payloads` for receivers to load by reference and kept a few minutes.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { errorMessage, logger } from "../log.ts";

// How long referenced payloads are kept for receivers to load, and how
// often the old ones are deleted.
const PAYLOAD_TTL = "5 minutes";
const CLEANUP_INTERVAL_MS = 60_000;

const log = logger("bus");

/** Stores and loads the payloads of one bus. */
export class BusPayloads {
  readonly #db: Db;
  #lastCleanup = 0;

  /** Payloads on the database of `db`. */
  constructor(db: Db) {
    this.#db = db;
  }

  /** Stores `dataJson` through `executor` (a transaction, or the pool) and returns its reference. */
  async store(executor: Db, dataJson: string): Promise<string> {
    const row = await executor.insertInto("bus_payloads").values({ data: dataJson }).returning("id")
      .executeTakeFirstOrThrow();
    this.#cleanup();
    return row.id;
  }

  /** The data stored under `ref`, or `undefined` once it is gone. */
  async load(ref: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom("bus_payloads").select("data").where("id", "=", ref)
      .executeTakeFirst();
    return row?.data;
  }

  #cleanup(): void {
    const now = Date.now();
    if (now - this.#lastCleanup < CLEANUP_INTERVAL_MS) return;
    this.#lastCleanup = now;
    sql`delete from bus_payloads where created_at < now() - ${PAYLOAD_TTL}::interval`.execute(this.#db)
      .catch((error) => log.warn(`payload cleanup: ${errorMessage(error)}`));
  }
}

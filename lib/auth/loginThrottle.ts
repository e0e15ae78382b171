/**
 * Login throttling: after too many failed logins for one name, or from one
 * address, within a window, further attempts are refused without checking
 * the password until the oldest failure leaves the window
 * (docs/architecture.md, "Processes and permissions").
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";

/** How many failures are allowed within how long. */
export interface ThrottleLimits {
  /** Failures for one name (any address) before it is locked. */
  perName: number;
  /** Failures from one address (any name) before it is locked. */
  perAddress: number;
  windowMs: number;
}

/** The defaults: 10 per name and 30 per address in 15 minutes. */
export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perName: 10,
  perAddress: 30,
  windowMs: 15 * 60 * 1000,
};

/** How long a successful login makes its address known for its name. */
export const KNOWN_ADDRESS_MS = 90 * 24 * 60 * 60 * 1000;

/** Whether a login may be tried now. */
export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts failed logins in the database. */
export class LoginThrottle {
  readonly #db: Db;
  readonly #limits: ThrottleLimits;

  /** A throttle on `db` with `limits`. */
  constructor(db: Db, limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {
    this.#db = db;
    this.#limits = limits;
  }

  /**
   * Lets `name` try to log in from `address` now, or not; an attempt let
   * through is counted as a failure at once, until {@link recordSuccess}.
   * Attempts of one name, or one address, are decided one at a time.
   */
  async attempt(name: string, address: string, now = new Date()): Promise<ThrottleVerdict> {
    const key = name.toLowerCase();
    return await this.#db.transaction().execute(async (trx) => {
      // Always the name's lock first, then the address's: no two attempts wait on each other in a cycle.
      await sql`select pg_advisory_xact_lock(hashtext(${`login name:${key}`})),
        pg_advisory_xact_lock(hashtext(${`login address:${address}`}))`.execute(trx);
      const known = await trx.selectFrom("login_known_addresses").select("name")
        .where("name", "=", key).where("address", "=", address)
        .where("last_success_at", ">", new Date(now.getTime() - KNOWN_ADDRESS_MS))
        .executeTakeFirst();
      const verdict = await this.#verdict(trx, key, address, now, known !== undefined);
      if (verdict.allowed) {
        await trx.insertInto("login_failures").values({ name: key, address, created_at: now }).execute();
      }
      await trx.deleteFrom("login_failures")
        .where("created_at", "<", new Date(now.getTime() - this.#limits.windowMs))
        .execute();
      return verdict;
    });
  }

  /** Whether `name` may try to log in from `address` now (counting nothing). */
  async check(name: string, address: string, now = new Date()): Promise<ThrottleVerdict> {
    return await this.#verdict(this.#db, name.toLowerCase(), address, now, false);
  }

  async #verdict(
    db: Db,
    key: string,
    address: string,
    now: Date,
    knownAddress: boolean,
  ): Promise<ThrottleVerdict> {
    const since = new Date(now.getTime() - this.#limits.windowMs);
    const verdicts = await Promise.all([
      knownAddress ? undefined : this.#oldestBlocking(db, "name", key, this.#limits.perName, since),
      this.#oldestBlocking(db, "address", address, this.#limits.perAddress, since),
    ]);
    const blockedUntil = verdicts
      .filter((oldest): oldest is Date => oldest !== undefined)
      .map((oldest) => oldest.getTime() + this.#limits.windowMs);
    if (blockedUntil.length === 0) return { allowed: true };
    const until = Math.max(...blockedUntil);
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now.getTime()) / 1000)) };
  }

  /** Records a failed login, and forgets failures that left the window. */
  async recordFailure(name: string, address: string, now = new Date()): Promise<void> {
    await this.#db.insertInto("login_failures")
      .values({ name: name.toLowerCase(), address, created_at: now })
      .execute();
    await this.#db.deleteFrom("login_failures")
      .where("created_at", "<", new Date(now.getTime() - this.#limits.windowMs))
      .execute();
  }

  /**
   * Forgets the failures of `name` (its own attempt's among them) after it
   * logged in, and remembers `address` as one it logs in from.
   */
  async recordSuccess(name: string, address?: string, now = new Date()): Promise<void> {
    const key = name.toLowerCase();
    await this.#db.deleteFrom("login_failures").where("name", "=", key).execute();
    if (address === undefined) return;
    await this.#db.insertInto("login_known_addresses")
      .values({ name: key, address, last_success_at: now })
      .onConflict((oc) => oc.columns(["name", "address"]).doUpdateSet({ last_success_at: now }))
      .execute();
  }

  // The failure whose leaving the window unlocks the key: with `limit`
  // failures allowed, the limit-th newest one; none when under the limit.
  async #oldestBlocking(
    db: Db,
    column: "name" | "address",
    value: string,
    limit: number,
    since: Date,
  ): Promise<Date | undefined> {
    const row = await db.selectFrom("login_failures")
      .select("created_at")
      .where(column, "=", value)
      .where("created_at", ">", since)
      .orderBy("created_at", "desc")
      .offset(limit - 1)
      .limit(1)
      .executeTakeFirst();
    return row?.created_at;
  }
}

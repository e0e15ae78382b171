/**
 * Browser sessions: a random value in a cookie, a row holding its hash and
 * when it expires. A session unused for {@link SESSION_LIFETIME_MS} expires;
 * one in use is extended, at most once a day so reads stay reads (and the
 * cookie, which holds the expiry too, need only be sent again then).
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { hashSecret, newSecret } from "./secretToken.ts";

/** How long a session lives without being used. */
export const SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
const EXTEND_AFTER_MS = 24 * 60 * 60 * 1000;

/** The signed-in user, as every authenticated route sees it. */
export interface AuthUser {
  id: number;
  name: string;
}

/** A new session: the cookie value (shown once) and when it expires. */
export interface NewSession {
  token: string;
  expiresAt: Date;
}

/** Starts a session for `userId`, and sweeps expired ones. */
export async function createSession(db: Db, userId: number, now = new Date()): Promise<NewSession> {
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db.deleteFrom("sessions").where("expires_at", "<", now).execute();
  await db.insertInto("sessions")
    .values({ token_hash: await hashSecret(token), user_id: userId, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

/** An unexpired session found by its cookie value. */
export interface FoundSession {
  user: AuthUser;
  /**
   * The session's new expiry, when this use extended it (and only then):
   * the browser's cookie still has the old one and must be sent again with
   * this, or the browser drops it while the row lives on.
   */
  extendedUntil?: Date;
}

/** The session of cookie value `token` if it has not expired, extending it when due; else `undefined`. */
export async function findSessionUser(
  db: Db,
  token: string,
  now = new Date(),
): Promise<FoundSession | undefined> {
  const tokenHash = await hashSecret(token);
  const row = await db.selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.name", "sessions.expires_at"])
    .where("sessions.token_hash", "=", tokenHash)
    .where("sessions.expires_at", ">", now)
    .executeTakeFirst();
  if (!row) return undefined;
  const user = { id: row.id, name: row.name };
  const renewed = new Date(now.getTime() + SESSION_LIFETIME_MS);
  if (renewed.getTime() - row.expires_at.getTime() <= EXTEND_AFTER_MS) return { user };
  const { numUpdatedRows } = await db.updateTable("sessions").set({ expires_at: renewed })
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  // Logged out meanwhile: no new expiry to hand the browser for a dead session.
  return numUpdatedRows > 0n ? { user, extendedUntil: renewed } : { user };
}

/** Ends a session (logout). Unknown values are ignored. */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom("sessions").where("token_hash", "=", await hashSecret(token)).execute();
}

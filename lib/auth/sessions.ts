/**
 * Browser sessions: a random value in a cookie, a row holding its hash and
 * when it expires. A session unused for {@link SESSION_LIFETIME_MS} expires;
 * one in use is extended, at most once a day so reads stay reads.
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

/** The user of an unexpired session, or `undefined`. */
export async function findSessionUser(
  db: Db,
  token: string,
  now = new Date(),
): Promise<AuthUser | undefined> {
  const tokenHash = await hashSecret(token);
  const row = await db.selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select(["users.id", "users.name", "sessions.expires_at"])
    .where("sessions.token_hash", "=", tokenHash)
    .where("sessions.expires_at", ">", now)
    .executeTakeFirst();
  if (!row) return undefined;
  const renewed = new Date(now.getTime() + SESSION_LIFETIME_MS);
  if (renewed.getTime() - row.expires_at.getTime() > EXTEND_AFTER_MS) {
    await db.updateTable("sessions").set({ expires_at: renewed }).where("token_hash", "=", tokenHash)
      .execute();
  }
  return { id: row.id, name: row.name };
}

/** Ends a session (logout). Unknown values are ignored. */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom("sessions").where("token_hash", "=", await hashSecret(token)).execute();
}

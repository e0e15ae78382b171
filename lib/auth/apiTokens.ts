/**
 * API tokens for scripts: `Authorization: Bearer <token>`. The token is shown
 * once when created; only its hash is stored, and it works until deleted.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import type { ApiToken } from "../db/schema.ts";
import { hashSecret, newSecret } from "./secretToken.ts";
import type { AuthUser } from "./sessions.ts";

/** Prefix of every token, so a leaked one is recognisable (and greppable). */
export const TOKEN_PREFIX = "ircweb_";

/** A new token: its row and the secret, which exists nowhere else. */
export interface NewApiToken {
  token: string;
  row: ApiToken;
}

/** Creates a token for `userId`. */
export async function createApiToken(
  db: Db,
  userId: number,
  label: string | null = null,
): Promise<NewApiToken> {
  const token = newSecret(TOKEN_PREFIX);
  const row = await db.insertInto("api_tokens")
    .values({ user_id: userId, token_hash: await hashSecret(token), label })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, row };
}

/** How often a token's `last_used_at` is written at most. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The user a token belongs to, or `undefined`; records when it was last
 * used, to the minute: a write (and its commit) on every API request would
 * cost more than everything else the request does.
 */
export async function findTokenUser(db: Db, token: string): Promise<AuthUser | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const hash = await hashSecret(token);
  const row = await db.selectFrom("api_tokens")
    .innerJoin("users", "users.id", "api_tokens.user_id")
    .select(["api_tokens.id as token_id", "api_tokens.last_used_at", "users.id", "users.name"])
    .where("api_tokens.token_hash", "=", hash)
    .executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", row.token_id).execute();
  }
  return { id: row.id, name: row.name };
}

/** The user's tokens, oldest first (without any secret: there is none to show). */
export function listApiTokens(db: Db, userId: number): Promise<ApiToken[]> {
  return db.selectFrom("api_tokens").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

/** Deletes one of the user's tokens; `false` when they have none with that id. */
export async function deleteApiToken(db: Db, userId: number, tokenId: number): Promise<boolean> {
  const result = await db.deleteFrom("api_tokens")
    .where("id", "=", tokenId).where("user_id", "=", userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

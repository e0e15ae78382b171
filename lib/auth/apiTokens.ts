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

/** The user a token belongs to, or `undefined`; records when it was last used. */
export async function findTokenUser(db: Db, token: string): Promise<AuthUser | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const row = await db.updateTable("api_tokens")
    .set({ last_used_at: new Date() })
    .from("users")
    .whereRef("users.id", "=", "api_tokens.user_id")
    .where("api_tokens.token_hash", "=", await hashSecret(token))
    .returning(["users.id", "users.name"])
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name } : undefined;
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

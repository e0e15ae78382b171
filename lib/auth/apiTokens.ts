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
import type { ServiceBus } from "../serviceBus.ts";

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
 *
 * Answers are kept in the process for up to {@link LAST_USED_RESOLUTION_MS}
 * while the service bus given to {@link listenForTokenDeletions} listens,
 * saving a database round trip per request (bench/README.md, "Command latency").
 * {@link deleteApiToken} drops the token from every process's cache through
 * the bus, so a deleted token stops working at once; without a listening bus
 * nothing is cached (a deletion elsewhere could not be heard).
 */
export async function findTokenUser(db: Db, token: string): Promise<AuthUser | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const hash = await hashSecret(token);
  const cache = tokenCaches.get(db);
  const cached = cache?.get(hash);
  if (cached) return cached.user;
  const generation = cache?.generation;
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
  const user = { id: row.id, name: row.name };
  // A deletion heard while the row was read may be of this very token.
  if (cache && cache.generation === generation) cache.set(hash, row.token_id, user);
  return user;
}

/** The user's tokens, oldest first (without any secret: there is none to show). */
export function listApiTokens(db: Db, userId: number): Promise<ApiToken[]> {
  return db.selectFrom("api_tokens").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

/**
 * Deletes one of the user's tokens; `false` when they have none with that id.
 * Every process's cache of {@link findTokenUser} forgets it: this one before
 * returning, the others when the bus delivers the deletion (a notification
 * sent with the commit).
 */
export async function deleteApiToken(db: Db, userId: number, tokenId: number): Promise<boolean> {
  const bus = tokenCaches.get(db)?.bus;
  const deleteRow = async (trx: Db) => {
    const result = await trx.deleteFrom("api_tokens")
      .where("id", "=", tokenId).where("user_id", "=", userId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) return undefined;
    return bus ? await bus.publishWithin(trx, TOKEN_DELETED_CHANNEL, { token_id: tokenId }) : () => {};
  };
  const deliver = db.isTransaction ? await deleteRow(db) : await db.transaction().execute(deleteRow);
  // Also when there is no bus, or it is not listening: this process's cache.
  tokenCaches.get(db)?.forget(tokenId);
  deliver?.();
  return deliver !== undefined;
}

/** The bus channel on which token deletions reach every process's cache. */
export const TOKEN_DELETED_CHANNEL = "api_token_deleted";

interface CachedToken {
  tokenId: number;
  user: AuthUser;
  expires: number;
}

const MAX_CACHED_TOKENS = 10_000;
const tokenCaches = new WeakMap<Db, TokenCache>();

// The tokens of one process's database, forgotten on deletion, on expiry,
// and whenever the bus's listener (re)connects, since deletions published
// while it was away were not heard.
class TokenCache {
  readonly bus: ServiceBus;
  readonly #entries = new Map<string, CachedToken>();
  /** Bumped by every deletion, so that a lookup racing one does not store. */
  generation = 0;

  constructor(bus: ServiceBus) {
    this.bus = bus;
    bus.subscribe<{ token_id?: unknown }>(TOKEN_DELETED_CHANNEL, (data) => {
      if (typeof data?.token_id === "number") this.forget(data.token_id);
      else this.clear();
    });
    bus.onResync(() => this.clear());
  }

  get(hash: string): CachedToken | undefined {
    if (!this.bus.listening) return undefined;
    const entry = this.#entries.get(hash);
    if (entry && entry.expires <= Date.now()) {
      this.#entries.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(hash: string, tokenId: number, user: AuthUser): void {
    if (!this.bus.listening) return;
    if (this.#entries.size >= MAX_CACHED_TOKENS) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { tokenId, user, expires: Date.now() + LAST_USED_RESOLUTION_MS });
  }

  forget(tokenId: number): void {
    this.generation++;
    for (const [hash, entry] of this.#entries) if (entry.tokenId === tokenId) this.#entries.delete(hash);
  }

  clear(): void {
    this.generation++;
    this.#entries.clear();
  }
}

/**
 * Lets {@link findTokenUser} on the pool `db` cache its answers, and
 * {@link deleteApiToken} on it announce deletions on `bus`, which every
 * process's cache hears. Without it, lookups on `db` are not cached.
 */
export function listenForTokenDeletions(db: Db, bus: ServiceBus): void {
  if (tokenCaches.get(db)?.bus !== bus) tokenCaches.set(db, new TokenCache(bus));
}

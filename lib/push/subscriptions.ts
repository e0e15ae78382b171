/**
 * Users' Web Push subscriptions: reading one as a browser's
 * `PushSubscription.toJSON()` gives it, keeping it (one row per endpoint),
 * and forgetting it when the user turns push off or the push service says
 * it is gone.
 *
 * @module
 */
import type { Db } from "../db/database.ts";

/** A subscription as the sender needs it. */
export interface PushSubscriptionRecord {
  endpoint: string;
  /** base64url P-256 public key of the browser. */
  p256dh: string;
  /** base64url 16-byte auth secret. */
  auth: string;
}

/** Most subscriptions kept per user (browsers and devices); the oldest go first. */
export const MAX_SUBSCRIPTIONS_PER_USER = 20;

/** A subscription read from a request, or the field at fault and why. */
export type ParsedSubscription =
  | { ok: true; subscription: PushSubscriptionRecord }
  | { ok: false; field: string; error: string };

/**
 * Reads `{endpoint, keys: {p256dh, auth}}` (what `PushSubscription.toJSON()`
 * gives; `expirationTime` and anything else are ignored). The endpoint is
 * only checked to be a string here: where it may point is for
 * `endpointRefusal` (lib/push/pushTargets.ts) to say.
 */
export function parseSubscription(value: unknown): ParsedSubscription {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, field: "body", error: "body must be a JSON object" };
  }
  const body = value as Record<string, unknown>;
  if (typeof body.endpoint !== "string" || body.endpoint === "") {
    return { ok: false, field: "endpoint", error: "endpoint is required (the push service's URL)" };
  }
  const keys = body.keys;
  if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
    return { ok: false, field: "keys", error: "keys is required ({p256dh, auth})" };
  }
  const { p256dh, auth } = keys as Record<string, unknown>;
  const point = typeof p256dh === "string" ? base64UrlBytes(p256dh) : undefined;
  if (!point || point.length !== 65 || point[0] !== 0x04) {
    return { ok: false, field: "keys.p256dh", error: "keys.p256dh must be a P-256 public key (base64url)" };
  }
  const secret = typeof auth === "string" ? base64UrlBytes(auth) : undefined;
  if (!secret || secret.length !== 16) {
    return { ok: false, field: "keys.auth", error: "keys.auth must be 16 bytes (base64url)" };
  }
  return {
    ok: true,
    subscription: { endpoint: body.endpoint, p256dh: p256dh as string, auth: auth as string },
  };
}

// The bytes of base64url text (padding allowed), or `undefined` for other text.
function base64UrlBytes(text: string): Uint8Array | undefined {
  if (text.length > 200 || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const plain = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  try {
    return Uint8Array.from(atob(plain + "=".repeat((4 - plain.length % 4) % 4)), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Keeps `subscription` for `userId`. An endpoint already kept moves to
 * this user with its new keys: it is one browser, whoever logged in on it
 * last. Beyond {@link MAX_SUBSCRIPTIONS_PER_USER} the user's oldest go.
 */
export async function saveSubscription(
  db: Db,
  userId: number,
  subscription: PushSubscriptionRecord,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("push_subscriptions").values({ user_id: userId, ...subscription })
      .onConflict((oc) =>
        oc.column("endpoint").doUpdateSet({
          user_id: userId,
          p256dh: subscription.p256dh,
          auth: subscription.auth,
        })
      ).execute();
    const keep = trx.selectFrom("push_subscriptions").select("id").where("user_id", "=", userId)
      .orderBy("id", "desc").limit(MAX_SUBSCRIPTIONS_PER_USER);
    await trx.deleteFrom("push_subscriptions").where("user_id", "=", userId).where("id", "not in", keep)
      .execute();
  });
}

/** Forgets `endpoint` if it is `userId`'s; whether it was. */
export async function deleteSubscription(db: Db, userId: number, endpoint: string): Promise<boolean> {
  const result = await db.deleteFrom("push_subscriptions").where("user_id", "=", userId)
    .where("endpoint", "=", endpoint).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Forgets `endpoint` whoever it is of (its push service said it is gone). */
export async function forgetEndpoint(db: Db, endpoint: string): Promise<void> {
  await db.deleteFrom("push_subscriptions").where("endpoint", "=", endpoint).execute();
}

/** The subscriptions of `userId`. */
export async function userSubscriptions(db: Db, userId: number): Promise<PushSubscriptionRecord[]> {
  return await db.selectFrom("push_subscriptions").select(["endpoint", "p256dh", "auth"])
    .where("user_id", "=", userId).orderBy("id").execute();
}

/** Whether `userId` has `endpoint` (the browser asking whether push is on in it). */
export async function hasSubscription(db: Db, userId: number, endpoint: string): Promise<boolean> {
  const row = await db.selectFrom("push_subscriptions").select("id").where("user_id", "=", userId)
    .where("endpoint", "=", endpoint).executeTakeFirst();
  return row !== undefined;
}

/** The users with at least one subscription. */
export async function usersWithSubscriptions(db: Db): Promise<number[]> {
  const rows = await db.selectFrom("push_subscriptions").select("user_id").distinct().execute();
  return rows.map((r) => r.user_id);
}

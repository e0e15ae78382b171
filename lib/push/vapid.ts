/**
 * The app's VAPID key pair (RFC 8292), which signs every push it sends:
 * made on first start and kept in `app_secrets` (migration 0014, readable
 * by the app's role only), so every instance and every restart signs with
 * the same key and browsers' subscriptions stay valid.
 *
 * @module
 */
import { sql } from "kysely";
import webpush from "web-push";
import type { Db } from "../db/database.ts";

/** The key pair, base64url as browsers and web-push take them. */
export interface VapidKeys {
  /** The uncompressed P-256 point: the `applicationServerKey` of a subscription. */
  publicKey: string;
  privateKey: string;
}

const SECRET_NAME = "vapid";

/** The stored key pair; made and stored first when there is none (two instances starting at once keep one). */
export async function vapidKeys(db: Db): Promise<VapidKeys> {
  const stored = await readKeys(db);
  if (stored) return stored;
  const made = webpush.generateVAPIDKeys();
  await sql`insert into app_secrets (name, value) values (${SECRET_NAME}, ${JSON.stringify(made)})
            on conflict (name) do nothing`.execute(db);
  const kept = await readKeys(db);
  if (!kept) throw new Error("The VAPID keys could not be stored in app_secrets");
  return kept;
}

async function readKeys(db: Db): Promise<VapidKeys | undefined> {
  const { rows } = await sql<{ value: string }>`select value from app_secrets where name = ${SECRET_NAME}`
    .execute(db);
  if (rows.length === 0) return undefined;
  const value: unknown = JSON.parse(rows[0].value);
  if (
    typeof value !== "object" || value === null || !("publicKey" in value) || !("privateKey" in value) ||
    typeof value.publicKey !== "string" || typeof value.privateKey !== "string"
  ) {
    throw new Error("The VAPID keys in app_secrets are not a key pair");
  }
  return { publicKey: value.publicKey, privateKey: value.privateKey };
}

/**
 * Random secrets handed to a client (session cookies, API tokens) and the
 * hashes that stand for them in the database. The secrets have 256 bits of
 * entropy, so a fast hash is enough: nobody can guess one from its hash.
 *
 * @module
 */

/** A new random secret, URL-safe base64, with an optional readable prefix. */
export function newSecret(prefix = ""): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const text = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
  return prefix + text;
}

/** The SHA-256 of `secret`, hex: what the database keeps. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

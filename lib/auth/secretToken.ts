/**
 * Random secrets handed to a client (session cookies, API tokens) and the
 * hashes that stand for them in the database. The secrets have 256 bits of
 * entropy, so a fast hash is enough: nobody can guess one from its hash.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A new random secret, URL-safe base64, with an optional readable prefix. */
export function newSecret(prefix = ""): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const text = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
  return prefix + text;
}

/**
 * The SHA-256 of `secret`, hex: what the database keeps. Computed in the
 * calling thread: `crypto.subtle.digest` hands the work to another thread
 * and back, which cost every API request more than the hash itself
 * (bench/README.md, "Command latency").
 */
export function hashSecret(secret: string): Promise<string> {
  return Promise.resolve(createHash("sha256").update(secret).digest("hex"));
}

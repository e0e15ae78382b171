/**
 * Where to send a browser back to after a login or a form: a path on this
 * site, never another. The text is resolved as a browser would (which drops
 * tabs and newlines and reads `\` as `/`), kept only if it stays on this
 * origin, and refused if its path then starts with `//` or `/\`, which a
 * browser given it as a `Location` reads as another host.
 *
 * @module
 */

// Any origin serves: only whether the result stays on it matters.
const BASE = "http://app.invalid";

/** `next` as a path on this site (normalised), or `fallback` if it is missing or would leave it. */
export function localPath(next: string | undefined, fallback: string): string {
  if (!next || !next.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  if (/^\/[\/\\]/.test(url.pathname)) return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * Where to send a browser back to after a login or a form: a path on this
 * site, never another one.
 *
 * A pattern on the raw text is not enough: browsers drop tabs and newlines
 * from a URL and read `\` as `/`, so `/\t/evil.example` is `//evil.example`
 * to them. The text is therefore resolved the way a browser would, and
 * kept only if it stays on this origin. Staying on the origin is not enough
 * either: `/..//evil.example` resolves to the path `//evil.example`, which a
 * browser given it as a `Location` reads as another host; a path that starts
 * with `//` or `/\` after resolution is refused too.
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

/**
 * Whether a stored text of several lines (a MOTD, a WHOIS answer) is drawn
 * with characters (ASCII art, aligned columns), which only reads in a
 * monospace font with its spaces kept.
 *
 * @module
 */

/** A gap of spaces inside a line, a run of one symbol, or box strokes side by side. */
const DRAWN = /\S {2,}\S|([^\p{L}\p{N}\s])\1{2,}|[\\/|_]{2}/u;

/** Whether `text` has several lines and one of them looks drawn rather than written. */
export function looksLikeArt(text: string): boolean {
  return text.includes("\n") && text.split("\n").some((line) => DRAWN.test(line));
}

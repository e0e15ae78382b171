/**
 * Text from IRC made storable in PostgreSQL. Its `text` cannot hold NUL,
 * and IRC never allows one, but a server may send it anyway: it must not
 * make a write fail (and be retried, or dropped with what came with it).
 * Nor can JSON or UTF-8 hold half a surrogate pair (which a command's JSON
 * may carry): it becomes U+FFFD, as decoding UTF-8 would make it.
 *
 * @module
 */

/** `text` without NUL, and well-formed. */
export function storableText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes("\0") ? wellFormed.replaceAll("\0", "") : wellFormed;
}

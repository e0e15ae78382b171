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

/** Most UTF-8 bytes of a stored message's text: 16 KiB, more than any line IRC allows. */
export const MAX_STORED_TEXT_BYTES = 16 * 1024;

/**
 * {@link storableText}, cut to at most `maxBytes` UTF-8 bytes at a
 * character's start (with "…" ending a cut text), so no server can make
 * one stored (and streamed) message unbounded.
 */
export function boundedText(text: string, maxBytes = MAX_STORED_TEXT_BYTES): string {
  const storable = storableText(text);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most texts need no count.
  if (storable.length * 3 <= maxBytes) return storable;
  const bytes = new TextEncoder().encode(storable);
  if (bytes.length <= maxBytes) return storable;
  let end = maxBytes - 3; // room for the ellipsis
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end)) + "\u2026";
}

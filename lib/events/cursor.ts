/**
 * The live stream's cursor: the last number seen of each server's log, and
 * its opaque text form (the SSE `id:`, handed back as `Last-Event-ID`).
 *
 * @module
 */

/** Where a live-stream client is: the last number seen of each server. */
export type Cursor = Map<number, number>;

/**
 * The opaque `id:` of the live stream. Clients only hand it back; the
 * format (`c` then `server-seq` pairs joined by `.`) may change.
 */
export function encodeCursor(cursor: Cursor): string {
  let text = "c";
  let first = true;
  for (const [serverId, seq] of [...cursor].sort((a, b) => a[0] - b[0])) {
    text += `${first ? "" : "."}${serverId}-${seq}`;
    first = false;
  }
  return text;
}

/** Reads a cursor from `Last-Event-ID`; `undefined` when it is not one. */
export function decodeCursor(text: string | undefined | null): Cursor | undefined {
  if (
    !text || text.length > 4096 || !/^c([0-9]{1,10}-[0-9]{1,15}(\.[0-9]{1,10}-[0-9]{1,15})*)?$/.test(text)
  ) {
    return undefined;
  }
  const cursor: Cursor = new Map();
  if (text.length === 1) return cursor;
  for (const pair of text.slice(1).split(".")) {
    const [serverId, seq] = pair.split("-").map(Number);
    cursor.set(serverId, seq);
  }
  return cursor;
}

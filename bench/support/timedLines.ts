/**
 * The IRC lines a bench connection reads, each with the time its read
 * returned, so a send and its arrival are read on one clock: split at LF, a
 * CR before it dropped, empty lines skipped, a line cut across reads joined.
 *
 * @module
 */

/** Closes `conn`, which may be closed already. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** The longest line the bench's peers may send: anything longer is not IRC, and ends the reading. */
const MAX_LINE = 8192;

/**
 * Reads `conn` until it ends, fails, or `closed()` says so, handing each
 * line and the time of the read it completed in to `onLine`.
 */
export async function readTimedLines(
  conn: Deno.Conn,
  onLine: (line: string, at: number) => void,
  closed: () => boolean,
): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  const decoder = new TextDecoder();
  let rest = "";
  try {
    while (!closed()) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const at = performance.now();
      const text = rest + decoder.decode(buffer.subarray(0, n), { stream: true });
      let start = 0;
      let newline: number;
      while ((newline = text.indexOf("\n", start)) !== -1) {
        const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        if (end > start) onLine(text.slice(start, end), at);
        start = newline + 1;
      }
      rest = text.slice(start);
      if (rest.length > MAX_LINE) break;
    }
  } catch { /* reset by the peer, or closed meanwhile: the end of the lines as well */ }
}

/**
 * Writes a whole buffer to a connection. `Deno.Conn.write` may take only
 * part of what it is given (a full socket buffer), and a request or reply
 * cut short would be a line its reader never ends.
 *
 * @module
 */

/** What can be written to (`Deno.Conn` can). */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes all of `bytes` to `sink`, a part at a time if it takes only parts. */
export async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await sink.write(bytes.subarray(at));
}

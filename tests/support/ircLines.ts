/**
 * The lines of an IRC connection as the test's own clients and servers read
 * them: split at LF, a CR before it dropped, a line cut across reads joined.
 *
 * @module
 */

/** Yields each complete line of `readable`, without its line ending; ends (or throws) as the stream does. */
export async function* ircLines(readable: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of readable) {
    buffer += decoder.decode(chunk, { stream: true });
    let index;
    while ((index = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, index).replace(/\r$/, "");
      buffer = buffer.slice(index + 1);
      yield line;
    }
  }
}

/**
 * A real Unix socket that records the lines it receives and answers each
 * with a reply of the test's choosing: the "mock socket" of the original design, without
 * stubbing `Deno.connect`.
 *
 * @module
 */

/** A listening recording socket. */
export interface RecordingSocket {
  path: string;
  /** Lines received, in order. */
  received: string[];
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Listens on a fresh path in a temporary folder, or on `at` (a worker
 * restarting on its path; the folder is then the caller's). `reply` decides
 * the answer to each line; `null` means never answer.
 */
export async function startRecordingSocket(
  reply: (line: string) => string | null = () => '{"ok":true}',
  at?: string,
): Promise<RecordingSocket> {
  const dir = at === undefined ? await Deno.makeTempDir({ prefix: "ircweb-sock-" }) : undefined;
  const path = at ?? `${dir}/server-1.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const received: string[] = [];
  const conns = new Set<Deno.Conn>();
  let connections = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      connections += 1;
      conns.add(conn);
      (async () => {
        const decoder = new TextDecoder();
        let buffer = "";
        try {
          for await (const chunk of conn.readable) {
            buffer += decoder.decode(chunk, { stream: true });
            let i;
            while ((i = buffer.indexOf("\n")) !== -1) {
              const line = buffer.slice(0, i);
              buffer = buffer.slice(i + 1);
              received.push(line);
              const answer = reply(line);
              if (answer !== null) await conn.write(new TextEncoder().encode(answer + "\n"));
            }
          }
        } catch { /* closed */ }
        conns.delete(conn);
      })();
    }
  })().catch(() => {});
  return {
    path,
    received,
    get connections() {
      return connections;
    },
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await serving;
      if (dir !== undefined) await Deno.remove(dir, { recursive: true });
      else await Deno.remove(path).catch(() => {});
    },
  };
}

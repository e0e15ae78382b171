/**
 * The worker's end of the socket protocol: a Unix socket that takes
 * newline-delimited JSON commands and answers each with one line.
 *
 * @module
 */
import {
  type CommandReply,
  type CommandRequest,
  MAX_REQUEST_BYTES,
  validateCommand,
} from "../lib/ircCommand.ts";
import { LineReader } from "../lib/lineReader.ts";
import { writeAll } from "../lib/writeAll.ts";
import type { Logger } from "../lib/log.ts";

/** Longest Unix socket path Linux accepts, in bytes (108 with the NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Carries out one valid command; its reply goes back to the client. */
export type CommandHandler = (command: CommandRequest) => Promise<CommandReply> | CommandReply;

/** A listening command socket. */
export interface CommandSocket {
  /** Stops listening, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Listens on `path` (mode 0600; a stale file is removed first) and hands
 * each valid command to `handle`. Bad input is answered with `ok:false` and
 * never reaches `handle`; no client can bring the worker down.
 * `afterReply` runs once a reply has been written (used to exit after `quit`).
 */
export async function listenCommandSocket(
  path: string,
  handle: CommandHandler,
  log: Logger,
  afterReply?: (command: CommandRequest) => void,
): Promise<CommandSocket> {
  if (new TextEncoder().encode(path).length > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `socket path is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket allows: ${path}`,
    );
  }
  await Deno.remove(path).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.chmod(path, 0o600);

  const open = new Set<Deno.UnixConn>();
  const serving = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      serve(conn, handle, log, afterReply).finally(() => open.delete(conn));
    }
  })().catch(() => {/* listener closed */});

  return {
    async close() {
      try {
        listener.close();
      } catch { /* already closed */ }
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await serving;
      await Deno.remove(path).catch(() => {});
    },
  };
}

async function serve(
  conn: Deno.UnixConn,
  handle: CommandHandler,
  log: Logger,
  afterReply?: (command: CommandRequest) => void,
): Promise<void> {
  const lines = new LineReader(conn, MAX_REQUEST_BYTES);
  const encoder = new TextEncoder();
  try {
    while (true) {
      const next = await lines.next();
      if (next === null) break;
      let command: CommandRequest | undefined;
      let reply: CommandReply;
      if (next.kind === "too_long") {
        reply = { ok: false, error: `request line longer than ${MAX_REQUEST_BYTES} bytes` };
      } else {
        const parsed = parseRequest(next.line);
        if (!parsed.ok) {
          reply = { ok: false, error: parsed.error, ...idOf(next.line) };
        } else {
          command = parsed.value;
          try {
            reply = await handle(command);
          } catch (error) {
            log.error(`command ${command.command} failed: ${error instanceof Error ? error.stack : error}`);
            reply = { ok: false, error: "internal error in the IRC worker" };
          }
          if (command.id !== undefined) reply = { ...reply, id: command.id };
        }
      }
      try {
        await writeAll(conn, encoder.encode(JSON.stringify(reply) + "\n"));
      } catch {
        // The client hung up before its reply: the command stands.
        if (command) afterReply?.(command);
        break;
      }
      if (command) afterReply?.(command);
    }
  } catch (error) {
    log.debug(`command connection ended: ${error}`);
  } finally {
    await lines.cancel();
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

function parseRequest(line: string): ReturnType<typeof validateCommand> {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return { ok: false, error: "request is not valid JSON" };
  }
  return validateCommand(input);
}

// Echo the id of a refused request when one can be read, so clients that
// pipeline requests can match the refusal.
function idOf(line: string): { id?: string | number } {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === "string" || typeof id === "number" ? { id } : {};
  } catch {
    return {};
  }
}

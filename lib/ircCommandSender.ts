/**
 * The web app's side of the socket protocol: sends one command to a
 * server's worker and waits for its one-line reply.
 *
 * @module
 */
import { type IrcCommand, MAX_REQUEST_BYTES, validateCommand, validateReply } from "./ircCommand.ts";
import { LineReader } from "./lineReader.ts";
import { writeAll } from "./writeAll.ts";

/** Why a command did not reach IRC. */
export type IrcCommandErrorKind =
  /** The server has no running worker (no `socket_path`). */
  | "not_connected"
  /** The socket file is missing. */
  | "socket_not_found"
  /** The socket exists but nothing accepts on it (a worker that died). */
  | "unavailable"
  /** The worker did not answer in time. */
  | "timeout"
  /** Too many lines wait to be sent already (flood control, or the server away). */
  | "queue_full"
  /** The command was invalid, or the worker refused it. */
  | "refused";

/** A command that did not go through, with a reason a user can read. */
export class IrcCommandError extends Error {
  /** Which of the ways to fail this was. */
  readonly kind: IrcCommandErrorKind;
  /** Nothing was written to any worker: sending again cannot repeat the command. */
  readonly unsent: boolean;

  /** `message` is shown to users as is. */
  constructor(kind: IrcCommandErrorKind, message: string, unsent = false) {
    super(message);
    this.unsent = unsent;
    this.name = "IrcCommandError";
    this.kind = kind;
  }
}

/** What the sender needs to know of a server. */
export interface SenderServer {
  socket_path: string | null;
}

/** What a command that went through answers. */
export interface CommandAccepted {
  ok: true;
  /** Outgoing flood control held the line back; it will be sent in order. */
  queued?: true;
}

/** Options of {@link IrcCommandSender}. */
export interface IrcCommandSenderOptions {
  /** How long to wait for the worker's reply; 2 s by default. */
  timeoutMs?: number;
  /** Connections kept between commands; one connection per command without it. */
  pool?: WorkerConnectionPool;
}

/** A connection to a worker's socket and the reader of its replies. */
interface WorkerConnection {
  conn: Deno.UnixConn;
  lines: LineReader;
  idleTimer?: ReturnType<typeof setTimeout>;
}

/** How long an unused pooled connection stays open. */
export const POOL_IDLE_MS = 30_000;
/** Most unused connections kept per worker socket. */
export const POOL_IDLE_PER_SOCKET = 4;

/**
 * Open connections to workers' sockets, reused from one command to the
 * next (the socket protocol takes any number of requests per connection):
 * a connect and an accept were half of a command's socket round trip.
 * Each connection carries one request at a time; commands sent together
 * take several. The owner closes the pool when it stops.
 */
export class WorkerConnectionPool {
  readonly #idle = new Map<string, WorkerConnection[]>();
  #closed = false;

  /** An unused connection to `path`, if one is open. */
  take(path: string): WorkerConnection | undefined {
    const idle = this.#idle.get(path);
    const connection = idle?.pop();
    if (idle?.length === 0) this.#idle.delete(path);
    if (connection) clearTimeout(connection.idleTimer);
    return connection;
  }

  /** Keeps `connection` for the next command to `path`, or closes it. */
  give(path: string, connection: WorkerConnection): void {
    const idle = this.#idle.get(path) ?? [];
    if (this.#closed || idle.length >= POOL_IDLE_PER_SOCKET) {
      closeConnection(connection);
      return;
    }
    idle.push(connection);
    this.#idle.set(path, idle);
    connection.idleTimer = setTimeout(() => {
      const list = this.#idle.get(path);
      const at = list?.indexOf(connection) ?? -1;
      if (at !== -1) list!.splice(at, 1);
      if (list?.length === 0) this.#idle.delete(path);
      closeConnection(connection);
    }, POOL_IDLE_MS);
    Deno.unrefTimer(connection.idleTimer);
  }

  /** Closes every unused connection; later ones are closed once used. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) {
      for (const connection of list) {
        clearTimeout(connection.idleTimer);
        closeConnection(connection);
      }
    }
    this.#idle.clear();
  }
}

function closeConnection(connection: WorkerConnection): void {
  try {
    connection.conn.close();
  } catch { /* already closed */ }
}

/** Sends commands to the worker of one server over its Unix socket. */
export class IrcCommandSender {
  readonly #server: SenderServer;
  readonly #timeoutMs: number;
  readonly #pool: WorkerConnectionPool | undefined;

  /** A sender for `server`, as loaded from the database. */
  constructor(server: SenderServer, options: IrcCommandSenderOptions = {}) {
    this.#server = server;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#pool = options.pool;
  }

  /** Joins `channel`. */
  join(channel: string): Promise<CommandAccepted> {
    return this.sendCommand({ command: "join", channel });
  }

  /** Leaves `channel`, with an optional part message. */
  part(channel: string, message: string | null = null): Promise<CommandAccepted> {
    return this.sendCommand({ command: "part", channel, message });
  }

  /** Sends `message` to a channel or nick. */
  privmsg(target: string, message: string): Promise<CommandAccepted> {
    return this.sendCommand({ command: "privmsg", target, message });
  }

  /** Sends a notice to a channel or nick. */
  notice(target: string, message: string): Promise<CommandAccepted> {
    return this.sendCommand({ command: "notice", target, message });
  }

  /** Sends a `/me` action to a channel or nick. */
  action(target: string, message: string): Promise<CommandAccepted> {
    return this.sendCommand({ command: "action", target, message });
  }

  /** Changes nick. */
  nick(nickname: string): Promise<CommandAccepted> {
    return this.sendCommand({ command: "nick", nickname });
  }

  /** Disconnects from IRC; the worker exits. */
  quit(message: string | null = null): Promise<CommandAccepted> {
    return this.sendCommand({ command: "quit", message });
  }

  /**
   * Sends one command and resolves with the worker's acceptance; throws an
   * {@link IrcCommandError} saying why otherwise. Invalid commands are refused
   * here, before anything is sent.
   */
  async sendCommand(command: IrcCommand | Record<string, unknown>): Promise<CommandAccepted> {
    const path = this.#server.socket_path;
    if (!path) throw new IrcCommandError("not_connected", "Server not connected", true);
    const valid = validateCommand(command);
    if (!valid.ok) throw new IrcCommandError("refused", valid.error);

    const request = new TextEncoder().encode(JSON.stringify(command) + "\n");
    let connection = this.#pool?.take(path);
    if (connection) {
      // A kept connection whose worker has gone fails the write: nothing
      // was sent, so a new connection may carry it.
      try {
        await writeAll(connection.conn, request);
      } catch {
        closeConnection(connection);
        connection = undefined;
      }
    }
    if (!connection) {
      const conn = await connect(path);
      connection = { conn, lines: new LineReader(conn, MAX_REQUEST_BYTES) };
      try {
        await writeAll(conn, request);
      } catch {
        closeConnection(connection);
        throw new IrcCommandError("unavailable", "The IRC worker hung up without answering");
      }
    }
    const { conn, lines } = connection;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      closeConnection(connection);
    }, this.#timeoutMs);
    let reusable = false;
    try {
      const line = await lines.next();
      if (line?.kind !== "line") throw new Error("no reply");
      const valid = validateReply(JSON.parse(line.line));
      // A reply that is not one: the connection is not to be trusted again.
      if (!valid.ok) {
        throw new IrcCommandError("unavailable", `The IRC worker's reply was not valid: ${valid.error}`);
      }
      const reply = valid.value;
      reusable = true;
      if (!reply.ok) throw new IrcCommandError(reply.code ?? "refused", reply.error);
      return reply.queued ? { ok: true, queued: true } : { ok: true };
    } catch (error) {
      if (error instanceof IrcCommandError) throw error;
      if (timedOut) {
        throw new IrcCommandError("timeout", `The IRC worker did not answer within ${this.#timeoutMs} ms`);
      }
      throw new IrcCommandError("unavailable", "The IRC worker hung up without answering");
    } finally {
      clearTimeout(timer);
      if (reusable && !timedOut && this.#pool) this.#pool.give(path, connection);
      else if (!timedOut) {
        try {
          conn.close();
        } catch { /* already closed by the worker */ }
      }
    }
  }
}

async function connect(path: string): Promise<Deno.UnixConn> {
  try {
    return await Deno.connect({ transport: "unix", path });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new IrcCommandError("socket_not_found", "Socket not found", true);
    }
    if (error instanceof Deno.errors.ConnectionRefused) {
      throw new IrcCommandError("unavailable", "Server not connected (its worker is not running)", true);
    }
    throw error;
  }
}

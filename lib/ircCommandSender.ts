/**
 * The web app's side of the socket protocol: sends one command to a
 * server's worker and waits for its one-line reply.
 *
 * @module
 */
import { type CommandReply, type IrcCommand, MAX_REQUEST_BYTES, validateCommand } from "./ircCommand.ts";
import { LineReader } from "./lineReader.ts";

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
}

/** Sends commands to the worker of one server over its Unix socket. */
export class IrcCommandSender {
  readonly #server: SenderServer;
  readonly #timeoutMs: number;

  /** A sender for `server`, as loaded from the database. */
  constructor(server: SenderServer, options: IrcCommandSenderOptions = {}) {
    this.#server = server;
    this.#timeoutMs = options.timeoutMs ?? 2000;
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

    const conn = await connect(path);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.close();
    }, this.#timeoutMs);
    try {
      await conn.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
      const line = await new LineReader(conn.readable, MAX_REQUEST_BYTES).next();
      if (line?.kind !== "line") throw new Error("no reply");
      const reply = JSON.parse(line.line) as CommandReply;
      if (!reply.ok) throw new IrcCommandError("refused", String(reply.error));
      return reply.queued ? { ok: true, queued: true } : { ok: true };
    } catch (error) {
      if (error instanceof IrcCommandError) throw error;
      if (timedOut) {
        throw new IrcCommandError("timeout", `The IRC worker did not answer within ${this.#timeoutMs} ms`);
      }
      throw new IrcCommandError("unavailable", "The IRC worker hung up without answering");
    } finally {
      clearTimeout(timer);
      try {
        if (!timedOut) conn.close();
      } catch { /* already closed by the worker */ }
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

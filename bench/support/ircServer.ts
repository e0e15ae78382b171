/**
 * The bench's IRC server: a real, small server without flood limits. It
 * parses every line (prefix, command, parameters, trailing), registers
 * clients (CAP, PASS, NICK, USER, then 001-005 and 422), answers PING,
 * keeps channels with their members (JOIN with NAMES, PART, QUIT) and relays
 * PRIVMSG and NOTICE to the other members, as a real server does.
 *
 * What a bench needs on top: a hook on every PRIVMSG a client sends (the
 * end of the command path), lines sent to a client written at once, and
 * {@link BenchIrcClient.blast} to push hundreds of thousands of lines as
 * fast as the socket takes them, in large writes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { closeQuietly, readTimedLines } from "./timedLines.ts";

/** One registered client, as the server sees it. */
export interface BenchIrcClient {
  readonly nick: string;
  /** PRIVMSG and NOTICE lines received from it. */
  readonly messagesReceived: number;
  /** Sends one line (CRLF added); written at the end of the current task. */
  send(line: string): void;
  /**
   * Sends `count` lines made by `lineFor` (without CRLF) in large writes,
   * as fast as the connection takes them; resolves once all are written.
   */
  blast(count: number, lineFor: (index: number) => string): Promise<void>;
  /** Drops the connection. */
  close(): void;
}

/** A PRIVMSG or NOTICE a client sent. */
export interface ReceivedMessage {
  client: BenchIrcClient;
  command: "PRIVMSG" | "NOTICE";
  target: string;
  text: string;
  /** `performance.now()` when its line was read. */
  at: number;
}

/** A running bench IRC server. */
export interface BenchIrcServer {
  readonly port: number;
  /** Calls `listener` with each PRIVMSG or NOTICE any client sends, as soon as it is read. */
  listen(listener: (message: ReceivedMessage) => void): () => void;
  /** The registered client with this nick (any case), once it has registered. */
  waitForClient(nick: string, timeoutMs?: number): Promise<BenchIrcClient>;
  /** Registered clients now. */
  clientCount(): number;
  /** Stops listening and drops every client. */
  close(): Promise<void>;
}

/** A parsed IRC line. */
export interface IrcLine {
  prefix: string | undefined;
  command: string;
  params: string[];
}

const SERVER_NAME = "bench.irc";
const encoder = new TextEncoder();

/** Parses one IRC line (without CRLF): `[:prefix] COMMAND params [:trailing]`. */
export function parseIrcLine(line: string): IrcLine | undefined {
  let i = 0;
  // IRCv3 message tags are accepted and skipped.
  if (line.startsWith("@")) {
    i = line.indexOf(" ") + 1;
    if (i === 0) return undefined;
  }
  let prefix: string | undefined;
  if (line[i] === ":") {
    const end = line.indexOf(" ", i);
    if (end === -1) return undefined;
    prefix = line.slice(i + 1, end);
    i = end + 1;
  }
  while (line[i] === " ") i++;
  const params: string[] = [];
  let command: string | undefined;
  while (i < line.length) {
    if (line[i] === ":" && command !== undefined) {
      params.push(line.slice(i + 1));
      break;
    }
    let end = line.indexOf(" ", i);
    if (end === -1) end = line.length;
    const word = line.slice(i, end);
    if (command === undefined) command = word.toUpperCase();
    else params.push(word);
    i = end;
    while (line[i] === " ") i++;
  }
  return command === undefined ? undefined : { prefix, command, params };
}

/** Starts the server on a free loopback port. */
export function startBenchIrcServer(): BenchIrcServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const clients = new Map<string, Connection>(); // lower-case nick -> registered client
  const channels = new Map<string, Set<Connection>>(); // lower-case name -> members
  const connections = new Set<Connection>();
  const waiters = new Set<() => void>();
  const listeners = new Set<(message: ReceivedMessage) => void>();
  const server: BenchIrcServer = {
    port,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForClient(nick, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const client = clients.get(nick.toLowerCase());
          if (!client) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(client);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`IRC client ${nick} did not register within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    clientCount: () => clients.size,
    async close() {
      listener.close();
      for (const connection of connections) connection.close();
      await accepting;
    },
  };

  class Connection implements BenchIrcClient {
    nick = "*";
    user = "";
    registered = false;
    messagesReceived = 0;
    readonly #conn: Deno.TcpConn;
    readonly #joined = new Set<string>();
    #pending: Uint8Array[] = [];
    #flushScheduled = false;
    #writing: Promise<void> = Promise.resolve();
    #closed = false;

    constructor(conn: Deno.TcpConn) {
      this.#conn = conn;
      conn.setNoDelay(true);
    }

    get mask(): string {
      return `${this.nick}!${this.user || "user"}@127.0.0.1`;
    }

    send(line: string): void {
      if (this.#closed) return;
      this.#pending.push(encoder.encode(line + "\r\n"));
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(() => this.#flush());
      }
    }

    async blast(count: number, lineFor: (index: number) => string): Promise<void> {
      const perWrite = 2000;
      for (let start = 0; start < count && !this.#closed; start += perWrite) {
        let text = "";
        const end = Math.min(count, start + perWrite);
        for (let i = start; i < end; i++) text += lineFor(i) + "\r\n";
        await this.#write(encoder.encode(text));
      }
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      closeQuietly(this.#conn);
    }

    #flush(): void {
      this.#flushScheduled = false;
      const chunks = this.#pending;
      this.#pending = [];
      if (chunks.length === 0) return;
      this.#write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).catch(() => this.close());
    }

    // Writes in order, all of each buffer (a socket write may take part of it).
    #write(bytes: Uint8Array): Promise<void> {
      this.#writing = this.#writing.then(async () => {
        let offset = 0;
        while (offset < bytes.length && !this.#closed) {
          offset += await this.#conn.write(bytes.subarray(offset));
        }
      });
      return this.#writing;
    }

    async serve(): Promise<void> {
      await readTimedLines(this.#conn, (line, at) => this.#handle(line, at), () => this.#closed);
      this.#quit("Connection closed");
    }

    #handle(line: string, at: number): void {
      const message = parseIrcLine(line);
      if (!message) return;
      const p = message.params;
      switch (message.command) {
        case "CAP":
          if (p[0] === "LS") this.send(`:${SERVER_NAME} CAP * LS :`);
          else if (p[0] === "REQ") this.send(`:${SERVER_NAME} CAP * NAK :${p[1] ?? ""}`);
          return;
        case "PASS":
          return;
        case "NICK":
          return this.#nick(p[0]);
        case "USER":
          if (this.registered) return this.#numeric("462", ":You may not reregister");
          this.user = p[0] ?? "user";
          return this.#tryRegister();
        case "PING":
          return this.send(`:${SERVER_NAME} PONG ${SERVER_NAME} :${p[0] ?? ""}`);
        case "PONG":
          return;
        case "QUIT":
          this.send(`ERROR :Closing Link: 127.0.0.1 (Quit: ${p[0] ?? ""})`);
          this.#quit(`Quit: ${p[0] ?? ""}`);
          queueMicrotask(() => this.#writing.finally(() => this.close()));
          return;
      }
      if (!this.registered) return this.#numeric("451", ":You have not registered");
      switch (message.command) {
        case "JOIN":
          for (const name of (p[0] ?? "").split(",")) if (name.startsWith("#")) this.#join(name);
          return;
        case "PART":
          for (const name of (p[0] ?? "").split(",")) this.#part(name, p[1]);
          return;
        case "PRIVMSG":
        case "NOTICE": {
          const target = p[0] ?? "";
          const text = p[1] ?? "";
          this.messagesReceived++;
          if (listeners.size > 0) {
            const received: ReceivedMessage = { client: this, command: message.command, target, text, at };
            for (const listener of listeners) listener(received);
          }
          const relay = `:${this.mask} ${message.command} ${target} :${text}`;
          if (target.startsWith("#")) {
            for (const member of channels.get(target.toLowerCase()) ?? []) {
              if (member !== this) member.send(relay);
            }
          } else {
            clients.get(target.toLowerCase())?.send(relay);
          }
          return;
        }
        case "MODE":
        case "WHO":
        case "USERHOST":
          return;
        default:
          return this.#numeric("421", `${message.command} :Unknown command`);
      }
    }

    #numeric(code: string, rest: string): void {
      this.send(`:${SERVER_NAME} ${code} ${this.nick} ${rest}`);
    }

    #nick(nick: string | undefined): void {
      if (!nick) return this.#numeric("431", ":No nickname given");
      const key = nick.toLowerCase();
      const holder = clients.get(key);
      if (holder && holder !== this) return this.#numeric("433", `${nick} :Nickname is already in use`);
      if (!this.registered) {
        this.nick = nick;
        return this.#tryRegister();
      }
      const line = `:${this.mask} NICK :${nick}`;
      clients.delete(this.nick.toLowerCase());
      clients.set(key, this);
      this.nick = nick;
      this.send(line);
      for (const peer of this.#peers()) peer.send(line);
    }

    #tryRegister(): void {
      if (this.registered || this.nick === "*" || this.user === "") return;
      this.registered = true;
      clients.set(this.nick.toLowerCase(), this);
      this.#numeric("001", `:Welcome to the bench IRC network ${this.mask}`);
      this.#numeric("002", `:Your host is ${SERVER_NAME}`);
      this.#numeric("003", ":This server was created today");
      this.#numeric("004", `${SERVER_NAME} bench-1 io ovntklm`);
      this.#numeric("005", "CHANTYPES=# PREFIX=(ov)@+ NETWORK=Bench CASEMAPPING=ascii :are supported");
      this.#numeric("422", ":MOTD File is missing");
      for (const waiter of [...waiters]) waiter();
    }

    #join(name: string): void {
      const key = name.toLowerCase();
      if (this.#joined.has(key)) return;
      const members = channels.get(key) ?? new Set();
      channels.set(key, members);
      members.add(this);
      this.#joined.add(key);
      const line = `:${this.mask} JOIN ${name}`;
      for (const member of members) member.send(line);
      const names = [...members].map((m) => m.nick).join(" ");
      this.#numeric("353", `= ${name} :${names}`);
      this.#numeric("366", `${name} :End of /NAMES list.`);
    }

    #part(name: string, reason: string | undefined): void {
      const key = name.toLowerCase();
      const members = channels.get(key);
      if (!members?.has(this)) return this.#numeric("442", `${name} :You're not on that channel`);
      const line = `:${this.mask} PART ${name}${reason !== undefined ? ` :${reason}` : ""}`;
      for (const member of members) member.send(line);
      members.delete(this);
      this.#joined.delete(key);
      if (members.size === 0) channels.delete(key);
    }

    // Everyone sharing a channel with this client.
    #peers(): Set<Connection> {
      const peers = new Set<Connection>();
      for (const key of this.#joined) for (const m of channels.get(key) ?? []) if (m !== this) peers.add(m);
      return peers;
    }

    #quit(reason: string): void {
      if (!connections.has(this)) return;
      connections.delete(this);
      if (this.registered && clients.get(this.nick.toLowerCase()) === this) {
        clients.delete(this.nick.toLowerCase());
      }
      const line = `:${this.mask} QUIT :${reason}`;
      for (const peer of this.#peers()) peer.send(line);
      for (const key of this.#joined) {
        const members = channels.get(key);
        members?.delete(this);
        if (members?.size === 0) channels.delete(key);
      }
      this.#joined.clear();
    }
  }

  const accepting = (async () => {
    for await (const conn of listener) {
      const connection = new Connection(conn);
      connections.add(connection);
      connection.serve().finally(() => connection.close());
    }
  })().catch(() => {/* listener closed */});

  return server;
}

/**
 * A small IRC server for tests: it registers clients, answers PING, echoes
 * JOIN/PART/NICK, records every line it receives, and can send anything to
 * its clients. Real enough for irc-framework, small enough to reason about.
 *
 * @module
 */

/** Options of {@link startFakeIrcServer}. */
export interface FakeIrcOptions {
  /** Nicks that answer 433 (in use) at registration. */
  takenNicks?: string[];
  /** Server password: a client sending another gets 464 and ERROR. */
  password?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Offer IRCv3 echo-message (and server-time) in CAP LS. */
  echoMessage?: boolean;
  /** More IRCv3 capabilities offered in CAP LS (each acknowledged when requested). */
  caps?: string[];
  /**
   * What `CHATHISTORY AFTER` and `BEFORE` answer from (offer `draft/chathistory` and
   * `batch` in `caps`), oldest first; the test may add to it as it goes.
   * The answer is the IRCv3 draft's (https://ircv3.net/specs/extensions/chathistory):
   * `BATCH +<id> chathistory <target>`, the lines after the reference
   * (`timestamp=` exclusive, or `msgid=`), up to the limit, each with its
   * `batch`, `time` and `msgid` tags, then `BATCH -<id>`; for `BEFORE`, the
   * last lines before the reference, up to the limit, still oldest first (an
   * unknown msgid: none); and `CHATHISTORY
   * TARGETS` from it: a `draft/chathistory-targets` batch of the targets with
   * lines between the two times. A private conversation's target is the
   * other nick.
   */
  history?: HistoryLine[];
}

/** A line of a channel's history, for {@link FakeIrcOptions.history}. */
export interface HistoryLine {
  target: string;
  /** ISO 8601, as the `time` tag has it. */
  time: string;
  /** Without one, the line carries no `msgid` tag (a server or bouncer that gives none). */
  msgid?: string;
  /** The line without tags: `:bob!b@h PRIVMSG #c :hi`. */
  line: string;
}

/** One connected client, as the server sees it. */
export interface FakeClient {
  nick: string;
  /** Sends a raw line (CRLF added). */
  send(line: string): void;
  /** Sends bytes as they are (no CRLF added), after what was sent before; resolves once written. */
  sendBytes(bytes: Uint8Array): Promise<void>;
  /** Drops the connection. */
  close(): void;
}

/** A running fake IRC server. */
export interface FakeIrcServer {
  port: number;
  /** Every line received from any client, in order, without CRLF. */
  lines: string[];
  /** Clients connected now. */
  clients: FakeClient[];
  /** Resolves with the first received line matching, waiting up to `timeoutMs`. */
  waitForLine(match: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves once `count` lines match. */
  waitForLines(match: RegExp, count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves once a client has registered. */
  waitForClient(timeoutMs?: number): Promise<FakeClient>;
  /** Sends a line to every client. */
  broadcast(line: string): void;
  /** Stops listening and drops every client (again: nothing). */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Starts a fake IRC server on a free loopback port. */
export function startFakeIrcServer(options: FakeIrcOptions = {}): FakeIrcServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: options.port ?? 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const lines: string[] = [];
  const clients: FakeClient[] = [];
  const conns = new Set<Deno.Conn>();
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const taken = new Set((options.takenNicks ?? []).map((n) => n.toLowerCase()));
  // Numbers the CHATHISTORY answers' batches.
  let batches = 0;

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const now = check();
      if (now !== undefined) return resolve(now);
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${lines.join("\n")}`));
      }, timeoutMs);
      waiters.add(waiter);
    });

  async function handle(conn: Deno.Conn) {
    conns.add(conn);
    let nick = "*";
    let user = "user";
    let registered = false;
    let pass: string | undefined;
    // As real servers: registration waits for CAP END once CAP LS was sent,
    // and only acknowledged capabilities are used.
    let negotiating = false;
    const caps = new Set<string>();
    let closed = false;
    let writing = Promise.resolve();
    const client: FakeClient = {
      get nick() {
        return nick;
      },
      send(line: string) {
        if (closed) return;
        // In order and in full: `write` may take only part of a big chunk.
        const bytes = encoder.encode(line + "\r\n");
        writing = writing.then(async () => {
          for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
        }).catch(() => {});
      },
      sendBytes(bytes: Uint8Array) {
        if (closed) return Promise.resolve();
        writing = writing.then(async () => {
          for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
        }).catch(() => {});
        return writing;
      },
      close() {
        closed = true;
        // After what was sent before (an ERROR line, say) has gone out.
        writing.finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        });
      },
    };
    const mask = () => `${nick}!${user}@127.0.0.1`;
    const tryRegister = () => {
      if (registered || negotiating || nick === "*" || user === "user") return;
      if (options.password !== undefined && pass !== options.password) {
        client.send(`:fake.irc 464 ${nick} :Password incorrect`);
        client.send(`ERROR :Closing Link: 127.0.0.1 (Bad Password)`);
        client.close();
        return;
      }
      registered = true;
      clients.push(client);
      client.send(`:fake.irc 001 ${nick} :Welcome to the fake IRC network ${mask()}`);
      client.send(`:fake.irc 002 ${nick} :Your host is fake.irc`);
      client.send(`:fake.irc 003 ${nick} :This server was created today`);
      client.send(`:fake.irc 004 ${nick} fake.irc fake-1 io ovntklm`);
      client.send(
        `:fake.irc 005 ${nick} CHANTYPES=# PREFIX=(ov)@+ NETWORK=Fake :are supported by this server`,
      );
      client.send(`:fake.irc 422 ${nick} :MOTD File is missing`);
      notify();
    };
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of conn.readable) {
        buffer += decoder.decode(chunk, { stream: true });
        let index;
        while ((index = buffer.indexOf("\n")) !== -1) {
          const line = buffer.slice(0, index).replace(/\r$/, "");
          buffer = buffer.slice(index + 1);
          lines.push(line);
          const [command, ...params] = line.split(" ");
          const trailing = line.includes(" :") ? line.slice(line.indexOf(" :") + 2) : params.at(-1) ?? "";
          switch (command.toUpperCase()) {
            case "CAP":
              if (params[0] === "LS") {
                negotiating = !registered;
                const offered = [
                  ...(options.echoMessage ? ["echo-message", "server-time"] : []),
                  ...(options.caps ?? []),
                ];
                client.send(`:fake.irc CAP * LS :${offered.join(" ")}`);
              } else if (params[0] === "REQ") {
                for (const cap of trailing.split(" ")) if (cap) caps.add(cap);
                client.send(`:fake.irc CAP * ACK :${trailing}`);
              } else if (params[0] === "END") {
                negotiating = false;
                tryRegister();
              }
              break;
            case "PASS":
              pass = params[0];
              break;
            case "NICK":
              if (taken.has(params[0].toLowerCase())) {
                client.send(`:fake.irc 433 ${nick} ${params[0]} :Nickname is already in use`);
              } else if (registered) {
                client.send(`:${mask()} NICK :${params[0]}`);
                nick = params[0];
              } else {
                nick = params[0];
                tryRegister();
              }
              break;
            case "USER":
              user = params[0];
              tryRegister();
              break;
            case "PING":
              client.send(`:fake.irc PONG fake.irc :${trailing}`);
              break;
            case "JOIN":
              for (const channel of params[0].split(",")) client.send(`:${mask()} JOIN ${channel}`);
              break;
            case "PART":
              client.send(`:${mask()} PART ${params[0]}${line.includes(" :") ? ` :${trailing}` : ""}`);
              break;
            case "PRIVMSG":
            case "NOTICE":
              if (caps.has("echo-message")) client.send(`:${mask()} ${line}`);
              break;
            case "CHATHISTORY":
              if (params[0]?.toUpperCase() === "AFTER" && options.history) {
                const [, target = "", ref = "", limit = "50"] = params;
                const all = options.history.filter((h) => h.target.toLowerCase() === target.toLowerCase());
                let from = 0;
                if (ref.startsWith("timestamp=")) {
                  const after = Date.parse(ref.slice(10));
                  from = all.findIndex((h) => Date.parse(h.time) > after);
                  if (from === -1) from = all.length;
                } else if (ref.startsWith("msgid=")) {
                  from = all.findIndex((h) => h.msgid === ref.slice(6)) + 1 || all.length;
                }
                const id = `h${++batches}`;
                client.send(`:fake.irc BATCH +${id} chathistory ${target}`);
                for (const h of all.slice(from, from + Number(limit))) {
                  client.send(`@batch=${id};time=${h.time}${h.msgid ? `;msgid=${h.msgid}` : ""} ${h.line}`);
                }
                client.send(`:fake.irc BATCH -${id}`);
              } else if (params[0]?.toUpperCase() === "BEFORE" && options.history) {
                const [, target = "", ref = "", limit = "50"] = params;
                const all = options.history.filter((h) => h.target.toLowerCase() === target.toLowerCase());
                let to = 0;
                if (ref.startsWith("timestamp=")) {
                  const before = Date.parse(ref.slice(10));
                  to = all.filter((h) => Date.parse(h.time) < before).length;
                } else if (ref.startsWith("msgid=")) {
                  to = Math.max(0, all.findIndex((h) => h.msgid === ref.slice(6)));
                }
                const id = `h${++batches}`;
                client.send(`:fake.irc BATCH +${id} chathistory ${target}`);
                for (const h of all.slice(Math.max(0, to - Number(limit)), to)) {
                  client.send(`@batch=${id};time=${h.time}${h.msgid ? `;msgid=${h.msgid}` : ""} ${h.line}`);
                }
                client.send(`:fake.irc BATCH -${id}`);
              } else if (params[0]?.toUpperCase() === "TARGETS" && options.history) {
                // The conversations with lines between the two times (either order,
                // both exclusive), each with its latest line's time, oldest first.
                const [, a = "", b = "", limit = "50"] = params;
                const [from, to] = [Date.parse(a.slice(10)), Date.parse(b.slice(10))].sort((x, y) => x - y);
                const latest = new Map<string, HistoryLine>();
                for (const h of options.history) {
                  const at = Date.parse(h.time);
                  if (at > from && at < to) latest.set(h.target.toLowerCase(), h);
                }
                const id = `h${++batches}`;
                client.send(`:fake.irc BATCH +${id} draft/chathistory-targets`);
                const found = [...latest.values()].sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
                for (const h of found.slice(0, Number(limit))) {
                  client.send(`@batch=${id} :fake.irc CHATHISTORY TARGETS ${h.target} ${h.time}`);
                }
                client.send(`:fake.irc BATCH -${id}`);
              }
              break;
            case "QUIT":
              client.send(`ERROR :Closing Link: 127.0.0.1 (Quit: ${trailing})`);
              client.close();
              break;
          }
          notify();
        }
      }
    } catch { /* connection reset */ }
    closed = true;
    conns.delete(conn);
    const i = clients.indexOf(client);
    if (i !== -1) clients.splice(i, 1);
    notify();
  }

  const accepting = (async () => {
    for await (const conn of listener) handle(conn);
  })().catch(() => {});

  return {
    port,
    lines,
    clients,
    waitForLine: (match, timeoutMs = 5000) =>
      waitUntil(
        () => lines.find((l) => typeof match === "string" ? l === match : match.test(l)),
        timeoutMs,
        String(match),
      ),
    waitForLines: (match, count, timeoutMs = 5000) =>
      waitUntil(
        () => {
          const found = lines.filter((l) => match.test(l));
          return found.length >= count ? found : undefined;
        },
        timeoutMs,
        `${count} x ${match}`,
      ),
    waitForClient: (timeoutMs = 5000) => waitUntil(() => clients[0], timeoutMs, "a registered client"),
    broadcast: (line) => clients.forEach((c) => c.send(line)),
    async close() {
      try {
        listener.close();
      } catch { /* closed already: close is idempotent */ }
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
    },
  };
}

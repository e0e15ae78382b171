/**
 * A bare IRC client for tests: a TCP connection that registers, answers
 * PING, and records every line it receives with the time it arrived. It plays
 * the other user on a real IRC server, the one who sees what the worker
 * sends.
 *
 * @module
 */
import { ircLines } from "./ircLines.ts";

/** A received line and when it arrived (`performance.now()`). */
export interface ReceivedLine {
  line: string;
  at: number;
}

/** A registered raw client. */
export interface RawIrcClient {
  readonly nick: string;
  /** Every line received, in order. */
  readonly received: ReceivedLine[];
  /** Sends one line (CRLF added). */
  send(line: string): Promise<void>;
  /** Resolves with the first received line matching `match`. */
  waitForLine(match: RegExp, timeoutMs?: number): Promise<ReceivedLine>;
  /** Resolves once `count` received lines match `match`. */
  waitForLines(match: RegExp, count: number, timeoutMs?: number): Promise<ReceivedLine[]>;
  /** Joins `channel` and resolves once the server confirms it. */
  join(channel: string): Promise<void>;
  /**
   * Asks for the names in `channel` until `nick` is among them: robust
   * whether `nick` joined before or after this client.
   */
  waitForMember(channel: string, nick: string, timeoutMs?: number): Promise<void>;
  /** Quits and closes the connection. */
  close(): Promise<void>;
}

/** Connects to `127.0.0.1:port` and registers as `nick`. */
export async function connectRawIrcClient(
  port: number,
  nick: string,
  options: { password?: string } = {},
): Promise<RawIrcClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const received: ReceivedLine[] = [];
  const waiters = new Set<() => void>();
  const encoder = new TextEncoder();
  let closed = false;

  const send = async (line: string) => {
    if (closed) return;
    await conn.write(encoder.encode(line + "\r\n"));
  };
  const reading = (async () => {
    try {
      for await (const line of ircLines(conn.readable)) {
        received.push({ line, at: performance.now() });
        if (line.startsWith("PING ")) send(`PONG ${line.slice(5)}`).catch(() => {});
        waiters.forEach((wake) => wake());
      }
    } catch { /* closed */ }
    closed = true;
    waiters.forEach((wake) => wake());
  })();

  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const wake = () => {
        const value = check();
        if (value !== undefined) {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(value);
        } else if (closed) {
          waiters.delete(wake);
          clearTimeout(timer);
          reject(new Error(`${nick}: connection closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(
          new Error(
            `${nick}: timed out after ${timeoutMs} ms waiting for ${what}; got:\n${
              received.map((r) => r.line).join("\n")
            }`,
          ),
        );
      }, timeoutMs);
      waiters.add(wake);
      wake();
    });

  const waitForLine = (match: RegExp, timeoutMs = 10_000) =>
    waitUntil(() => received.find((r) => match.test(r.line)), timeoutMs, String(match));
  const waitForLines = (match: RegExp, count: number, timeoutMs = 10_000) =>
    waitUntil(
      () => {
        const found = received.filter((r) => match.test(r.line));
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      `${count} x ${match}`,
    );

  if (options.password !== undefined) await send(`PASS ${options.password}`);
  await send(`NICK ${nick}`);
  await send(`USER ${nick} 0 * :${nick}`);
  await waitForLine(new RegExp(`^:\\S+ 001 ${nick} `));

  return {
    nick,
    received,
    send,
    waitForLine,
    waitForLines,
    async join(channel) {
      await send(`JOIN ${channel}`);
      await waitForLine(new RegExp(`^:${nick}!\\S+ JOIN :?${escape(channel)}$`, "i"));
    },
    async waitForMember(channel, member, timeoutMs = 20_000) {
      const deadline = performance.now() + timeoutMs;
      const names = new RegExp(`^:\\S+ 353 ${nick} \\S+ ${escape(channel)} :(.*)$`, "i");
      while (true) {
        const from = received.length;
        await send(`NAMES ${channel}`);
        const end = new RegExp(`^:\\S+ 366 ${nick} ${escape(channel)} `, "i");
        await waitUntil(() => received.slice(from).find((r) => end.test(r.line)), 5000, `NAMES ${channel}`);
        const listed = received.slice(from).flatMap((r) => names.exec(r.line)?.[1].split(" ") ?? [])
          .map((name) => name.replace(/^[~&@%+]+/, "").toLowerCase());
        if (listed.includes(member.toLowerCase())) return;
        if (performance.now() > deadline) {
          throw new Error(`${member} did not show up in ${channel} within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      await send("QUIT :bye").catch(() => {});
      try {
        conn.close();
      } catch { /* closed */ }
      closed = true;
      await reading;
    },
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A lean `GET /api/events` client for the bench: HTTP/1.1 over a raw TCP
 * connection (chunked transfer decoded by hand), handing each event's name
 * and raw `data` text to a callback with the time its bytes were read.
 *
 * A thousand of these run in the bench process while the app serves them
 * on the same two cores, so the client must cost as little as it can:
 * `fetch` and web streams cost about twice the CPU for the same events,
 * which the fan-out scenario then measured as the app's delay.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** An open event stream. */
export interface BenchEventStream {
  /** Resolves at the stream's `ready` event (the replay is over: live events follow). */
  readonly ready: Promise<void>;
  /** Events received so far. */
  readonly count: number;
  /** Ends the stream. */
  close(): Promise<void>;
}

/** Called with each event: its name, its `data` text, and `performance.now()` when it was read. */
export type EventCallback = (event: string, data: string, at: number) => void;

const encoder = new TextEncoder();
const CR = 13;
const LF = 10;

/** Opens `GET <baseUrl>/api/events` with `token` and feeds `onEvent`. */
export async function openEventStream(
  baseUrl: string,
  token: string,
  onEvent: EventCallback,
): Promise<BenchEventStream> {
  const url = new URL(baseUrl);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  conn.setNoDelay(true);
  await conn.write(encoder.encode(
    `GET /api/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\n` +
      `Accept: text/event-stream\r\n\r\n`,
  ));
  let count = 0;
  let readyResolve!: () => void;
  let readyReject!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  ready.catch(() => {});
  let closed = false;

  const parser = new SseParser((event, data, at) => {
    count++;
    if (event === "ready") readyResolve();
    onEvent(event, data, at);
  });
  const reading = (async () => {
    const buffer = new Uint8Array(16 * 1024);
    let head: Uint8Array | undefined = new Uint8Array(0);
    let body: ChunkedBody | undefined;
    while (!closed) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const at = performance.now();
      let bytes: Uint8Array = buffer.subarray(0, n);
      if (head) {
        // The response head: the status line and headers, up to a blank line.
        const joined = Buffer.concat([head, bytes]);
        const end = joined.indexOf("\r\n\r\n");
        if (end === -1) {
          head = joined;
          continue;
        }
        const text = new TextDecoder().decode(joined.subarray(0, end));
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        if (status !== 200) throw new Error(`GET /api/events answered ${status}`);
        if (!/^transfer-encoding:\s*chunked/im.test(text)) throw new Error("expected a chunked response");
        head = undefined;
        body = new ChunkedBody();
        bytes = joined.subarray(end + 4);
      }
      body!.push(bytes, (data) => parser.push(data, at));
    }
  })().catch((error) => {
    if (!closed) readyReject(error instanceof Error ? error : new Error(String(error)));
  }).finally(() => readyReject(new Error("the event stream ended")));

  return {
    ready,
    get count() {
      return count;
    },
    async close() {
      closed = true;
      try {
        conn.close();
      } catch { /* already closed */ }
      await reading;
    },
  };
}

/** Decodes `Transfer-Encoding: chunked`, handing each piece of body to `onData`. */
class ChunkedBody {
  // Bytes of the current chunk still to come; -1 while reading a size line.
  #remaining = -1;
  // The size read so far from a size line (which may span reads), and
  // whether its extension (after `;`) has begun.
  #size = 0;
  #sizeDigits = 0;
  #extension = false;
  #skipCrlf = 0;
  #ended = false;

  push(bytes: Uint8Array, onData: (data: Uint8Array) => void): void {
    let i = 0;
    while (i < bytes.length && !this.#ended) {
      if (this.#skipCrlf > 0) {
        i++;
        this.#skipCrlf--;
        continue;
      }
      if (this.#remaining === -1) {
        // A size line: hex digits, maybe an extension, CRLF.
        for (; i < bytes.length; i++) {
          const b = bytes[i];
          if (b === LF) break;
          if (this.#extension || b === CR) continue;
          const digit = hexDigit(b);
          if (digit === -1) {
            if (b !== SEMICOLON && b !== SPACE) throw new Error(`bad chunk size byte ${b}`);
            this.#extension = true;
          } else {
            this.#size = this.#size * 16 + digit;
            this.#sizeDigits++;
          }
        }
        if (i === bytes.length) return; // the line goes on in the next read
        i++;
        if (this.#sizeDigits === 0) throw new Error("empty chunk size line");
        const size = this.#size;
        this.#size = 0;
        this.#sizeDigits = 0;
        this.#extension = false;
        if (size === 0) {
          this.#ended = true; // the end of the body
          return;
        }
        this.#remaining = size;
        continue;
      }
      const take = Math.min(this.#remaining, bytes.length - i);
      onData(bytes.subarray(i, i + take));
      i += take;
      this.#remaining -= take;
      if (this.#remaining === 0) {
        this.#remaining = -1;
        this.#skipCrlf = 2;
      }
    }
  }
}

const SEMICOLON = 59;
const SPACE = 32;

function hexDigit(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

const DATA = encoder.encode("data: ");
const EVENT = encoder.encode("event: ");

/**
 * Splits `text/event-stream` bytes into events (comments, `id:` and
 * `retry:` are skipped), decoding only the event names and data.
 */
class SseParser {
  readonly #decoder = new TextDecoder();
  readonly #onEvent: EventCallback;
  // The bytes of an unfinished line (an event may span reads).
  #partial: Uint8Array | undefined;
  #event = "message";
  #data: string | undefined;

  constructor(onEvent: EventCallback) {
    this.#onEvent = onEvent;
  }

  push(bytes: Uint8Array, at: number): void {
    if (this.#partial) {
      bytes = Buffer.concat([this.#partial, bytes]);
      this.#partial = undefined;
    }
    let start = 0;
    while (start < bytes.length) {
      const end = bytes.indexOf(LF, start);
      if (end === -1) {
        this.#partial = bytes.slice(start);
        return;
      }
      this.#line(bytes, start, end, at);
      start = end + 1;
    }
  }

  #line(bytes: Uint8Array, start: number, end: number, at: number): void {
    if (start === end) {
      // A blank line ends the event.
      if (this.#data !== undefined) this.#onEvent(this.#event, this.#data, at);
      this.#event = "message";
      this.#data = undefined;
      return;
    }
    if (startsWith(bytes, start, DATA)) {
      const text = this.#decoder.decode(bytes.subarray(start + DATA.length, end));
      this.#data = this.#data === undefined ? text : `${this.#data}\n${text}`;
    } else if (startsWith(bytes, start, EVENT)) {
      this.#event = this.#decoder.decode(bytes.subarray(start + EVENT.length, end));
    }
  }
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

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
    const buffer = new Uint8Array(64 * 1024);
    let head: Uint8Array | undefined = new Uint8Array(0);
    let body: ChunkedBody | undefined;
    while (!closed) {
      const n = await conn.read(buffer);
      if (n === null) break;
      const at = performance.now();
      let bytes: Uint8Array = buffer.subarray(0, n);
      if (head) {
        // The response head: the status line and headers, up to a blank line.
        const joined: Uint8Array = new Uint8Array(head.length + bytes.length);
        joined.set(head);
        joined.set(bytes, head.length);
        const end = indexOfBlankLine(joined);
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

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === CR && bytes[i + 1] === LF && bytes[i + 2] === CR && bytes[i + 3] === LF) return i;
  }
  return -1;
}

/** Decodes `Transfer-Encoding: chunked`, handing each piece of body to `onData`. */
class ChunkedBody {
  // Bytes of the current chunk still to come; -1 while reading a size line.
  #remaining = -1;
  // Part of a size line (or of the CRLF after a chunk) split across reads.
  #line = "";
  #skipCrlf = 0;

  push(bytes: Uint8Array, onData: (data: Uint8Array) => void): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.#skipCrlf > 0) {
        i++;
        this.#skipCrlf--;
        continue;
      }
      if (this.#remaining === -1) {
        const lf = bytes.indexOf(LF, i);
        if (lf === -1) {
          this.#line += String.fromCharCode(...bytes.subarray(i));
          return;
        }
        const line = this.#line + String.fromCharCode(...bytes.subarray(i, lf));
        this.#line = "";
        i = lf + 1;
        const size = parseInt(line.trim(), 16);
        if (!Number.isFinite(size)) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
        if (size === 0) return; // the end of the body
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

/** Splits `text/event-stream` text into events (comments and `retry:` are skipped). */
class SseParser {
  readonly #decoder = new TextDecoder();
  readonly #onEvent: EventCallback;
  #buffer = "";

  constructor(onEvent: EventCallback) {
    this.#onEvent = onEvent;
  }

  push(bytes: Uint8Array, at: number): void {
    this.#buffer += this.#decoder.decode(bytes, { stream: true });
    let start = 0;
    let end: number;
    while ((end = this.#buffer.indexOf("\n\n", start)) !== -1) {
      const block = this.#buffer.slice(start, end);
      start = end + 2;
      let event = "message";
      let data: string | undefined;
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) {
          data = data === undefined ? line.slice(6) : `${data}\n${line.slice(6)}`;
        }
      }
      if (data !== undefined) this.#onEvent(event, data, at);
    }
    this.#buffer = this.#buffer.slice(start);
  }
}

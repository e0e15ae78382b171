/**
 * A lean HTTP/1.1 client for the bench's timed requests: one kept-alive
 * TCP connection, one request at a time, answers with a `Content-Length`.
 *
 * `fetch` costs the bench about 0.4 ms a request of its own (measured
 * against a bare Deno.serve at 20/s: 0.69 ms a round trip with `fetch`,
 * 0.30 ms with this client), which the command-latency scenario would
 * count as the app's.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { writeAll } from "../../lib/writeAll.ts";

/** An answer: its status and body text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A kept-alive connection to one origin. */
export class HttpClient {
  readonly #host: string;
  readonly #conn: Deno.TcpConn;
  readonly #buffer = new Uint8Array(64 * 1024);
  #busy = false;

  private constructor(host: string, conn: Deno.TcpConn) {
    this.#host = host;
    this.#conn = conn;
  }

  /** Connects to `baseUrl`'s host and port. */
  static async connect(baseUrl: string): Promise<HttpClient> {
    const url = new URL(baseUrl);
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    conn.setNoDelay(true);
    return new HttpClient(url.host, conn);
  }

  /** Sends one request and reads its answer. */
  async request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body = "",
  ): Promise<HttpAnswer> {
    if (this.#busy) throw new Error("one request at a time");
    this.#busy = true;
    try {
      const payload = encoder.encode(body);
      let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nContent-Length: ${payload.length}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      const request = Buffer.concat([encoder.encode(head + "\r\n"), payload]);
      await writeAll(this.#conn, request);
      return await this.#readAnswer();
    } finally {
      this.#busy = false;
    }
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  async #readAnswer(): Promise<HttpAnswer> {
    let got = 0;
    let headEnd = -1;
    let length = -1;
    let status = 0;
    while (headEnd === -1 || got < headEnd + 4 + length) {
      if (got === this.#buffer.length) throw new Error("answer larger than the client's buffer");
      const n = await this.#conn.read(this.#buffer.subarray(got));
      if (n === null) throw new Error("the server closed the connection");
      got += n;
      if (headEnd === -1) {
        headEnd = Buffer.from(this.#buffer.buffer, 0, got).indexOf("\r\n\r\n");
        if (headEnd === -1) continue;
        const head = decoder.decode(this.#buffer.subarray(0, headEnd));
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        const declared = /^content-length:\s*(\d+)/im.exec(head)?.[1];
        if (declared === undefined) throw new Error("expected an answer with a Content-Length");
        length = Number(declared);
      }
    }
    return { status, body: decoder.decode(this.#buffer.subarray(headEnd + 4, headEnd + 4 + length)) };
  }
}

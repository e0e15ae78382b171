/**
 * Newline-delimited framing over a byte stream, with a bound on line length,
 * shared by both ends of the worker's socket.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** What {@link LineReader.next} yields. */
export type LineResult =
  | { kind: "line"; line: string }
  /** A line longer than the bound: its bytes were dropped up to its newline. */
  | { kind: "too_long" };

const NEWLINE = 0x0a;
// Bytes asked for per read of a connection.
const READ_BYTES = 16 * 1024;

/** What a connection offers to be read directly (`Deno.Conn` does). */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Reads lines from a byte stream. A line over `maxBytes` is reported once as
 * `too_long` and skipped, so one bad request never costs memory beyond the
 * bound nor desynchronises the requests after it.
 */
export class LineReader {
  #read: () => Promise<Uint8Array | null>;
  #stop: () => Promise<void>;
  #decoder = new TextDecoder();
  #chunks: Uint8Array[] = [];
  #size = 0;
  #pending: Uint8Array = new Uint8Array(0);
  #discarding = false;
  readonly #maxBytes: number;

  /**
   * Reads from `source`; lines longer than `maxBytes` (newline excluded) are
   * refused. A connection is read directly (one call a read, where its
   * `readable` adds a web stream's promises to each: the command path's
   * reads are on every command's way).
   */
  constructor(source: ReadableStream<Uint8Array> | ByteSource, maxBytes: number) {
    this.#maxBytes = maxBytes;
    if (source instanceof ReadableStream) {
      const reader = source.getReader();
      this.#read = async () => {
        const { value, done } = await reader.read();
        return done ? null : value;
      };
      this.#stop = () => reader.cancel().catch(() => {});
    } else {
      const buffer = new Uint8Array(READ_BYTES);
      let stopped = false;
      this.#read = async () => {
        if (stopped) return null;
        const n = await source.read(buffer);
        // A copy: the buffer is read into again while lines still refer to it.
        return n === null || stopped ? null : buffer.slice(0, n);
      };
      this.#stop = () => {
        stopped = true;
        return Promise.resolve();
      };
    }
  }

  /** The next line (without its newline, CR kept), or `null` at end of stream. */
  async next(): Promise<LineResult | null> {
    while (true) {
      const result = this.#take();
      if (result) return result;
      const value = await this.#read();
      if (value === null) return null; // an unterminated last line is not a request
      this.#pending = value;
    }
  }

  /** Stops reading; pending reads end with `null`. */
  async cancel(): Promise<void> {
    await this.#stop();
  }

  #take(): LineResult | undefined {
    while (this.#pending.length > 0) {
      const chunk = this.#pending;
      const newline = chunk.indexOf(NEWLINE);
      const end = newline === -1 ? chunk.length : newline;
      this.#pending = newline === -1 ? new Uint8Array(0) : chunk.subarray(newline + 1);
      if (this.#discarding) {
        if (newline !== -1) this.#discarding = false;
        continue;
      }
      if (this.#size + end > this.#maxBytes) {
        this.#chunks = [];
        this.#size = 0;
        this.#discarding = newline === -1;
        return { kind: "too_long" };
      }
      this.#chunks.push(chunk.subarray(0, end));
      this.#size += end;
      if (newline !== -1) {
        const line = this.#decoder.decode(Buffer.concat(this.#chunks, this.#size));
        this.#chunks = [];
        this.#size = 0;
        return { kind: "line", line };
      }
    }
    return undefined;
  }
}

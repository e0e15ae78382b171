/**
 * The worker's IRC transport: irc-framework's TCP/TLS transport with lines
 * cut at the IRC limit, incoming data parsed a slice at a time in order,
 * reading paused on one switch, and a line whose handling throws dropped
 * (docs/architecture.md; the slices' figures in bench/README.md, "Ingest").
 *
 * @module
 */
import NetTransport from "irc-framework/src/transports/net.js";

/** Bytes parsed per turn of the event loop. */
export const SLICE_BYTES = 16 * 1024;
/** Longest line without tags, CR LF included (RFC 1459). */
export const MAX_LINE_BYTES = 512;
/** Longest line with IRCv3 message tags: 8,191 bytes of tags, then the 512. */
export const MAX_TAGGED_LINE_BYTES = 8191 + MAX_LINE_BYTES;

/** What the transport tells its owner about hostile input. */
export interface TransportReports {
  /** A line was over the limit and was cut (`count` so far on this connection). */
  lineCut(count: number, limit: number): void;
  /** Handling `line` threw `error`; the line was dropped. */
  lineFailed(line: string, error: unknown): void;
}

/** The Node socket under the transport, as far as pausing (and Nagle) goes. */
interface PausableSocket {
  pause(): void;
  resume(): void;
  setNoDelay?(noDelay: boolean): void;
}

/** irc-framework's transport class, as far as this one extends it. */
interface BaseTransport {
  socket: PausableSocket | null;
  onSocketRawConnected(): void;
  onSocketData(data: Uint8Array): void;
  onSocketClose(): void;
  onSocketError(error: unknown): void;
  disposeSocket(): void;
  emit(event: string, ...args: unknown[]): boolean;
}

const Base = NetTransport as unknown as new (options: unknown) => BaseTransport;

/**
 * The transport to pass irc-framework as `transport`. `setPaused` is the
 * worker's switch for reading (its backpressure while the database is
 * slower than IRC).
 */
export class SlicingTransport extends Base {
  #slices: Uint8Array[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pausedByOwner = false;
  #pausedForSlices = false;
  #socketPaused = false;
  // The line being read: bytes seen since its start (also those cut), and
  // whether it has tags.
  #lineBytes = 0;
  #lineTagged = false;
  #cutLines = 0;
  /** Where hostile input is reported; without it, nothing is said. */
  reports: TransportReports | undefined;

  /** Stops (`true`) or resumes (`false`) reading, whatever the slices need. */
  setPaused(paused: boolean): void {
    this.#pausedByOwner = paused;
    this.#applyPause();
  }

  /**
   * Lines go out as they are written: Nagle's algorithm (on by default in
   * Node's sockets, and irc-framework never turns it off) held a line
   * written while the server still owed an ACK for the one before, until
   * its delayed ACK (40 ms on Linux), e.g. every line but the first of a
   * few sent back to back. Each write is a whole line someone waits for.
   */
  override onSocketRawConnected(): void {
    this.socket?.setNoDelay?.(true);
    super.onSocketRawConnected();
  }

  override onSocketData(data: Uint8Array): void {
    for (const part of this.#bound(data)) this.#take(part);
  }

  /** Lines are dispatched one at a time; one that throws is dropped, not the process. */
  override emit(event: string, ...args: unknown[]): boolean {
    if (event !== "line") return super.emit(event, ...args);
    try {
      return super.emit(event, ...args);
    } catch (error) {
      this.reports?.lineFailed(String(args[0]), error);
      return true;
    }
  }

  #take(data: Uint8Array): void {
    if (this.#slices.length === 0 && data.length <= SLICE_BYTES) {
      super.onSocketData(data);
      return;
    }
    for (let at = 0; at < data.length; at += SLICE_BYTES) {
      this.#slices.push(data.subarray(at, at + SLICE_BYTES));
    }
    if (this.#timer === undefined) this.#parseSlice();
  }

  // `data` less what goes past the line limit, in as few pieces as can be
  // (one, unless a line is cut). A cut ends at a UTF-8 character's start
  // when that is in `data`; the newline that ends a cut line is kept.
  #bound(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let kept = 0; // start of what is still to be passed on
    let at = 0;
    while (at < data.length) {
      if (this.#lineBytes === 0) this.#lineTagged = data[at] === 0x40; // "@"
      const newline = data.indexOf(0x0a, at);
      const end = newline === -1 ? data.length : newline;
      // The limit counts CR LF; the newline is not counted here.
      const limit = (this.#lineTagged ? MAX_TAGGED_LINE_BYTES : MAX_LINE_BYTES) - 1;
      const length = end - at;
      if (this.#lineBytes + length > limit) {
        let keep = Math.max(0, limit - this.#lineBytes);
        while (keep > 0 && (data[at + keep] & 0xc0) === 0x80) keep--;
        if (at + keep > kept) out.push(data.subarray(kept, at + keep));
        kept = end;
        if (this.#lineBytes <= limit) this.#noteCut(limit + 1);
      }
      this.#lineBytes += length;
      if (newline === -1) break;
      this.#lineBytes = 0;
      at = newline + 1;
    }
    if (kept < data.length) out.push(kept === 0 ? data : data.subarray(kept));
    return out;
  }

  #noteCut(limit: number): void {
    this.#cutLines += 1;
    this.reports?.lineCut(this.#cutLines, limit);
  }

  override onSocketClose(): void {
    this.#parseAll();
    super.onSocketClose();
  }

  override onSocketError(error: unknown): void {
    this.#parseAll();
    super.onSocketError(error);
  }

  override disposeSocket(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#slices = [];
    this.#lineBytes = 0;
    super.disposeSocket();
  }

  #parseSlice(): void {
    this.#timer = undefined;
    const slice = this.#slices.shift();
    if (slice) super.onSocketData(slice);
    if (this.#slices.length > 0) this.#timer = setTimeout(() => this.#parseSlice(), 0);
    this.#pausedForSlices = this.#slices.length > 0;
    this.#applyPause();
  }

  #parseAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const slice of this.#slices.splice(0)) super.onSocketData(slice);
    this.#pausedForSlices = false;
    this.#applyPause();
  }

  #applyPause(): void {
    const paused = this.#pausedByOwner || this.#pausedForSlices;
    if (paused === this.#socketPaused || !this.socket) return;
    this.#socketPaused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }
}

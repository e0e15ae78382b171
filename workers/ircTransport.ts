/**
 * The worker's IRC transport: irc-framework's TCP/TLS transport, with
 * incoming data handed to the parser a slice at a time and reading paused
 * on one switch.
 *
 * Why slices: under a flood every read of the socket brings 64 KB, some
 * 700 lines, which irc-framework parses and our handlers store in one go,
 * 7 ms on average and up to 50. The database's reply to the worker's last
 * batch (and any command from the web app) waits behind it, and PostgreSQL
 * idles meanwhile. Parsing 16 KB at a time, with a turn of the event loop
 * between slices (a timer, the one way to let pending I/O in first), let
 * a flood be stored a fifth faster (`bench/README.md`). Reads of up to
 * 16 KB, all that normal traffic brings, are parsed at once as before.
 *
 * Lines stay in order: slices are parsed in the order they were read, a
 * new read waits behind the slices before it, and a socket that closes or
 * fails has its last slices parsed first. Reading is paused while slices
 * wait, so they never pile up beyond one read.
 *
 * @module
 */
import NetTransport from "irc-framework/src/transports/net.js";

/** Bytes parsed per turn of the event loop. */
export const SLICE_BYTES = 16 * 1024;

/** The Node socket under the transport, as far as pausing goes. */
interface PausableSocket {
  pause(): void;
  resume(): void;
}

/** irc-framework's transport class, as far as this one extends it. */
interface BaseTransport {
  socket: PausableSocket | null;
  onSocketData(data: Uint8Array): void;
  onSocketClose(): void;
  onSocketError(error: unknown): void;
  disposeSocket(): void;
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

  /** Stops (`true`) or resumes (`false`) reading, whatever the slices need. */
  setPaused(paused: boolean): void {
    this.#pausedByOwner = paused;
    this.#applyPause();
  }

  override onSocketData(data: Uint8Array): void {
    if (this.#slices.length === 0 && data.length <= SLICE_BYTES) {
      super.onSocketData(data);
      return;
    }
    for (let at = 0; at < data.length; at += SLICE_BYTES) {
      this.#slices.push(data.subarray(at, at + SLICE_BYTES));
    }
    if (this.#timer === undefined) this.#parseSlice();
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

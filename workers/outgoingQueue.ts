/**
 * Outgoing flood control: a burst of lines, then one per interval, in order,
 * waiting while the connection is down; bounded in lines and bytes, with a
 * send beyond the bound refused whole (docs/architecture.md, "From the
 * browser to IRC").
 *
 * @module
 */

/** Most lines that may wait, by default. */
export const DEFAULT_MAX_QUEUED_LINES = 1000;
/** Most bytes (UTF-8, with CRLF) that may wait, by default. */
export const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;

/** Where lines go once they may be sent. */
export interface LineSink {
  /** Whether lines can be written now (registered on IRC). */
  ready(): boolean;
  /** Writes one IRC line (without CRLF). */
  write(line: string): void;
}

/** Flood control settings; `intervalMs` 0 turns it off. */
export interface FloodSettings {
  burst: number;
  intervalMs: number;
}

/** How much may wait; see {@link DEFAULT_MAX_QUEUED_LINES} and {@link DEFAULT_MAX_QUEUED_BYTES}. */
export interface QueueLimits {
  maxLines: number;
  maxBytes: number;
}

/**
 * The outcome of {@link OutgoingQueue.send}: taken (`queued` when some of it
 * has to wait), or refused whole because too much waits already.
 */
export type SendResult = { ok: true; queued: boolean } | { ok: false; error: string };

const encoder = new TextEncoder();
// What a line costs on the wire.
const lineBytes = (line: string) => encoder.encode(line).length + 2;

/** A token bucket in front of a {@link LineSink}. */
export class OutgoingQueue {
  readonly #sink: LineSink;
  readonly #burst: number;
  readonly #intervalMs: number;
  #tokens: number;
  #lastRefill = performance.now();
  #lines: string[] = [];
  #bytes = 0;
  readonly #limits: QueueLimits;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Queues lines for `sink` at the pace `settings` allows, holding at most `limits`. */
  constructor(sink: LineSink, settings: FloodSettings, limits: Partial<QueueLimits> = {}) {
    this.#sink = sink;
    this.#burst = Math.max(1, settings.burst);
    this.#intervalMs = Math.max(0, settings.intervalMs);
    this.#tokens = this.#burst;
    this.#limits = {
      maxLines: limits.maxLines ?? DEFAULT_MAX_QUEUED_LINES,
      maxBytes: limits.maxBytes ?? DEFAULT_MAX_QUEUED_BYTES,
    };
  }

  /** Lines waiting to be sent. */
  get size(): number {
    return this.#lines.length;
  }

  /** Bytes waiting to be sent (UTF-8, with CRLF). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Sends `lines` in order, now if the pace allows, else later; or none of
   * them, when they would not fit in what may wait.
   */
  send(lines: readonly string[]): SendResult {
    const bytes = lines.reduce((sum, line) => sum + lineBytes(line), 0);
    // Lines the pace lets out at once never wait: only a send that leaves
    // some waiting is held to the bound.
    const waiting = this.#lines.length + lines.length - (this.#sink.ready() ? this.#available() : 0);
    if (waiting > 0) {
      const { maxLines, maxBytes } = this.#limits;
      if (this.#lines.length + lines.length > maxLines || this.#bytes + bytes > maxBytes) {
        return {
          ok: false,
          error: `Too many lines waiting to be sent (${this.#lines.length} lines, ${this.#bytes} bytes; ` +
            `at most ${maxLines} lines or ${maxBytes} bytes): try again once they are sent`,
        };
      }
    }
    this.#lines.push(...lines);
    this.#bytes += bytes;
    this.drain();
    return { ok: true, queued: this.#lines.length > 0 };
  }

  /**
   * Queues `lines` past the bound on what waits: for the worker's own lines
   * (a rejoin), as many as the channels it holds already rather than what a
   * client sends, which refused whole would leave every channel unjoined
   * with no one to tell. They still go out at the pace, in order.
   */
  sendOwn(lines: readonly string[]): void {
    this.#lines.push(...lines);
    this.#bytes += lines.reduce((sum, line) => sum + lineBytes(line), 0);
    this.drain();
  }

  /**
   * Runs `enqueue`; lines it sends go ahead of the lines already waiting.
   * Then drains.
   */
  ahead(enqueue: () => void): void {
    const waiting = this.#lines.splice(0);
    const waitingBytes = this.#bytes;
    this.#bytes = 0;
    try {
      enqueue();
    } finally {
      this.#lines.push(...waiting);
      this.#bytes += waitingBytes;
      this.drain();
    }
  }

  /**
   * Writes as many waiting lines as the pace allows and schedules the rest.
   * Call it when the sink becomes ready again.
   */
  drain(): void {
    if (!this.#sink.ready()) return;
    this.#writeAllowed();
    if (this.#intervalMs === 0) return;
    if (this.#lines.length > 0 && this.#timer === undefined) {
      const wait = Math.max(1, Math.ceil((1 - this.#tokens) * this.#intervalMs));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.drain();
      }, wait);
    }
  }

  /**
   * Writes the waiting lines the pace allows now, and no more (before
   * QUIT); {@link size} says how many are left unsent.
   */
  flush(): void {
    if (this.#sink.ready()) this.#writeAllowed();
  }

  /** Stops the timer; waiting lines stay queued. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // How many lines the pace lets out now.
  #available(): number {
    if (this.#intervalMs === 0) return Infinity;
    this.#refill();
    return Math.floor(this.#tokens);
  }

  // Writes the waiting lines the pace lets out now.
  #writeAllowed(): void {
    const count = Math.min(this.#lines.length, this.#available());
    if (this.#intervalMs !== 0) this.#tokens -= count;
    for (const line of this.#lines.splice(0, count)) {
      this.#bytes -= lineBytes(line);
      this.#sink.write(line);
    }
  }

  #refill(): void {
    const now = performance.now();
    const earned = (now - this.#lastRefill) / this.#intervalMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#lastRefill = now;
  }
}

/**
 * Outgoing flood control: a burst of lines at once, then one line per
 * interval, in order. IRC servers kick clients that write too fast ("Excess
 * Flood") and irc-framework writes every line at once, so every line the
 * user causes goes through here. Lines wait, too, while the IRC connection
 * is down, and are sent once it is back: nothing typed is lost to a
 * reconnect.
 *
 * @module
 */

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

/** A token bucket in front of a {@link LineSink}. */
export class OutgoingQueue {
  readonly #sink: LineSink;
  readonly #burst: number;
  readonly #intervalMs: number;
  #tokens: number;
  #lastRefill = performance.now();
  #lines: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Queues lines for `sink` at the pace `settings` allows. */
  constructor(sink: LineSink, settings: FloodSettings) {
    this.#sink = sink;
    this.#burst = Math.max(1, settings.burst);
    this.#intervalMs = Math.max(0, settings.intervalMs);
    this.#tokens = this.#burst;
  }

  /** Lines waiting to be sent. */
  get size(): number {
    return this.#lines.length;
  }

  /**
   * Sends `lines` in order, now if the pace allows, else later.
   * Returns `true` when at least one of them had to wait.
   */
  send(lines: readonly string[]): boolean {
    this.#lines.push(...lines);
    this.drain();
    return this.#lines.length > 0;
  }

  /**
   * Runs `enqueue`; lines it sends go ahead of the lines already waiting.
   * Then drains.
   */
  ahead(enqueue: () => void): void {
    const waiting = this.#lines.splice(0);
    try {
      enqueue();
    } finally {
      this.#lines.push(...waiting);
      this.drain();
    }
  }

  /**
   * Writes as many waiting lines as the pace allows and schedules the rest.
   * Call it when the sink becomes ready again.
   */
  drain(): void {
    if (!this.#sink.ready()) return;
    if (this.#intervalMs === 0) {
      for (const line of this.#lines.splice(0)) this.#sink.write(line);
      return;
    }
    this.#refill();
    while (this.#lines.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#sink.write(this.#lines.shift()!);
    }
    if (this.#lines.length > 0 && this.#timer === undefined) {
      const wait = Math.max(1, Math.ceil((1 - this.#tokens) * this.#intervalMs));
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.drain();
      }, wait);
    }
  }

  /** Writes every waiting line at once, ignoring the pace (before QUIT). */
  flush(): void {
    if (!this.#sink.ready()) return;
    for (const line of this.#lines.splice(0)) this.#sink.write(line);
  }

  /** Stops the timer; waiting lines stay queued. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #refill(): void {
    const now = performance.now();
    const earned = (now - this.#lastRefill) / this.#intervalMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#lastRefill = now;
  }
}

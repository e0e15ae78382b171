/**
 * The worker's write path: every IRC event it stores goes through here, in
 * arrival order, in batches of one statement published once each; it pauses
 * the IRC socket while the database falls behind and holds events in memory
 * through an outage (docs/architecture.md, "From an IRC line to the browser").
 *
 * @module
 */
import type { Db } from "../lib/db/database.ts";
import { errorMessage, type Logger } from "../lib/log.ts";
import { backoffDelay } from "../lib/backoff.ts";
import { lastBatchOf } from "../lib/messages.ts";
import { itemBytes, malformedItem, type WriteItem } from "./writeItem.ts";
import { type BatchPublisher, publishBatch, writeBatch, type WrittenBatch } from "./eventBatch.ts";
import { isRejection } from "./databaseErrors.ts";

/** Most events kept in memory while the database is unreachable. */
export const DEFAULT_MAX_BUFFERED = 50_000;
/**
 * Most bytes of events kept in memory (their text, counted as UTF-16, plus
 * a fixed share per event): a server sending long lines must not make the
 * 50,000 events hundreds of megabytes.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Most rows written by one statement. */
export const DEFAULT_MAX_BATCH = 1000;
/** Waiting events at which a healthy-database writer asks its source to pause. */
export const DEFAULT_HIGH_WATER = 5000;
/** Waiting events below which a paused source is resumed. */
export const DEFAULT_LOW_WATER = 1000;

/** Options of {@link EventWriter}. */
export interface EventWriterOptions {
  db: Db;
  serverId: number;
  log: Logger;
  /** The bus; without one, events are only in the database. */
  bus?: BatchPublisher;
  maxBuffered?: number;
  /** Most bytes of events kept waiting ({@link DEFAULT_MAX_BUFFERED_BYTES}). */
  maxBufferedBytes?: number;
  maxBatch?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  highWater?: number;
  lowWater?: number;
  /** Asks the source to stop (`true`) or resume (`false`) producing events. */
  onPause?: (paused: boolean) => void;
  /** Called once when the buffer first overflows. */
  onOverflow?: (bound: number) => void;
  /**
   * Called when writes succeed again after failing, or after an overflow;
   * `dropped` events were lost.
   */
  onRecovered?: (dropped: number) => void;
}

/** Batches, writes and publishes the events of one server. */
export class EventWriter {
  readonly #db: Db;
  readonly #serverId: number;
  readonly #log: Logger;
  readonly #bus: BatchPublisher | undefined;
  readonly #maxBuffered: number;
  readonly #maxBufferedBytes: number;
  #bufferedBytes = 0;
  readonly #maxBatch: number;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #highWater: number;
  readonly #lowWater: number;
  readonly #onPause: ((paused: boolean) => void) | undefined;
  #paused = false;
  readonly #onOverflow: ((bound: number) => void) | undefined;
  readonly #onRecovered: ((dropped: number) => void) | undefined;
  #queue: WriteItem[] = [];
  #head = 0;
  #scheduled = false;
  #running: Promise<void> | undefined;
  #failing = false;
  #dropped = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #wakeRetry: (() => void) | undefined;
  #batchCounter = 0;
  // Items still to be written one at a time after a refused batch.
  #isolating = 0;
  // A batch whose write failed without an answer: its id and how many
  // items it held (the next slice may be longer: events kept arriving).
  #unanswered: { id: string; length: number } | undefined;
  readonly #writerId = crypto.randomUUID().slice(0, 8);

  /** A writer for the server of `options`. */
  constructor(options: EventWriterOptions) {
    this.#db = options.db;
    this.#serverId = options.serverId;
    this.#log = options.log;
    this.#bus = options.bus;
    this.#maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#retryMinMs = options.retryMinMs ?? 100;
    this.#retryMaxMs = options.retryMaxMs ?? 5000;
    this.#highWater = options.highWater ?? DEFAULT_HIGH_WATER;
    this.#lowWater = options.lowWater ?? DEFAULT_LOW_WATER;
    this.#onPause = options.onPause;
    this.#onOverflow = options.onOverflow;
    this.#onRecovered = options.onRecovered;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Bytes of the events waiting, as counted against {@link DEFAULT_MAX_BUFFERED_BYTES}. */
  get pendingBytes(): number {
    return this.#bufferedBytes;
  }

  /** Events dropped since the last recovery because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the last write failed (the database is unreachable). */
  get failing(): boolean {
    return this.#failing;
  }

  /** Queues an event; it is written within milliseconds while the database answers. */
  append(item: WriteItem): void {
    if (this.#closed) return;
    const malformed = malformedItem(item);
    if (malformed !== undefined) {
      // From a malformed line (a topic with no channel): written, it would
      // only be refused.
      this.#log.warn(`event dropped: ${malformed}`);
      return;
    }
    const bytes = itemBytes(item);
    if (this.pending >= this.#maxBuffered || this.#bufferedBytes + bytes > this.#maxBufferedBytes) {
      if (this.#dropped === 0) {
        this.#log.error(
          `event buffer full (${
            this.pending >= this.#maxBuffered
              ? `${this.#maxBuffered} events`
              : `${this.#maxBufferedBytes} bytes`
          }) while the database ` +
            `${this.#failing ? "is unreachable" : "is not keeping up"}: new events are being dropped`,
        );
        this.#onOverflow?.(this.#maxBuffered);
      }
      this.#dropped += 1;
      return;
    }
    this.#queue.push(item);
    this.#bufferedBytes += bytes;
    if (!this.#failing && !this.#paused && this.#onPause && this.pending >= this.#highWater) {
      this.#setPaused(true);
    }
    if (!this.#scheduled && !this.#running) {
      this.#scheduled = true;
      queueMicrotask(() => this.#start());
    }
  }

  /** Resolves once everything queued so far is written (or `timeoutMs` passed; then `false`). */
  async idle(timeoutMs = 10_000): Promise<boolean> {
    if (this.pending === 0 && !this.#running) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
    clearTimeout(timer);
    return done;
  }

  /**
   * Writes what is queued, waiting at most `timeoutMs`, then stops. What
   * could not be written is reported, loudly.
   */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return;
    // Retry at once rather than after the current backoff.
    this.#wakeRetry?.();
    const written = await this.idle(timeoutMs);
    this.#closed = true;
    this.#wakeRetry?.();
    if (!written || this.#dropped > 0) {
      this.#log.error(
        `stopping with ${this.pending} event(s) not written and ${this.#dropped} dropped: ` +
          `the database is unreachable`,
      );
    }
  }

  #start(): void {
    this.#scheduled = false;
    if (this.#running || this.pending === 0) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.pending > 0 && !this.#closed) this.#start();
      else for (const resolve of this.#idleWaiters.splice(0)) resolve();
    });
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (this.pending > 0 && !this.#closed) {
      const size = this.#isolating > 0 ? 1 : this.#maxBatch;
      const batch = this.#queue.slice(this.#head, this.#head + size);
      const batchId = `${this.#writerId}-${++this.#batchCounter}`;
      try {
        const { published, written } = await this.#writeChecked(batch, batchId, attempt > 0);
        this.#take(written);
        if (this.#isolating > 0) this.#isolating -= 1;
        attempt = 0;
        if (this.#failing || (this.#dropped > 0 && this.pending <= this.#lowWater)) this.#recovered();
        if (this.#paused && this.pending <= this.#lowWater) this.#setPaused(false);
        if (this.#bus) publishBatch(this.#bus, this.#serverId, published, this.#log);
      } catch (error) {
        if (isRejection(error)) {
          // The database answered and refused: writing it again cannot help.
          // Write the batch's items one by one so that one bad item does not
          // cost the others, and drop (loudly) each refused one.
          this.#unanswered = undefined;
          if (batch.length > 1) {
            this.#isolating = batch.length;
            continue;
          }
          this.#log.error(`an event was refused by the database and dropped: ${errorMessage(error)}`);
          this.#take(1);
          if (this.#isolating > 0) this.#isolating -= 1;
          continue;
        }
        if (!this.#failing) {
          this.#failing = true;
          // The IRC connection must keep answering while the database is away.
          if (this.#paused) this.#setPaused(false);
          this.#log.error(
            `database unreachable (${errorMessage(error)}): keeping events in memory (up to ` +
              `${this.#maxBuffered}) and retrying`,
          );
        }
        const wait = backoffDelay(attempt, { baseMs: this.#retryMinMs, maxMs: this.#retryMaxMs });
        attempt += 1;
        await new Promise<void>((resolve) => {
          this.#wakeRetry = resolve;
          this.#retryTimer = setTimeout(resolve, wait);
        });
        clearTimeout(this.#retryTimer);
        this.#wakeRetry = undefined;
      }
    }
  }

  #take(count: number): void {
    for (let i = this.#head; i < this.#head + count && i < this.#queue.length; i++) {
      this.#bufferedBytes -= itemBytes(this.#queue[i]);
    }
    this.#head += count;
    // Compact now and then rather than shifting on every batch.
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#log.debug(paused ? `${this.pending} events waiting: pausing the source` : "resuming the source");
    this.#onPause?.(paused);
  }

  #recovered(): void {
    if (this.#failing) this.#log.info("database reachable again: buffered events written");
    this.#failing = false;
    const dropped = this.#dropped;
    this.#dropped = 0;
    if (dropped > 0) {
      this.#log.error(`${dropped} event(s) were lost: the database was unreachable or too slow`);
      this.append({
        kind: "message",
        message: {
          target: null,
          sender: null,
          content: `${dropped} event(s) were lost while the database was unreachable or too slow ` +
            `(more than ${this.#maxBuffered} were waiting)`,
          message_type: "error",
        },
      });
    }
    this.#onRecovered?.(dropped);
  }

  // Writes a batch, or less of it: after a failure whose outcome is
  // unknown (the connection dropped around the commit), it first asks
  // whether that batch is in. If it is, its items (the head of `batch`,
  // which has grown since) count as written, and the rest waits for the
  // next turn: only the unanswered batch's items were stored.
  async #writeChecked(
    batch: WriteItem[],
    batchId: string,
    retry: boolean,
  ): Promise<{ published: WrittenBatch; written: number }> {
    const unanswered = this.#unanswered;
    if (retry && unanswered !== undefined) {
      const last = await lastBatchOf(this.#db, this.#serverId);
      this.#unanswered = undefined;
      if (last?.batchId === unanswered.id) {
        this.#log.info("the last batch had committed before the connection dropped");
        return { published: { messages: [], events: [], wake: last.lastSeq }, written: unanswered.length };
      }
    }
    this.#unanswered = { id: batchId, length: batch.length };
    const published = await writeBatch(this.#db, this.#serverId, batch, batchId, this.#bus);
    this.#unanswered = undefined;
    return { published, written: batch.length };
  }
}

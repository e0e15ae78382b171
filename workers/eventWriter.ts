/**
 * The worker's write path: every IRC event it stores goes through here, in
 * arrival order, in batches of one statement published once each; it pauses
 * the IRC socket while the database falls behind and holds events in memory
 * through an outage (docs/architecture.md, "From an IRC line to the browser").
 *
 * @module
 */
import type { Db } from "../lib/db/database.ts";
import { changeChannel, type ChannelChange } from "../lib/channels.ts";
import { lockServerRow, updateServer } from "../lib/servers.ts";
import { messagesChannel } from "../lib/events/busChannels.ts";
import { type LogEvent, messagesPayload, publishServerEvent } from "../lib/events/wireFormat.ts";
import { errorMessage, type Logger } from "../lib/log.ts";
import { backoffDelay } from "../lib/backoff.ts";
import {
  insertMessages,
  insertMessagesNotifying,
  lastBatchOf,
  type NewMessageInput,
  type StoredMessage,
} from "../lib/messages.ts";
import type { InlineNotification } from "../lib/serviceBus.ts";
import { applyMemberChanges, type MembersChange } from "../lib/channelMembers.ts";

/** Most events kept in memory while the database is unreachable. */
export const DEFAULT_MAX_BUFFERED = 50_000;
/**
 * Most bytes of events kept in memory (their text, counted as UTF-16, plus
 * a fixed share per event): a server sending long lines must not make the
 * 50,000 events hundreds of megabytes.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
// What an event costs besides its text (the objects, the date).
const ITEM_OVERHEAD_BYTES = 200;
/** Most rows written by one statement. */
export const DEFAULT_MAX_BATCH = 1000;
/** Waiting events at which a healthy-database writer asks its source to pause. */
export const DEFAULT_HIGH_WATER = 5000;
/** Waiting events below which a paused source is resumed. */
export const DEFAULT_LOW_WATER = 1000;

/**
 * Something the worker stores: a message, a change of a channel, or our
 * nickname on the server's row. The nickname goes in order with the events
 * (in the same transaction as the nick change's messages when they come
 * together): a page reads the row after taking its place in the log, so a
 * nick change behind that place must already be on the row it reads.
 */
export type WriteItem =
  | { kind: "message"; message: NewMessageInput }
  | { kind: "channel"; name: string; change: ChannelChange }
  | { kind: "nickname"; nick: string }
  | { kind: "members"; change: MembersChange };

/** Where published events go (the service bus). */
export interface Publisher {
  publish(channel: string, data: unknown): Promise<void>;
  /** When given, a batch of messages sends its notification in its own statement. */
  inlineNotification?(channel: string): InlineNotification;
}

/** Options of {@link EventWriter}. */
export interface EventWriterOptions {
  db: Db;
  serverId: number;
  log: Logger;
  /** The bus; without one, events are only in the database. */
  bus?: Publisher;
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
  readonly #bus: Publisher | undefined;
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
        this.#publish(published);
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
  ): Promise<{ published: Published; written: number }> {
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
    const published = await this.#write(batch, batchId);
    this.#unanswered = undefined;
    return { published, written: batch.length };
  }

  async #write(batch: WriteItem[], batchId: string): Promise<Published> {
    if (batch.every((item) => item.kind === "message")) {
      const inputs = batch.map((item) => (item as { message: NewMessageInput }).message);
      const notification = this.#bus?.inlineNotification?.(messagesChannel(this.#serverId));
      if (notification) {
        // The notification travels with the insert's commit: one round trip
        // per batch on the event path instead of two.
        const { stored, payload } = await insertMessagesNotifying(
          this.#db,
          this.#serverId,
          inputs,
          batchId,
          notification,
        );
        // A batch of replayed lines only (every msgid stored already) stores
        // nothing and notifies no one.
        const notified = stored.length > 0 ? () => notification.deliverHere(payload) : () => {};
        return { messages: stored, events: [], notified };
      }
      return { messages: await insertMessages(this.#db, this.#serverId, inputs, batchId), events: [] };
    }
    // Channel changes and the nickname are idempotent; only the messages
    // need the batch id.
    return await this.#db.transaction().execute(async (trx) => {
      // Lock order: the server's row before its sequence row, as
      // `updateServer` takes them (a status write racing a nick change
      // deadlocked: this took the sequence row with the messages first).
      if (batch.some((item) => item.kind === "nickname")) await lockServerRow(trx, this.#serverId);
      const out: Published = { messages: [], events: [] };
      let run: NewMessageInput[] = [];
      // The batch's member changes are folded into a few statements at its
      // end: they touch only their own table, and keep their order among
      // themselves (10,000 joins of ours are then a few statements a batch,
      // not a few each).
      const members: MembersChange[] = [];
      const flushRun = async () => {
        if (run.length === 0) return;
        out.messages.push(...await insertMessages(trx, this.#serverId, run, batchId));
        run = [];
      };
      for (const item of batch) {
        if (item.kind === "message") {
          run.push(item.message);
          continue;
        }
        if (item.kind === "members") {
          members.push(item.change);
          continue;
        }
        await flushRun();
        if (item.kind === "nickname") {
          await updateServer(trx, this.#serverId, { current_nickname: item.nick });
          continue;
        }
        const { event } = await changeChannel(trx, this.#serverId, item.name, item.change);
        if (event) out.events.push(event);
      }
      await flushRun();
      if (members.length > 0) out.events.push(...await applyMemberChanges(trx, this.#serverId, members));
      return out;
    });
  }

  #publish(published: Published): void {
    const bus = this.#bus;
    if (!bus) return;
    const sent: Promise<void>[] = [];
    if (published.notified) published.notified();
    else if (published.messages.length > 0) {
      sent.push(
        bus.publish(messagesChannel(this.#serverId), messagesPayload(this.#serverId, published.messages)),
      );
    } else if (published.wake !== undefined) {
      sent.push(
        bus.publish(messagesChannel(this.#serverId), { server_id: this.#serverId, seq: published.wake }),
      );
    }
    for (const event of published.events) sent.push(publishServerEvent(bus, event));
    // A lost notification is caught up by receivers at the next one or when
    // they listen again; the rows are committed either way.
    for (const p of sent) p.catch((error) => this.#log.warn(`not published: ${errorMessage(error)}`));
  }
}

// What an event holds in memory, roughly: its strings and a fixed share.
function itemBytes(item: WriteItem): number {
  switch (item.kind) {
    case "message": {
      const m = item.message;
      return ITEM_OVERHEAD_BYTES + 2 * (m.content.length + (m.target?.length ?? 0) + (m.sender?.length ?? 0));
    }
    case "channel":
      return ITEM_OVERHEAD_BYTES + 2 * (item.name.length + (item.change.topic?.length ?? 0));
    case "nickname":
      return ITEM_OVERHEAD_BYTES + 2 * item.nick.length;
    case "members": {
      const change = item.change;
      if (change.kind === "clear") return ITEM_OVERHEAD_BYTES;
      if (change.kind === "remove") {
        return ITEM_OVERHEAD_BYTES + 2 * (change.channel.length + change.nick.length);
      }
      const members = change.kind === "reset" ? change.members : [change.member];
      // A member's fields, roughly: its names and host.
      return ITEM_OVERHEAD_BYTES * (1 + members.length) +
        2 * members.reduce((n, m) => n + m.nick.length + (m.host?.length ?? 0) + (m.away?.length ?? 0), 0);
    }
  }
}

// A name a channel row can have: a non-empty word (no space, no control
// character), of a length IRC allows.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const STORABLE_CHANNEL = /^[^\s,\x00-\x1f\x7f]{1,200}$/;

function isStorableChannelName(name: unknown): name is string {
  return typeof name === "string" && STORABLE_CHANNEL.test(name);
}

const isName = (value: unknown) => typeof value === "string" && value !== "";

const isOptionalText = (value: unknown) => value === null || typeof value === "string";

/**
 * Why `item` cannot be stored (it is dropped, and the reason logged), or
 * `undefined` when it can: what every event handler's output must pass.
 */
export function malformedItem(item: WriteItem): string | undefined {
  switch (item.kind) {
    case "message": {
      const m = item.message;
      if (typeof m.content !== "string" || !isOptionalText(m.target) || !isOptionalText(m.sender)) {
        return `a ${m.message_type} message with missing fields`;
      }
      return undefined;
    }
    case "channel":
      if (!isStorableChannelName(item.name)) return `a channel change with no valid channel name`;
      if (item.change.topic !== undefined && typeof item.change.topic !== "string") {
        return `a topic that is not text for ${item.name}`;
      }
      return undefined;
    case "nickname":
      return typeof item.nick === "string" && item.nick !== "" ? undefined : "a nick change with no nick";
    case "members": {
      const change = item.change;
      if (change.kind === "clear") return undefined;
      if (!isStorableChannelName(change.channel)) return "a member change with no valid channel name";
      if (change.kind === "remove") return isName(change.nick) ? undefined : "a member removed with no nick";
      const members = change.kind === "reset" ? change.members : [change.member];
      return members.every((m) => isName(m.nick) && typeof m.modes === "string")
        ? undefined
        : "a member with no nick";
    }
  }
}

interface Published {
  messages: StoredMessage[];
  events: LogEvent[];
  /** A newest number to announce without the events (after an unacknowledged commit). */
  wake?: number;
  /** The messages' notification went with their commit; this delivers it in this process. */
  notified?: () => void;
}

// SQLSTATE classes of a database that is away or busy rather than refusing
// the data: connection exception, insufficient resources, operator
// intervention (57P01-03: shutting down, crashed, starting), system error,
// transaction rollback (serialization, deadlock); and lock not available.
const OUTAGE_CLASSES = ["08", "53", "57", "58", "40"];
// Errors of the socket under npm:pg (Node's codes, Deno's as well).
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);
// npm:pg's and pg-pool's own words for a connection that failed or ended
// (they carry no code).
const CONNECTION_MESSAGE =
  /^(?:Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout expired|timeout exceeded when trying to connect|Query read timeout|Connection ended)/;

/**
 * Whether a write failed because the database is unreachable (or shutting
 * down, or briefly unable to take it), which a retry later can cure.
 * Only those are: a write that fails otherwise (a constraint, a bad value,
 * a `TypeError` from a malformed event) would fail again at every retry.
 */
export function isOutage(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === "string") {
    if (SOCKET_CODES.has(code)) return true;
    // PostgreSQL answered: its SQLSTATE says whether it is away or refuses.
    if (/^[0-9A-Z]{5}$/.test(code)) {
      return OUTAGE_CLASSES.some((cls) => code.startsWith(cls)) || code === "55P03";
    }
  }
  // Deno's own connection errors, by class name.
  const name = (error as { name?: unknown }).name;
  if (name === "ConnectionRefused" || name === "ConnectionReset" || name === "ConnectionAborted") return true;
  if (name === "BrokenPipe" || name === "TimedOut" || name === "NotConnected") return true;
  if (typeof message === "string" && CONNECTION_MESSAGE.test(message)) return true;
  // Connecting to every address of a name failed (AggregateError), or an
  // error wraps the socket's.
  if (Array.isArray(errors) && errors.length > 0 && errors.every(isOutage)) return true;
  return cause !== undefined && cause !== error && isOutage(cause);
}

/**
 * Whether a write's failure is a refusal of what was written, to be dropped
 * loudly: anything but an outage ({@link isOutage}).
 */
export function isRejection(error: unknown): boolean {
  return !isOutage(error);
}

/**
 * One client's live stream of events (`GET /api/events`), as Server-Sent
 * Events: the replay of what it missed, then the live events, with nothing
 * lost, repeated or out of order per server, and a client that does not read
 * disconnected (docs/architecture.md, "From an IRC line to the browser").
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Db } from "../db/database.ts";
import { errorMessage, logger } from "../log.ts";
import { type Cursor, encodeCursor } from "./cursor.ts";
import type { EventFeed, FeedSubscriber } from "./eventFeed.ts";
import { eventHeads, readEvents } from "./eventLog.ts";
import type { LogEvent } from "./wireFormat.ts";

/** Heartbeat comment interval. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Bytes that may wait for a slow client before it is disconnected. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1 << 20;
/** Live events that may wait for a stream still replaying before it is disconnected. */
export const DEFAULT_MAX_PENDING_EVENTS = 10_000;
/** Events read from the log per query when replaying. */
export const REPLAY_PAGE = 500;
/** What the client is told to wait before reconnecting, in ms. */
export const RETRY_MS = 2000;

/** Options of {@link EventStream}. */
export interface EventStreamOptions {
  db: Db;
  feed: EventFeed;
  userId: number;
  /** Where the client was (`Last-Event-ID`), or `undefined` to start from now. */
  cursor: Cursor | undefined;
  heartbeatMs?: number;
  maxBufferedBytes?: number;
  maxPendingEvents?: number;
}

type Task =
  | { kind: "start" }
  | { kind: "events"; serverId: number; events: LogEvent[] }
  | { kind: "catch-up"; serverId: number | undefined };

const log = logger("events");
// What the body queues before it reports no room (replays then wait).
const QUEUE_BYTES = 64 * 1024;
const encoder = new TextEncoder();
// One JSON text per event, shared by every stream that sends it.
const jsonCache = new WeakMap<object, string>();
// The bytes of an event as last encoded, with the cursor they carry and the
// one before it: every stream at the same position (all the tabs and
// devices of a user) sends exactly these, so they are encoded once rather
// than once per stream.
const frameCache = new WeakMap<object, { from: string; id: string; bytes: Uint8Array }>();
// The same for the events handed over together, in one chunk.
const chunkCache = new WeakMap<object, { from: string; bytes: Uint8Array }>();

/** The stream of one client; its `body` is the response body. */
export class EventStream implements FeedSubscriber {
  /** The `text/event-stream` body. */
  readonly body: ReadableStream<Uint8Array>;
  readonly userId: number;
  readonly #db: Db;
  readonly #feed: EventFeed;
  readonly #maxBufferedBytes: number;
  readonly #maxPendingEvents: number;
  readonly #heartbeatMs: number;
  #cursor: Cursor;
  // `encodeCursor(#cursor)`, kept while only `#send` moves the cursor.
  #cursorText: string | undefined;
  readonly #resume: boolean;
  #started = false;
  // Per server, the newest number already queued or sent: what the feed
  // reads from for everyone.
  readonly #queued = new Map<number, number>();
  readonly #tasks: Task[] = [];
  #pendingEvents = 0;
  #pumping = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #drained: (() => void) | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #removeFromFeed: (() => void) | undefined;
  #closed = false;
  #closedWaiters: (() => void)[] = [];
  // The sizes of the chunks still queued, oldest (the client's next) at
  // `#chunkHead`, and their sum: what the queue reports waiting tells how
  // many of them the client has taken since.
  #chunkSizes: number[] = [];
  #chunkHead = 0;
  #chunkBytes = 0;

  /** A stream for `options.userId`; call {@link start} to begin. */
  constructor(options: EventStreamOptions) {
    this.#db = options.db;
    this.#feed = options.feed;
    this.userId = options.userId;
    this.#cursor = new Map(options.cursor ?? []);
    this.#resume = options.cursor !== undefined;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#maxPendingEvents = options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS;
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        const drained = this.#drained;
        this.#drained = undefined;
        drained?.();
      },
      cancel: () => this.close("client gone"),
    }, { highWaterMark: QUEUE_BYTES, size: (chunk) => chunk.byteLength });
  }

  /** Whether the stream has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves once the stream has ended. */
  done(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  /** Registers with the feed, then replays and goes live. */
  start(): void {
    this.#write(`retry: ${RETRY_MS}\n\n`);
    this.#removeFromFeed = this.#feed.add(this);
    this.#heartbeat = setInterval(() => this.#write(": heartbeat\n\n"), this.#heartbeatMs);
    this.#push({ kind: "start" });
  }

  /** Ends the stream (the client left, was too slow, or the app stops). */
  close(reason: string, error = false): void {
    if (this.#closed) return;
    this.#closed = true;
    log.debug(`stream of user ${this.userId} closed: ${reason}`);
    clearInterval(this.#heartbeat);
    this.#removeFromFeed?.();
    this.#tasks.length = 0;
    try {
      if (error) this.#controller.error(new Error(reason));
      else this.#controller.close();
    } catch { /* already closed or cancelled */ }
    this.#drained?.();
    for (const resolve of this.#closedWaiters.splice(0)) resolve();
  }

  // FeedSubscriber

  /** See {@link FeedSubscriber.deliver}. */
  deliver(serverId: number, seq: number, events: LogEvent[] | undefined): void {
    if (this.#closed) return;
    const have = this.#queued.get(serverId) ?? this.#cursor.get(serverId) ?? 0;
    // A page read for a wake-up ends before the wake-up's number when the
    // feed reads several pages: judge events by their own numbers.
    const newest = events ? (events.at(-1)?.seq ?? 0) : seq;
    if (newest <= have && this.#started) return;
    this.#queued.set(serverId, Math.max(have, newest));
    if (events) {
      // The common case, a live stream with nothing waiting: written at once,
      // without a task (a thousand streams take each event in one go).
      if (this.#started && !this.#pumping && this.#sendInOrder(serverId, events) === -1) return;
      this.#pendingEvents += events.length;
      this.#push({ kind: "events", serverId, events });
    } else {
      this.#push({ kind: "catch-up", serverId });
    }
    if (this.#pendingEvents > this.#maxPendingEvents) {
      this.close(`more than ${this.#maxPendingEvents} events waiting: client too slow`, true);
    }
  }

  /** See {@link FeedSubscriber.resync}. */
  resync(): void {
    if (!this.#closed) this.#push({ kind: "catch-up", serverId: undefined });
  }

  /** See {@link FeedSubscriber.position}. */
  position(serverId: number): number | undefined {
    if (!this.#started) return undefined;
    return this.#queued.get(serverId) ?? this.#cursor.get(serverId);
  }

  #push(task: Task): void {
    this.#tasks.push(task);
    if (!this.#pumping) this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#tasks.length > 0 && !this.#closed) {
        const task = this.#tasks.shift()!;
        if (task.kind === "start") await this.#startTask();
        else if (task.kind === "catch-up") await this.#catchUp(task.serverId);
        else {
          this.#pendingEvents -= task.events.length;
          await this.#sendLive(task.serverId, task.events);
        }
      }
    } catch (error) {
      // The database went away mid-replay: the client reconnects and resumes.
      log.warn(`stream of user ${this.userId} ends: ${errorMessage(error)}`);
      this.close(errorMessage(error), true);
    } finally {
      this.#pumping = false;
    }
  }

  async #startTask(): Promise<void> {
    const servers = await this.#userServers();
    if (this.#resume) {
      // Forget what is not the user's (deleted servers); a server missing
      // from the cursor is newer than it, so everything of it is missed.
      this.#cursorText = undefined;
      for (const id of [...this.#cursor.keys()]) if (!servers.includes(id)) this.#cursor.delete(id);
      for (const id of servers) if (!this.#cursor.has(id)) this.#cursor.set(id, 0);
    } else {
      this.#cursor = await eventHeads(this.#db, servers);
      this.#cursorText = undefined;
    }
    for (const id of servers) await this.#replay(id);
    this.#started = true;
    // The position the client is at now, even when nothing was replayed.
    this.#write(`id: ${this.#cursorText ??= encodeCursor(this.#cursor)}\nevent: ready\ndata: {}\n\n`);
  }

  async #userServers(): Promise<number[]> {
    const rows = await this.#db.selectFrom("servers").select("id").where("user_id", "=", this.userId)
      .orderBy("id").execute();
    return rows.map((r) => r.id);
  }

  // Everything of `serverId` (or of every server of the user) after what
  // was sent.
  async #catchUp(serverId: number | undefined): Promise<void> {
    if (!this.#started) return; // the start task reads everything anyway
    const servers = serverId === undefined ? await this.#userServers() : [serverId];
    for (const id of servers) await this.#replay(id);
  }

  async #replay(serverId: number): Promise<void> {
    while (!this.#closed) {
      const page = await readEvents(this.#db, serverId, this.#cursor.get(serverId) ?? 0, REPLAY_PAGE);
      for (const event of page) {
        if (this.#closed) return;
        this.#send(event);
        if ((this.#controller.desiredSize ?? 0) <= 0) await this.#room();
      }
      if (page.length < REPLAY_PAGE) return;
    }
  }

  async #sendLive(serverId: number, events: LogEvent[]): Promise<void> {
    for (let next = 0; next < events.length;) {
      const gap = this.#sendInOrder(serverId, events, next);
      if (gap === -1) return;
      // Not announced yet, or never: the log has it.
      await this.#replay(serverId);
      next = gap + 1;
    }
  }

  // Sends `events` from index `from` while each follows on from what was
  // sent, as one chunk; the index of the first that does not (a gap before
  // it), or -1.
  #sendInOrder(serverId: number, events: LogEvent[], from = 0): number {
    // Every stream at the same position sends the same chunk: it is built
    // by the first one and shared.
    const from0 = this.#cursorText ??= encodeCursor(this.#cursor);
    const shared = from === 0 ? chunkCache.get(events) : undefined;
    if (shared?.from === from0) {
      for (const event of events) this.#frame(event);
      this.#enqueue(shared.bytes);
      return -1;
    }
    const frames: Uint8Array[] = [];
    let gap = -1;
    let skipped = false;
    for (let i = from; i < events.length; i++) {
      const event = events[i];
      const have = this.#cursor.get(serverId) ?? 0;
      if (event.seq <= have) {
        skipped = true;
        continue;
      }
      if (event.seq > have + 1) {
        gap = i;
        break;
      }
      frames.push(this.#frame(event));
    }
    if (frames.length === 0) return gap;
    const bytes = frames.length === 1 ? frames[0] : Buffer.concat(frames);
    if (from === 0 && gap === -1 && !skipped) chunkCache.set(events, { from: from0, bytes });
    this.#enqueue(bytes);
    return gap;
  }

  #send(event: LogEvent): void {
    const have = this.#cursor.get(event.serverId) ?? 0;
    if (event.seq > have) this.#enqueue(this.#frame(event));
  }

  // The bytes of `event`, which follows what was sent; moves the cursor.
  #frame(event: LogEvent): Uint8Array {
    const from = this.#cursorText ??= encodeCursor(this.#cursor);
    this.#cursor.set(event.serverId, event.seq);
    if ((this.#queued.get(event.serverId) ?? 0) < event.seq) this.#queued.set(event.serverId, event.seq);
    let frame = frameCache.get(event);
    if (frame?.from !== from) {
      const id = encodeCursor(this.#cursor);
      let json = jsonCache.get(event);
      if (json === undefined) {
        json = JSON.stringify(event.data);
        jsonCache.set(event, json);
      }
      frame = { from, id, bytes: encoder.encode(`id: ${id}\nevent: ${event.event}\ndata: ${json}\n\n`) };
      frameCache.set(event, frame);
    }
    this.#cursorText = frame.id;
    return frame.bytes;
  }

  #write(text: string): void {
    this.#enqueue(encoder.encode(text));
  }

  #enqueue(bytes: Uint8Array): void {
    if (this.#closed) return;
    // Judged on what waited before this chunk, not after, and behind the
    // chunk the client takes next: a chunk larger than the limit, into a
    // queue the client keeps taking, is progress, and so is what follows it.
    if (this.#waitingBehindNext() - QUEUE_BYTES > this.#maxBufferedBytes) {
      this.close(`more than ${this.#maxBufferedBytes} bytes waiting: client too slow`, true);
      return;
    }
    try {
      this.#controller.enqueue(bytes);
    } catch {
      this.close("client gone");
      return;
    }
    this.#chunkSizes.push(bytes.byteLength);
    this.#chunkBytes += bytes.byteLength;
  }

  // Bytes queued, less the chunk the client takes next.
  #waitingBehindNext(): number {
    const waiting = QUEUE_BYTES - (this.#controller.desiredSize ?? 0);
    // Chunks are taken whole, oldest first.
    while (this.#chunkBytes > waiting && this.#chunkHead < this.#chunkSizes.length) {
      this.#chunkBytes -= this.#chunkSizes[this.#chunkHead++];
    }
    if (this.#chunkHead > 1024 && this.#chunkHead * 2 > this.#chunkSizes.length) {
      this.#chunkSizes = this.#chunkSizes.slice(this.#chunkHead);
      this.#chunkHead = 0;
    }
    return waiting - (this.#chunkSizes[this.#chunkHead] ?? 0);
  }

  // Waits until the client has taken what is queued (replay pacing).
  #room(): Promise<void> {
    if (this.#closed || (this.#controller.desiredSize ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained = resolve);
  }
}

/**
 * The web process's one receiver of server events, fanning them out to the
 * live streams of each server's user; a notification from a sender not
 * trusted for its server is only a wake-up (docs/architecture.md, "From an
 * IRC line to the browser").
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { errorMessage, logger } from "../log.ts";
import type { BusSender, ServiceBus } from "../serviceBus.ts";
import { SERVER_CHANNEL_PREFIX } from "./busChannels.ts";
import { eventHeads, readEvents } from "./eventLog.ts";
import { TrustedSenders } from "./trustedSenders.ts";
import { type LogEvent, parsePublished, type Published } from "./wireFormat.ts";

/** Rows read from the log per query. */
export const FEED_PAGE = 1000;

/**
 * The web process's time reckoned for writing one chunk to one stream, ms.
 * A write costs little JavaScript but a trip through the HTTP server and a
 * socket write (bench/README.md, "Fan-out"). After a burst of writes the
 * feed waits that long per write before the next, and whatever arrives
 * meanwhile goes out together, one chunk per stream: with a few streams the
 * wait is microseconds and changes nothing; with a thousand it is 20 ms, and under a flood each
 * stream's write then carries every event of those 20 ms instead of the
 * process falling behind. It caps writes at about half of one core.
 */
export const WRITE_COST_MS = 0.02;

/** A live stream, as the feed sees it. */
export interface FeedSubscriber {
  readonly userId: number;
  /**
   * Events of one of the user's servers, in order; they may repeat what it
   * has, or start after a gap. `events` is `undefined` for a wake-up: the
   * log now reaches `seq`.
   */
  deliver(serverId: number, seq: number, events: LogEvent[] | undefined): void;
  /** Notifications may have been lost: re-read every server's log. */
  resync(): void;
  /** The newest number of `serverId` it has, or `undefined` while it sets up. */
  position(serverId: number): number | undefined;
  /** Set on a subscriber that is no client's stream (the push sender): it is not counted as one open. */
  readonly watcher?: boolean;
}

const log = logger("feed");
// Distinct refused senders warned of, at most (a worker could notify for ever).
const MAX_WARNED = 1000;

// What arrived for a server: what a trusted sender published, or a wake-up
// from an untrusted one, whose numbers are read from the log rather than believed.
type Arrival = Published | { serverId: number; seq: undefined; events: undefined };

/** Routes server events from the bus to the streams of their users. */
export class EventFeed {
  readonly #db: Db;
  readonly #byUser = new Map<number, Set<FeedSubscriber>>();
  readonly #owners = new Map<number, number | null>();
  readonly #chains = new Map<number, Promise<void>>();
  readonly #arrived = new Map<number, Arrival[]>();
  #senders: TrustedSenders | undefined;
  #loadingSenders = false;
  // Notifications from other processes that came before the senders were known.
  readonly #beforeSenders: [string, unknown, BusSender][] = [];
  readonly #warned = new Set<string>();
  #takeScheduled = false;
  #takeTimer: ReturnType<typeof setTimeout> | undefined;
  // Until when the writes of the last bursts are reckoned to keep the
  // process busy (see WRITE_COST_MS).
  #busyUntil = 0;
  readonly #unsubscribe: (() => void)[];

  /** Starts listening on `bus`. */
  constructor(db: Db, bus: ServiceBus) {
    this.#db = db;
    this.#loadSenders();
    this.#unsubscribe = [
      bus.subscribePrefix(
        SERVER_CHANNEL_PREFIX,
        (channel, data, sender) => this.#receive(channel, data, sender),
      ),
      bus.onResync(() => {
        for (const subscribers of this.#byUser.values()) for (const s of subscribers) s.resync();
      }),
    ];
  }

  /** Streams currently registered. */
  get size(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  /** How many live streams of clients `userId` has open here (watchers not counted). */
  openStreams(userId: number): number {
    let n = 0;
    for (const s of this.#byUser.get(userId) ?? []) if (!s.watcher) n++;
    return n;
  }

  /** Registers a stream; returns how to unregister it. */
  add(subscriber: FeedSubscriber): () => void {
    const set = this.#byUser.get(subscriber.userId) ?? new Set();
    set.add(subscriber);
    this.#byUser.set(subscriber.userId, set);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.#byUser.get(subscriber.userId) === set) {
        this.#byUser.delete(subscriber.userId);
      }
    };
  }

  /** Stops listening. */
  close(): void {
    clearTimeout(this.#takeTimer);
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #loadSenders(): void {
    if (this.#loadingSenders) return;
    this.#loadingSenders = true;
    TrustedSenders.of(this.#db).then(
      (senders) => this.#senders = senders,
      (error) => log.error(`could not tell the app's own database role: ${errorMessage(error)}`),
    ).finally(() => {
      this.#loadingSenders = false;
      // If loading failed, these are only wake-ups, and the next one tries again.
      for (const [channel, data, sender] of this.#beforeSenders.splice(0)) {
        this.#receive(channel, data, sender);
      }
    });
  }

  #receive(channel: string, data: unknown, sender: BusSender): void {
    const parsed = parsePublished(channel, data);
    if (!parsed) return;
    // Nobody here watches any server: skip the owner lookup entirely.
    if (this.#byUser.size === 0) return;
    let published: Arrival = parsed;
    if (!sender.local) {
      if (!this.#senders && this.#loadingSenders) {
        this.#beforeSenders.push([channel, data, sender]);
        return;
      }
      // Who may speak could not be told (loading failed; tried again), or
      // this sender may not: the log, not the notification, says what happened.
      if (!this.#senders) this.#loadSenders();
      else if (!this.#senders.allows(parsed.serverId, sender)) this.#refused(channel, sender.role);
      if (!this.#senders?.allows(parsed.serverId, sender)) {
        published = { serverId: parsed.serverId, seq: undefined, events: undefined };
      }
    }
    const waiting = this.#arrived.get(published.serverId);
    if (waiting) waiting.push(published);
    else this.#arrived.set(published.serverId, [published]);
    if (this.#takeTimer !== undefined || this.#takeScheduled) return;
    const wait = this.#busyUntil - performance.now();
    if (wait <= 0) {
      this.#takeScheduled = true;
      queueMicrotask(() => this.#takeArrived());
    } else {
      this.#takeTimer = setTimeout(() => this.#takeArrived(), wait);
    }
  }

  // Everything that arrived in one go (the notifications of one read of the
  // bus's connection) or while the last burst was being written is handed
  // on together: a stream then writes them as one chunk, so the cost of a
  // write per stream is paid once per burst rather than once per event.
  #takeArrived(): void {
    this.#takeScheduled = false;
    this.#takeTimer = undefined;
    const arrived = [...this.#arrived];
    this.#arrived.clear();
    for (const [serverId, list] of arrived) {
      for (const published of coalesce(list)) {
        const previous = this.#chains.get(serverId) ?? Promise.resolve();
        const next = previous
          .then(() => this.#handle(serverId, published.seq, published.events))
          .catch((error) => log.error(`events of server ${serverId}: ${errorMessage(error)}`));
        this.#chains.set(serverId, next);
        next.finally(() => {
          if (this.#chains.get(serverId) === next) this.#chains.delete(serverId);
        });
      }
    }
  }

  #refused(channel: string, role: string | undefined): void {
    const key = `${role}\t${channel}`;
    if (this.#warned.has(key) || this.#warned.size >= MAX_WARNED) return;
    this.#warned.add(key);
    log.warn(
      `a notification on ${channel} from database role ${role ?? "(unknown)"}, which may not speak for ` +
        `that server, is taken as a wake-up only (warned once)`,
    );
  }

  async #handle(
    serverId: number,
    claimed: number | undefined,
    events: LogEvent[] | undefined,
  ): Promise<void> {
    const userId = await this.#owner(serverId);
    if (userId === null) return;
    const subscribers = this.#byUser.get(userId);
    if (!subscribers || subscribers.size === 0) return;
    // An untrusted wake-up: how far the log reaches is the log's to say.
    const seq = claimed ?? (await eventHeads(this.#db, [serverId])).get(serverId) ?? 0;
    if (events) {
      const started = performance.now();
      for (const s of [...subscribers]) s.deliver(serverId, seq, events);
      this.#charge(started, subscribers.size);
      return;
    }
    let from: number | undefined;
    for (const s of [...subscribers]) {
      const position = s.position(serverId);
      if (position === undefined) s.deliver(serverId, seq, undefined);
      else from = from === undefined ? position : Math.min(from, position);
    }
    while (from !== undefined && from < seq) {
      const page = await readEvents(this.#db, serverId, from, FEED_PAGE);
      if (page.length === 0) break;
      const current = this.#byUser.get(userId);
      if (!current) break;
      const started = performance.now();
      for (const s of [...current]) if (s.position(serverId) !== undefined) s.deliver(serverId, seq, page);
      this.#charge(started, current.size);
      from = page[page.length - 1].seq;
      if (page.length < FEED_PAGE) break;
    }
  }

  // Reckons the time of `writes` chunk writes, begun at `started`.
  #charge(started: number, writes: number): void {
    this.#busyUntil = Math.max(this.#busyUntil, started) + writes * WRITE_COST_MS;
  }

  async #owner(serverId: number): Promise<number | null> {
    const known = this.#owners.get(serverId);
    if (known !== undefined) return known;
    const row = await this.#db.selectFrom("servers").select("user_id").where("id", "=", serverId)
      .executeTakeFirst();
    // A server never changes hands; a deleted one is remembered as nobody's.
    const owner = row?.user_id ?? null;
    this.#owners.set(serverId, owner);
    return owner;
  }
}

// Joins runs of one server's notifications that carry their events into
// one (a wake-up, which carries none, stays on its own between them).
function coalesce(list: Arrival[]): Arrival[] {
  if (list.length === 1) return list;
  const out: Arrival[] = [];
  for (const published of list) {
    const last = out.at(-1);
    if (last?.events && published.events) {
      const seq = Math.max(last.seq, published.seq);
      out[out.length - 1] = { serverId: last.serverId, seq, events: [...last.events, ...published.events] };
    } else out.push(published);
  }
  return out;
}

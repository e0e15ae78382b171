/**
 * The web process's one receiver of server events, fanning them out to the
 * live streams of each server's user.
 *
 * It subscribes once to every `server_<id>_*` bus channel. A message
 * carrying its events is handed to the owner's streams as is; a bare
 * wake-up (a batch too big to travel in a notification) is read from the
 * log once for all of them, from the oldest position among them. Streams
 * still setting up (no position yet) get the wake-up and read what they
 * need themselves. Each server's messages are handled in order.
 *
 * When the bus listens again after losing its connection, every stream is
 * told to re-read its servers' logs: notifications are not kept for a
 * listener that was away.
 *
 * @module
 */
import type { Db } from "./db/database.ts";
import { type LogEvent, parsePublished, readEvents, SERVER_CHANNEL_PREFIX } from "./eventLog.ts";
import { errorMessage, logger } from "./log.ts";
import type { ServiceBus } from "./serviceBus.ts";

/** Rows read from the log per query. */
export const FEED_PAGE = 1000;

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
}

const log = logger("feed");

/** Routes server events from the bus to the streams of their users. */
export class EventFeed {
  readonly #db: Db;
  readonly #byUser = new Map<number, Set<FeedSubscriber>>();
  readonly #owners = new Map<number, number | null>();
  readonly #chains = new Map<number, Promise<void>>();
  readonly #unsubscribe: (() => void)[];

  /** Starts listening on `bus`. */
  constructor(db: Db, bus: ServiceBus) {
    this.#db = db;
    this.#unsubscribe = [
      bus.subscribePrefix(SERVER_CHANNEL_PREFIX, (channel, data) => this.#receive(channel, data)),
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
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #receive(channel: string, data: unknown): void {
    const published = parsePublished(channel, data);
    if (!published) return;
    const { serverId } = published;
    // Nobody here watches any server: skip the owner lookup entirely.
    if (this.#byUser.size === 0) return;
    const previous = this.#chains.get(serverId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#handle(published.serverId, published.seq, published.events))
      .catch((error) => log.error(`events of server ${serverId}: ${errorMessage(error)}`));
    this.#chains.set(serverId, next);
    next.finally(() => {
      if (this.#chains.get(serverId) === next) this.#chains.delete(serverId);
    });
  }

  async #handle(serverId: number, seq: number, events: LogEvent[] | undefined): Promise<void> {
    const userId = await this.#owner(serverId);
    if (userId === null) return;
    const subscribers = this.#byUser.get(userId);
    if (!subscribers || subscribers.size === 0) return;
    if (events) {
      for (const s of [...subscribers]) s.deliver(serverId, seq, events);
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
      for (const s of [...current]) if (s.position(serverId) !== undefined) s.deliver(serverId, seq, page);
      from = page[page.length - 1].seq;
      if (page.length < FEED_PAGE) break;
    }
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

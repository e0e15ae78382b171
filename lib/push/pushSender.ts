/**
 * The web process's Web Push sender: it follows the live events of every
 * user with a push subscription (a watcher on the event feed) and pushes
 * the lines that notify them (`notifyRule.ts`) that no open session has
 * seen: at once when none of their streams is open, else after a short
 * delay, unless the window's read marker has passed the line meanwhile.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { EventFeed, FeedSubscriber } from "../events/eventFeed.ts";
import { eventHeads, readEvents, userEventHeads } from "../events/eventLog.ts";
import type { LogEvent } from "../events/wireFormat.ts";
import { ignoreMatcher, listIgnores } from "../ignores.ts";
import type { TargetPolicy } from "../ircTargets.ts";
import { errorMessage, logger } from "../log.ts";
import type { MessageJson } from "../messages.ts";
import { findServer } from "../servers.ts";
import type { ServiceBus, Unsubscribe } from "../serviceBus.ts";
import { isSaid } from "../unread.ts";
import { getNotifyLevels, getUserSettings } from "../userSettings.ts";
import { type NotifyContext, worthNotifying } from "./notifyRule.ts";
import { pushPayload } from "./pushPayload.ts";
import { sendPush } from "./pushDelivery.ts";
import { endpointRefusal, pushTargetPolicy } from "./pushTargets.ts";
import { forgetEndpoint, userSubscriptions, usersWithSubscriptions } from "./subscriptions.ts";
import { type VapidKeys, vapidKeys } from "./vapid.ts";

/**
 * The bus channel that says a user's subscriptions changed (`{"user_id": n}`),
 * so that the sender of every app instance follows that user, or stops.
 */
export const PUSH_SUBSCRIPTIONS_CHANNEL = "push_subscriptions";
/** How long a line waits, while one of the user's streams is open, for the user to read it. */
export const DEFAULT_SEEN_DELAY_MS = 15_000;
/** The setting that changes {@link DEFAULT_SEEN_DELAY_MS} (tests shorten it). */
export const SEEN_DELAY_ENV = "PUSH_SEEN_DELAY_MS";
/** How long a push service keeps a push for a browser that is away, in seconds: a day. */
export const DEFAULT_PUSH_TTL_SECONDS = 86_400;
/** Most pushes to one user in a minute; a flood in a window set to "every line" goes no further. */
export const MAX_PUSHES_PER_MINUTE = 30;
// Lines waiting for their delay, at most, in the whole process.
const MAX_WAITING = 1000;
// How long what a server's lines are judged by is kept, ms.
const CONTEXT_TTL_MS = 5000;
// How often pushed lines older than a day are forgotten.
const CLAIM_PRUNE_MS = 60 * 60_000;
// Events read from the log per query when filling a gap.
const GAP_PAGE = 500;

/** What became of a line said in a window of a user with push on (for logs and tests). */
export type PushDecision = {
  userId: number;
  messageId: number;
  outcome:
    /** Not one the user is notified of (their own, not a mention, the window's level). */
    | "quiet"
    /** From an ignored nick. */
    | "ignored"
    /** Read on one of the user's open sessions within the delay. */
    | "seen"
    /** Beyond {@link MAX_PUSHES_PER_MINUTE}, or too many lines waiting. */
    | "dropped"
    /** Pushed already, by another app instance on the database. */
    | "claimed"
    /** Pushed: how many subscriptions took it, were gone (and forgotten), failed. */
    | "pushed";
  sent?: number;
  gone?: number;
  failed?: number;
};

/** Options of {@link PushSender.start}. */
export interface PushSenderOptions {
  db: Db;
  /** The feed the live streams register with: it says which users have one open. */
  feed: EventFeed;
  bus: ServiceBus;
  /** The VAPID subject: a `mailto:` or `https:` URL of the operator. */
  subject: string;
  /** Where endpoints may be besides public addresses; `ALLOWED_PUSH_TARGETS` by default. */
  targets?: TargetPolicy;
  /** {@link DEFAULT_SEEN_DELAY_MS} unless given, or set by `PUSH_SEEN_DELAY_MS` ({@link seenDelayFromEnv}). */
  seenDelayMs?: number;
  ttlSeconds?: number;
  /** Called with each decision. */
  onDecision?: (decision: PushDecision) => void;
}

// What a server's lines are judged by.
interface ServerContext extends NotifyContext {
  userId: number;
  ignored: (sender: string | null) => boolean;
}

const log = logger("push");

/** Pushes what notifies users to their browsers while no session of theirs has seen it. */
export class PushSender {
  readonly #db: Db;
  readonly #feed: EventFeed;
  readonly #vapid: VapidKeys;
  readonly #subject: string;
  readonly #targets: TargetPolicy;
  readonly #seenDelayMs: number;
  readonly #ttlSeconds: number;
  readonly #onDecision: ((decision: PushDecision) => void) | undefined;
  readonly #watches = new Map<number, UserWatch>();
  readonly #contexts = new Map<number, { expires: number; context: Promise<ServerContext | undefined> }>();
  readonly #recent = new Map<number, number[]>();
  #prunedAt = 0;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #unsubscribe: Unsubscribe[] = [];
  // Users being looked at again, one look at a time each.
  readonly #refreshing = new Map<number, Promise<void>>();
  #closed = false;

  private constructor(options: PushSenderOptions, vapid: VapidKeys) {
    this.#db = options.db;
    this.#feed = options.feed;
    this.#vapid = vapid;
    this.#subject = options.subject;
    this.#targets = options.targets ?? pushTargetPolicy();
    this.#seenDelayMs = options.seenDelayMs ?? seenDelayFromEnv();
    this.#ttlSeconds = options.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
    this.#onDecision = options.onDecision;
  }

  /** Loads (or makes) the VAPID keys, and follows every user who has a subscription. */
  static async start(options: PushSenderOptions): Promise<PushSender> {
    const sender = new PushSender(options, await vapidKeys(options.db));
    sender.#unsubscribe.push(
      options.bus.subscribe(PUSH_SUBSCRIPTIONS_CHANNEL, (data) => {
        // Any login may notify: the id only makes the sender look at the database again.
        const userId = typeof data === "object" && data !== null && "user_id" in data
          ? data.user_id
          : undefined;
        if (typeof userId === "number" && Number.isSafeInteger(userId)) void sender.refreshUser(userId);
      }),
      // Changes announced while the bus was away are lost: look at everyone again.
      options.bus.onResync(() => void sender.#refreshAll()),
    );
    await sender.#refreshAll();
    return sender;
  }

  /** The public VAPID key browsers subscribe with. */
  get publicKey(): string {
    return this.#vapid.publicKey;
  }

  /** Users followed now. */
  get watchedUsers(): number[] {
    return [...this.#watches.keys()];
  }

  /** Follows `userId` if they have a subscription now, else stops; resolves once done. */
  refreshUser(userId: number): Promise<void> {
    const previous = this.#refreshing.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (this.#closed) return;
      const has = (await userSubscriptions(this.#db, userId)).length > 0;
      const watch = this.#watches.get(userId);
      if (has && !watch) {
        const started = await UserWatch.start(this.#db, this.#feed, userId, (m) => this.#consider(userId, m));
        if (this.#closed || this.#watches.has(userId)) started.stop();
        else {
          this.#watches.set(userId, started);
          log.debug(`following user ${userId}`);
        }
      } else if (!has && watch) {
        watch.stop();
        this.#watches.delete(userId);
        log.debug(`no longer following user ${userId}`);
      }
    }).catch((error) => log.error(`push subscriptions of user ${userId}: ${errorMessage(error)}`));
    this.#refreshing.set(userId, next);
    next.finally(() => {
      if (this.#refreshing.get(userId) === next) this.#refreshing.delete(userId);
    });
    return next;
  }

  /** Stops following anyone; lines waiting for their delay are not pushed. */
  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    for (const watch of this.#watches.values()) watch.stop();
    this.#watches.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #refreshAll(): Promise<void> {
    const users = new Set([...await usersWithSubscriptions(this.#db), ...this.#watches.keys()]);
    await Promise.all([...users].map((id) => this.refreshUser(id)));
  }

  #decide(decision: PushDecision): void {
    log.debug(`message ${decision.messageId} of user ${decision.userId}: ${decision.outcome}`);
    if (decision.outcome === "pushed" && decision.failed) {
      log.warn(`push of message ${decision.messageId} failed for ${decision.failed} subscription(s)`);
    }
    this.#onDecision?.(decision);
  }

  // Judges one stored line of a window of `userId`.
  async #consider(userId: number, message: MessageJson): Promise<void> {
    if (message.target === null || !isSaid(message.message_type)) return;
    const context = await this.#context(message.server_id);
    if (!context || context.userId !== userId) return;
    const base = { userId, messageId: message.id };
    if (!worthNotifying(message, context)) return this.#decide({ ...base, outcome: "quiet" });
    if (context.ignored(message.sender)) return this.#decide({ ...base, outcome: "ignored" });
    const withTarget = { ...message, target: message.target };
    // Sent aside: a slow push service must not hold the user's next lines up.
    if (this.#feed.openStreams(userId) === 0) return void this.#pushAside(userId, withTarget, context);
    // A session is open: if the user reads the window meanwhile, they saw it.
    if (this.#timers.size >= MAX_WAITING) return this.#decide({ ...base, outcome: "dropped" });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#readPast(message.server_id, message.target!, message.id).then((seen) => {
        if (this.#closed) return;
        if (seen) this.#decide({ ...base, outcome: "seen" });
        else return this.#pushAside(userId, withTarget, context);
      }).catch((error) => log.error(`push of message ${message.id}: ${errorMessage(error)}`));
    }, this.#seenDelayMs);
    this.#timers.add(timer);
  }

  async #readPast(serverId: number, target: string, messageId: number): Promise<boolean> {
    const row = await this.#db.selectFrom("read_markers").select("last_read_id")
      .where("server_id", "=", serverId).where("target", "=", target.toLowerCase()).executeTakeFirst();
    return row !== undefined && Number(row.last_read_id) >= messageId;
  }

  #pushAside(
    userId: number,
    message: MessageJson & { target: string },
    context: ServerContext,
  ): Promise<void> {
    return this.#push(userId, message, context).catch((error) =>
      log.error(`push of message ${message.id}: ${errorMessage(error)}`)
    );
  }

  async #push(
    userId: number,
    message: MessageJson & { target: string },
    context: ServerContext,
  ): Promise<void> {
    const base = { userId, messageId: message.id };
    if (!this.#withinRate(userId)) return this.#decide({ ...base, outcome: "dropped" });
    if (!await this.#claim(userId, message.id)) return this.#decide({ ...base, outcome: "claimed" });
    const payload = JSON.stringify(pushPayload(message, context.serverName));
    let sent = 0, gone = 0, failed = 0;
    await Promise.all((await userSubscriptions(this.#db, userId)).map(async (subscription) => {
      const refused = await endpointRefusal(subscription.endpoint, this.#targets);
      if (refused !== undefined) {
        failed++;
        log.warn(`push to ${new URL(subscription.endpoint).host} not sent: ${refused}`);
        return;
      }
      const result = await sendPush(subscription, payload, {
        vapid: this.#vapid,
        subject: this.#subject,
        ttlSeconds: this.#ttlSeconds,
        urgency: "high",
      });
      if (result.kind === "sent") sent++;
      else if (result.kind === "gone") {
        gone++;
        await forgetEndpoint(this.#db, subscription.endpoint);
      } else {
        failed++;
        log.warn(`push to ${new URL(subscription.endpoint).host}: ${result.error}`);
      }
    }));
    if (gone > 0) await this.refreshUser(userId);
    this.#decide({ ...base, outcome: "pushed", sent, gone, failed });
  }

  // Whether this instance is the one to push the line: the first to insert its row.
  async #claim(userId: number, messageId: number): Promise<boolean> {
    const now = Date.now();
    if (now - this.#prunedAt > CLAIM_PRUNE_MS) {
      this.#prunedAt = now;
      await sql`delete from push_claims where claimed_at < now() - interval '1 day'`.execute(this.#db);
    }
    const { rows } = await sql<{ claimed: number }>`
      insert into push_claims (user_id, message_id) values (${userId}, ${messageId})
      on conflict do nothing returning 1 as claimed`.execute(this.#db);
    return rows.length === 1;
  }

  #withinRate(userId: number): boolean {
    const now = Date.now();
    const recent = (this.#recent.get(userId) ?? []).filter((at) => at > now - 60_000);
    if (recent.length >= MAX_PUSHES_PER_MINUTE) return false;
    recent.push(now);
    this.#recent.set(userId, recent);
    return true;
  }

  // The nick, words, levels and ignores a server's lines are judged by, kept a few seconds.
  #context(serverId: number): Promise<ServerContext | undefined> {
    const now = Date.now();
    const known = this.#contexts.get(serverId);
    if (known && known.expires > now) return known.context;
    const context = this.#loadContext(serverId);
    this.#contexts.set(serverId, { expires: now + CONTEXT_TTL_MS, context });
    context.catch(() => this.#contexts.delete(serverId));
    return context;
  }

  async #loadContext(serverId: number): Promise<ServerContext | undefined> {
    const server = await findServer(this.#db, serverId);
    if (!server) return undefined;
    const [settings, levels, ignores] = await Promise.all([
      getUserSettings(this.#db, server.user_id),
      getNotifyLevels(this.#db, [serverId]),
      listIgnores(this.#db, serverId),
    ]);
    return {
      userId: server.user_id,
      nick: server.current_nickname ?? server.nickname,
      words: settings.highlightWords,
      levels,
      serverName: server.name,
      ignored: ignoreMatcher(ignores),
    };
  }
}

/**
 * `PUSH_SEEN_DELAY_MS` from `env`, in ms, or {@link DEFAULT_SEEN_DELAY_MS}
 * when unset or empty.
 *
 * @throws Error naming the variable for a value that is not a whole number from 1 up.
 */
export function seenDelayFromEnv(env: (name: string) => string | undefined = Deno.env.get): number {
  const text = env(SEEN_DELAY_ENV);
  if (text === undefined || text === "") return DEFAULT_SEEN_DELAY_MS;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) {
    throw new Error(
      `${SEEN_DELAY_ENV} must be a whole number of milliseconds from 1 up, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text);
}

// One user's events, as the feed hands them to a stream: in order per
// server, each line once, a gap read from the log.
class UserWatch implements FeedSubscriber {
  readonly watcher = true;
  readonly userId: number;
  readonly #db: Db;
  readonly #positions: Map<number, number>;
  readonly #onMessage: (message: MessageJson) => Promise<void>;
  #chain: Promise<void> = Promise.resolve();
  #remove: (() => void) | undefined;
  #stopped = false;

  private constructor(
    db: Db,
    userId: number,
    positions: Map<number, number>,
    onMessage: (message: MessageJson) => Promise<void>,
  ) {
    this.#db = db;
    this.userId = userId;
    this.#positions = positions;
    this.#onMessage = onMessage;
  }

  // From the log's heads on: what came before was there before push was.
  // Read before registering, so an event between the two is a gap the
  // next event fills, not a line skipped for good.
  static async start(
    db: Db,
    feed: EventFeed,
    userId: number,
    onMessage: (message: MessageJson) => Promise<void>,
  ): Promise<UserWatch> {
    const watch = new UserWatch(db, userId, await userEventHeads(db, userId), onMessage);
    watch.#remove = feed.add(watch);
    return watch;
  }

  position(serverId: number): number | undefined {
    return this.#positions.get(serverId);
  }

  deliver(serverId: number, seq: number, events: LogEvent[] | undefined): void {
    this.#then(async () => {
      const position = this.#positions.get(serverId);
      if (position === undefined) {
        // A server new since the watch began: its events from here on.
        for (const event of events ?? []) await this.#handle(event);
        this.#positions.set(serverId, Math.max(seq, ...(events ?? []).map((e) => e.seq)));
        return;
      }
      const fresh = (events ?? []).filter((e) => e.seq > position);
      const upTo = events === undefined ? seq : (fresh[0]?.seq ?? position + 1) - 1;
      await this.#catchUp(serverId, upTo);
      for (const event of fresh) {
        if (event.seq <= (this.#positions.get(serverId) ?? 0)) continue;
        await this.#handle(event);
        this.#positions.set(serverId, event.seq);
      }
    });
  }

  resync(): void {
    this.#then(async () => {
      const heads = await eventHeads(this.#db, [...this.#positions.keys()]);
      for (const [serverId, head] of heads) await this.#catchUp(serverId, head);
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#remove?.();
  }

  // Reads and handles the log of `serverId` from the position up to `upTo`.
  async #catchUp(serverId: number, upTo: number): Promise<void> {
    let from = this.#positions.get(serverId) ?? upTo;
    while (from < upTo && !this.#stopped) {
      const page = await readEvents(this.#db, serverId, from, GAP_PAGE);
      if (page.length === 0) break;
      for (const event of page) if (event.seq <= upTo) await this.#handle(event);
      from = Math.min(upTo, page[page.length - 1].seq);
      this.#positions.set(serverId, from);
      if (page.length < GAP_PAGE) break;
    }
  }

  async #handle(event: LogEvent): Promise<void> {
    if (event.event === "message" && !this.#stopped) await this.#onMessage(event.data);
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((error) =>
      log.error(`events of user ${this.userId}: ${errorMessage(error)}`)
    );
  }
}

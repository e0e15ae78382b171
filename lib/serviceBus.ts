/**
 * The service bus (docs/api.md, "Service bus"): `publish(channel, data)` and
 * `subscribe(channel, callback)` reaching subscribers in every process of the
 * app, in this isolate directly, other isolates by `BroadcastChannel`, other
 * processes by PostgreSQL `NOTIFY` (docs/architecture.md, "The service bus").
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { errorMessage, logger } from "./log.ts";
import { SenderRoles } from "./events/senderRoles.ts";
import { isServerPgChannel, serverIdOfChannel, SERVERS_CHANNEL } from "./events/busChannels.ts";
import { checkChannel, fitsNotify, frameHeader, parseFrame } from "./events/busFrame.ts";
import { BusPayloads } from "./events/busPayloads.ts";
import { BusSubscribers } from "./events/busSubscribers.ts";
import { BusListener } from "./events/busListener.ts";
import { ServerPgChannels } from "./events/serverPgChannels.ts";

/** The PostgreSQL channel of everything but servers' events (see the module's notes). */
export const PG_CHANNEL = "ircweb_bus";
const BROADCAST_NAME = "ircweb-bus";
const SEEN_IDS = 4096;

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * Who sent a message: this process (an isolate of it), or the database role
 * of the backend that sent its notification (`undefined` when it could not
 * be told, such as a backend gone by the time it was asked).
 */
export type BusSender = { local: true } | { local: false; role: string | undefined };

const LOCAL: BusSender = { local: true };

/** Options of {@link ServiceBus}. */
export interface ServiceBusOptions {
  /** PostgreSQL URL: the bus opens its own listening connection there. */
  url: string;
  /** The process's pool, used to send notifications and store big payloads. */
  db: Db;
  /** Name shown in `pg_stat_activity` for the listening connection. */
  applicationName?: string;
  /**
   * Makes this the process's bus, the one behind the static
   * {@link ServiceBus.publish} and {@link ServiceBus.subscribe} of the
   * contract (docs/api.md); the app's own modules are handed their bus.
   */
  processBus?: boolean;
  /**
   * Makes this the bus of the worker of `serverId`: it publishes that
   * server's channels only (anything else throws), on `pgChannel` (the name
   * the app gave it, `WORKER_BUS_CHANNEL_ENV`), and cannot subscribe.
   * Without `pgChannel` it works the name out as the app does, which only
   * the app's login may (tests start workers so).
   */
  worker?: { serverId: number; pgChannel?: string };
}

const log = logger("bus");
let processBus: ServiceBus | undefined;

/** Publish/subscribe across the isolates and processes of the app. */
export class ServiceBus {
  readonly #db: Db;
  // Unique per bus, so the bus can recognise its own notifications.
  readonly #origin = crypto.randomUUID().slice(0, 13);
  #counter = 0;
  readonly #subscribers = new BusSubscribers();
  readonly #senderRoles: SenderRoles;
  readonly #payloads: BusPayloads;
  readonly #channels: ServerPgChannels;
  readonly #listener: BusListener;
  // Notifications waiting for their sender's role, delivered in order.
  readonly #inbound: { pid: number; text: string }[] = [];
  #draining = false;
  readonly #resyncHooks = new Set<() => void>();
  readonly #seen = new Set<string>();
  #broadcast: BroadcastChannel | undefined;
  #closed = false;
  readonly #worker: { serverId: number } | undefined;

  /** A bus on the database of `options`. */
  constructor(options: ServiceBusOptions) {
    this.#db = options.db;
    this.#senderRoles = new SenderRoles(options.db);
    this.#payloads = new BusPayloads(options.db);
    this.#channels = new ServerPgChannels(options.db);
    this.#listener = new BusListener({
      url: options.url,
      applicationName: options.applicationName ?? "ircweb-bus",
      pgChannel: PG_CHANNEL,
      channels: this.#channels,
      subscribedServers: () => this.#subscribers.servers(),
      onNotification: (pid, pgChannel, payload) => this.#fromDatabase(pid, pgChannel, payload),
      onListening: () => this.#resync(),
    });
    if (options.worker) {
      const { serverId, pgChannel } = options.worker;
      this.#worker = { serverId };
      if (pgChannel !== undefined) {
        if (!isServerPgChannel(pgChannel, serverId)) {
          throw new Error(`Not a bus channel of server ${serverId}`);
        }
        this.#channels.remember(serverId, pgChannel);
      }
    }
    if (options.processBus) processBus = this;
    this.#broadcast = new BroadcastChannel(BROADCAST_NAME);
    this.#broadcast.onmessage = (event: MessageEvent) => {
      if (typeof event.data === "string") this.#receive(event.data, LOCAL);
    };
  }

  /** Publishes on the process's bus (`ServiceBus.publish` in docs/api.md; see {@link ServiceBusOptions.processBus}). */
  static publish(channel: string, data: unknown): Promise<void> {
    return ServiceBus.#current().publish(channel, data);
  }

  /** Subscribes on the process's bus (`ServiceBus.subscribe` in docs/api.md). */
  static subscribe<T = unknown>(
    channel: string,
    callback: (data: T, sender: BusSender) => void,
  ): Unsubscribe {
    return ServiceBus.#current().subscribe(channel, callback);
  }

  static #current(): ServiceBus {
    if (!processBus) throw new Error("ServiceBus is not started in this process");
    return processBus;
  }

  /**
   * Sends `data` (anything `JSON.stringify` takes) to every subscriber of
   * `channel` in every process. Subscribers in this isolate are called
   * before it returns; it resolves once PostgreSQL has taken the
   * notification, and rejects when it could not (the local delivery stands).
   */
  async publish(channel: string, data: unknown): Promise<void> {
    const pgChannel = await this.#pgChannelOf(channel);
    const message = await this.#prepare(this.#db, channel, data);
    this.#deliverHere(message);
    await sql`select pg_notify(${pgChannel}, ${message.notify})`.execute(this.#db);
  }

  /**
   * Sends the notification of `data` inside the transaction `trx`, so that
   * other processes hear it exactly when (and only if) the transaction
   * commits. Returns the local delivery, to call after the commit.
   */
  async publishWithin(trx: Db, channel: string, data: unknown): Promise<() => void> {
    const pgChannel = await this.#pgChannelOf(channel);
    const message = await this.#prepare(trx, channel, data);
    await sql`select pg_notify(${pgChannel}, ${message.notify})`.execute(trx);
    return () => this.#deliverHere(message);
  }

  /**
   * For a statement that sends its own notification, committed with its
   * writes and without a round trip of its own: `header` goes before the
   * data's JSON in `pg_notify(pgChannel, header || json)` (the statement
   * keeps the whole within `MAX_NOTIFY_BYTES` of `events/busFrame.ts`); `deliverHere` hands
   * that JSON to this process's subscribers, to call after the commit.
   */
  inlineNotification(channel: string): InlineNotification {
    checkChannel(channel);
    const pgChannel = this.#pgChannelOf(channel);
    // Awaited by the statement; a key that could not be read fails it there.
    if (pgChannel instanceof Promise) pgChannel.catch(() => {});
    const id = `${this.#origin}\t${++this.#counter}`;
    const header = frameHeader(channel, id);
    return {
      header,
      pgChannel,
      deliverHere: (dataJson) =>
        this.#deliverHere({ channel, id, dataJson, wire: header + dataJson, notify: "" }),
    };
  }

  /** Calls `callback` with each message published on `channel`, and who sent it. */
  subscribe<T = unknown>(channel: string, callback: (data: T, sender: BusSender) => void): Unsubscribe {
    checkChannel(channel);
    this.#assertListens();
    const serverId = serverIdOfChannel(channel);
    // The data is only what JSON.parse made of the wire: subscribers validate it.
    const unsubscribe = this.#subscribers.add(
      channel,
      callback as (data: unknown, sender: BusSender) => void,
    );
    this.#listener.start();
    // A server's channel is listened to whether or not the server exists.
    if (serverId !== undefined) void this.#listener.listenServer(serverId);
    return unsubscribe;
  }

  /** Calls `callback` with each message on any channel whose name starts with `prefix`, and who sent it. */
  subscribePrefix<T = unknown>(
    prefix: string,
    callback: (channel: string, data: T, sender: BusSender) => void,
  ): Unsubscribe {
    this.#assertListens();
    const unsubscribe = this.#subscribers.addPrefix(
      prefix,
      callback as (channel: string, data: unknown, sender: BusSender) => void,
    );
    this.#listener.start();
    return unsubscribe;
  }

  /**
   * Calls `hook` each time the listening connection is (re)established:
   * messages published while it was down are lost, so re-read the state.
   */
  onResync(hook: () => void): Unsubscribe {
    this.#resyncHooks.add(hook);
    return () => this.#resyncHooks.delete(hook);
  }

  /** Whether messages from other processes are being received now. */
  get listening(): boolean {
    return this.#listener.listening;
  }

  /**
   * Resolves once the bus receives messages from other processes, on every
   * channel it was asked to listen to so far. A worker's bus listens to
   * nothing: it resolves once it knows where its server's channels go.
   */
  async ready(): Promise<void> {
    if (this.#worker) {
      await this.#pgChannelOf(`server_${this.#worker.serverId}_status`);
      return;
    }
    await this.#listener.ready();
  }

  /**
   * The PostgreSQL channel the worker of `serverId` is to notify on (its
   * `WORKER_BUS_CHANNEL_ENV`), once this bus listens on it, so that nothing
   * the worker says is missed. The app's bus only.
   */
  async workerChannel(serverId: number): Promise<string> {
    if (this.#worker) throw new Error("A worker's bus cannot name other workers' channels");
    const name = await this.#channels.of(serverId);
    this.#listener.start();
    await this.#listener.listenServer(serverId);
    return name;
  }

  /** Closes the listening connection and the broadcast channel. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (processBus === this) processBus = undefined;
    this.#broadcast?.close();
    this.#broadcast = undefined;
    await this.#listener.close();
  }

  // Builds the wire text: a header line, then the data's JSON (absent when
  // it travels by reference).
  async #prepare(executor: Db, channel: string, data: unknown): Promise<Prepared> {
    checkChannel(channel);
    const dataJson = JSON.stringify(data ?? null);
    const id = `${this.#origin}\t${++this.#counter}`;
    const inline = frameHeader(channel, id) + dataJson;
    if (fitsNotify(inline)) {
      return { channel, id, dataJson, wire: inline, notify: inline };
    }
    const ref = await this.#payloads.store(executor, dataJson);
    return { channel, id, dataJson, wire: inline, notify: frameHeader(channel, id, ref) };
  }

  #deliverHere(message: Prepared): void {
    if (this.#closed) return;
    this.#subscribers.deliver(message.channel, message.dataJson, LOCAL);
    try {
      this.#broadcast?.postMessage(message.wire);
    } catch (error) {
      log.warn(`broadcast: ${errorMessage(error)}`);
    }
  }

  #resync(): void {
    for (const hook of [...this.#resyncHooks]) {
      try {
        hook();
      } catch (error) {
        log.error(`a resync hook failed: ${errorMessage(error)}`);
      }
    }
  }

  // A notification from backend `pid` on PostgreSQL channel `pgChannel`:
  // handled once its sender's role is known, in the order they came (a
  // cached role costs no wait). A server's channel carries that server's
  // bus channels only.
  #fromDatabase(pid: number, pgChannel: string, text: string): void {
    if (pgChannel === PG_CHANNEL) {
      if (text.startsWith(`${SERVERS_CHANNEL}\t`)) this.#serverAnnounced(text);
    } else if (!this.#ofServer(text, this.#channels.serverOf(pgChannel))) return;
    if (!this.#wanted(text)) return;
    this.#inbound.push({ pid, text });
    if (!this.#draining) this.#drainInbound();
  }

  async #drainInbound(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#inbound.length > 0 && !this.#closed) {
        const { pid, text } = this.#inbound[0];
        const role = this.#senderRoles.cached(pid) ?? await this.#senderRoles.lookup(pid);
        this.#inbound.shift();
        this.#receive(text, { local: false, role });
      }
    } finally {
      this.#draining = false;
    }
  }

  // Whether a message may be for a subscriber here (not its own, not seen yet).
  #wanted(text: string): boolean {
    const frame = parseFrame(text);
    if (!frame || frame.origin === this.#origin) return false;
    return !this.#seen.has(`${frame.origin}\t${frame.counter}`) && this.#subscribers.has(frame.channel);
  }

  // Handles a message from another isolate (always inline) or from
  // PostgreSQL (inline or by reference).
  #receive(text: string, sender: BusSender): void {
    const frame = parseFrame(text);
    if (!frame || frame.origin === this.#origin) return;
    const { channel, ref } = frame;
    const key = `${frame.origin}\t${frame.counter}`;
    if (this.#seen.has(key)) return; // heard from another isolate and from PostgreSQL
    this.#seen.add(key);
    if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value!);
    if (!this.#subscribers.has(channel)) return;
    if (!ref) {
      this.#subscribers.deliver(channel, frame.body, sender);
      return;
    }
    this.#payloads.load(ref)
      .then((data) => {
        if (data !== undefined) this.#subscribers.deliver(channel, data, sender);
        else log.warn(`payload ${ref} of ${channel} is gone`);
      })
      .catch((error) => log.error(`could not load payload ${ref} of ${channel}: ${errorMessage(error)}`));
  }

  // Where `channel` travels: ircweb_bus, or its server's own channel (a
  // string once known, so the event path awaits nothing new).
  #pgChannelOf(channel: string): string | Promise<string> {
    const serverId = serverIdOfChannel(channel);
    if (this.#worker && serverId !== this.#worker.serverId) {
      const own = this.#worker.serverId;
      throw new Error(
        `A worker's bus publishes only its server's channels (server_${own}_*), not ${channel}`,
      );
    }
    if (serverId === undefined) return PG_CHANNEL;
    return this.#channels.known(serverId) ?? this.#channels.of(serverId);
  }

  #assertListens(): void {
    if (this.#worker) {
      throw new Error("A worker's bus listens to nothing: it would hear no other server's channel anyway");
    }
  }

  // Whether the notification `text` is of one of `serverId`'s bus channels.
  #ofServer(text: string, serverId: number | undefined): boolean {
    if (serverId === undefined) return false;
    const tab = text.indexOf("\t");
    try {
      return tab !== -1 && serverIdOfChannel(text.slice(0, tab)) === serverId;
    } catch {
      return false;
    }
  }

  // The database said a server was created or deleted (a trigger of
  // migration 0014): listen to its channel, or stop. What it says is
  // checked against the table, as any login may notify.
  #serverAnnounced(text: string): void {
    const newline = text.indexOf("\n");
    let data: unknown;
    try {
      data = JSON.parse(text.slice(newline + 1));
    } catch {
      return;
    }
    if (typeof data !== "object" || data === null) return;
    const { server_created: created, server_deleted: deleted } = data as Record<string, unknown>;
    if (isServerId(created)) void this.#listener.listenServer(created, true);
    else if (isServerId(deleted)) void this.#listener.unlistenServer(deleted);
  }
}

/** A notification a statement sends itself (see {@link ServiceBus.inlineNotification}). */
export interface InlineNotification {
  /** The wire header: `pg_notify(pgChannel, header || dataJson)`. */
  header: string;
  /** The PostgreSQL channel to notify on (a promise until the bus has worked it out once). */
  pgChannel: string | Promise<string>;
  /** Delivers `dataJson` to this process's own subscribers; call it after the commit. */
  deliverHere(dataJson: string): void;
}

interface Prepared {
  channel: string;
  id: string;
  dataJson: string;
  /** What other isolates get: always inline. */
  wire: string;
  /** What PostgreSQL carries: inline or a reference. */
  notify: string;
}

function isServerId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

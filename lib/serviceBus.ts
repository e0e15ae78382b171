/**
 * The service bus (docs/api.md, "Service bus"): `publish(channel, data)` and
 * `subscribe(channel, callback)` reaching subscribers in every process of the
 * app, in this isolate directly, other isolates by `BroadcastChannel`, other
 * processes by PostgreSQL `NOTIFY` (docs/architecture.md, "The service bus").
 *
 * @module
 */
import pg from "pg";
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { errorMessage, logger } from "./log.ts";
import { backoffDelay } from "./backoff.ts";
import { SenderRoles } from "./events/senderRoles.ts";
import {
  isServerPgChannel,
  readBusKey,
  serverIdOfChannel,
  serverPgChannel,
  SERVERS_CHANNEL,
} from "./events/busChannels.ts";

/** The PostgreSQL channel of everything but servers' events (see the module's notes). */
export const PG_CHANNEL = "ircweb_bus";
/** Largest NOTIFY payload sent inline; PostgreSQL refuses 8000 bytes and more. */
export const MAX_NOTIFY_BYTES = 7900;
const BROADCAST_NAME = "ircweb-bus";
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
// How often an idle listener checks its connection is alive, and how long
// referenced payloads are kept for receivers to load.
const PING_INTERVAL_MS = 15_000;
const PAYLOAD_TTL = "5 minutes";
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
  readonly #url: string;
  readonly #db: Db;
  readonly #applicationName: string;
  // Unique per bus, so the bus can recognise its own notifications.
  readonly #origin = crypto.randomUUID().slice(0, 13);
  #counter = 0;
  readonly #exact = new Map<string, Set<(data: unknown, sender: BusSender) => void>>();
  readonly #prefixes = new Map<string, Set<(channel: string, data: unknown, sender: BusSender) => void>>();
  readonly #senderRoles: SenderRoles;
  // Notifications waiting for their sender's role, delivered in order.
  readonly #inbound: { pid: number; text: string }[] = [];
  #draining = false;
  readonly #resyncHooks = new Set<() => void>();
  readonly #seen = new Set<string>();
  #broadcast: BroadcastChannel | undefined;
  #listener: pg.Client | undefined;
  #listening = false;
  #listenerStarted = false;
  #readyWaiters: (() => void)[] = [];
  #closed = false;
  #lastCleanup = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #worker: { serverId: number } | undefined;
  // The key of the servers' channel names, read once (app_secrets).
  #key: Promise<Uint8Array> | undefined;
  // Each server's PostgreSQL channel, worked out once, and back.
  readonly #pgChannels = new Map<number, string>();
  readonly #serverOfPgChannel = new Map<string, number>();
  // Servers whose channel the current listening connection listens on.
  #listened = new Set<number>();
  // LISTEN and UNLISTEN statements, one after the other (never rejects).
  #listenChain: Promise<void> = Promise.resolve();

  /** A bus on the database of `options`. */
  constructor(options: ServiceBusOptions) {
    this.#url = options.url;
    this.#db = options.db;
    this.#applicationName = options.applicationName ?? "ircweb-bus";
    this.#senderRoles = new SenderRoles(options.db);
    if (options.worker) {
      const { serverId, pgChannel } = options.worker;
      this.#worker = { serverId };
      if (pgChannel !== undefined) {
        if (!isServerPgChannel(pgChannel, serverId)) {
          throw new Error(`Not a bus channel of server ${serverId}`);
        }
        this.#remember(serverId, pgChannel);
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
   * keeps the whole within {@link MAX_NOTIFY_BYTES}); `deliverHere` hands
   * that JSON to this process's subscribers, to call after the commit.
   */
  inlineNotification(channel: string): InlineNotification {
    checkChannel(channel);
    const pgChannel = this.#pgChannelOf(channel);
    // Awaited by the statement; a key that could not be read fails it there.
    if (pgChannel instanceof Promise) pgChannel.catch(() => {});
    const id = `${this.#origin}\t${++this.#counter}`;
    const header = `${channel}\t${id}\t\n`;
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
    const callbacks = this.#exact.get(channel) ?? new Set();
    // The data is only what JSON.parse made of the wire: subscribers validate it.
    const entry = callback as (data: unknown, sender: BusSender) => void;
    callbacks.add(entry);
    this.#exact.set(channel, callbacks);
    this.#startListener();
    // A server's channel is listened to whether or not the server exists.
    if (serverId !== undefined) void this.#listenServer(serverId);
    return () => {
      callbacks.delete(entry);
      if (callbacks.size === 0) this.#exact.delete(channel);
    };
  }

  /** Calls `callback` with each message on any channel whose name starts with `prefix`, and who sent it. */
  subscribePrefix<T = unknown>(
    prefix: string,
    callback: (channel: string, data: T, sender: BusSender) => void,
  ): Unsubscribe {
    this.#assertListens();
    const callbacks = this.#prefixes.get(prefix) ?? new Set();
    const entry = callback as (channel: string, data: unknown, sender: BusSender) => void;
    callbacks.add(entry);
    this.#prefixes.set(prefix, callbacks);
    this.#startListener();
    return () => {
      callbacks.delete(entry);
      if (callbacks.size === 0) this.#prefixes.delete(prefix);
    };
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
    return this.#listening;
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
    this.#startListener();
    if (!this.#listening && !this.#closed) {
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
    await this.#listenChain;
  }

  /**
   * The PostgreSQL channel the worker of `serverId` is to notify on (its
   * `WORKER_BUS_CHANNEL_ENV`), once this bus listens on it, so that nothing
   * the worker says is missed. The app's bus only.
   */
  async workerChannel(serverId: number): Promise<string> {
    if (this.#worker) throw new Error("A worker's bus cannot name other workers' channels");
    const name = await this.#serverPgChannel(serverId);
    this.#startListener();
    await this.#listenServer(serverId);
    return name;
  }

  /** Closes the listening connection and the broadcast channel. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (processBus === this) processBus = undefined;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#retryTimer);
    this.#broadcast?.close();
    this.#broadcast = undefined;
    this.#listening = false;
    const client = this.#listener;
    this.#listener = undefined;
    await client?.end().catch(() => {});
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  // Builds the wire text: a header line `channel\torigin\tcounter\tref`,
  // then the data's JSON (absent when it travels by reference).
  async #prepare(executor: Db, channel: string, data: unknown): Promise<Prepared> {
    checkChannel(channel);
    const dataJson = JSON.stringify(data ?? null);
    const id = `${this.#origin}\t${++this.#counter}`;
    const inline = `${channel}\t${id}\t\n${dataJson}`;
    if (fitsNotify(inline)) {
      return { channel, id, dataJson, wire: inline, notify: inline };
    }
    const row = await executor.insertInto("bus_payloads").values({ data: dataJson }).returning("id")
      .executeTakeFirstOrThrow();
    this.#cleanupPayloads();
    return { channel, id, dataJson, wire: inline, notify: `${channel}\t${id}\t${row.id}\n` };
  }

  #deliverHere(message: Prepared): void {
    if (this.#closed) return;
    this.#deliver(message.channel, message.dataJson, LOCAL);
    try {
      this.#broadcast?.postMessage(message.wire);
    } catch (error) {
      log.warn(`broadcast: ${errorMessage(error)}`);
    }
  }

  // A notification from backend `pid` on PostgreSQL channel `pgChannel`:
  // handled once its sender's role is known, in the order they came (a
  // cached role costs no wait). A server's channel carries that server's
  // bus channels only.
  #fromDatabase(pid: number, pgChannel: string, text: string): void {
    if (pgChannel === PG_CHANNEL) {
      if (text.startsWith(`${SERVERS_CHANNEL}\t`)) this.#serverAnnounced(text);
    } else if (!this.#ofServer(text, this.#serverOfPgChannel.get(pgChannel))) return;
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
    const newline = text.indexOf("\n");
    if (newline === -1) return false;
    const [channel, origin, counter] = text.slice(0, newline).split("\t");
    if (origin === this.#origin || counter === undefined) return false;
    return !this.#seen.has(`${origin}\t${counter}`) && this.#hasSubscribers(channel);
  }

  // Handles a message from another isolate (always inline) or from
  // PostgreSQL (inline or by reference).
  #receive(text: string, sender: BusSender): void {
    const newline = text.indexOf("\n");
    if (newline === -1) return;
    const [channel, origin, counter, ref] = text.slice(0, newline).split("\t");
    if (origin === this.#origin || counter === undefined) return;
    const key = `${origin}\t${counter}`;
    if (this.#seen.has(key)) return; // heard from another isolate and from PostgreSQL
    this.#seen.add(key);
    if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value!);
    if (!this.#hasSubscribers(channel)) return;
    if (!ref) {
      this.#deliver(channel, text.slice(newline + 1), sender);
      return;
    }
    this.#db.selectFrom("bus_payloads").select("data").where("id", "=", ref).executeTakeFirst()
      .then((row) => {
        if (row) this.#deliver(channel, row.data, sender);
        else log.warn(`payload ${ref} of ${channel} is gone`);
      })
      .catch((error) => log.error(`could not load payload ${ref} of ${channel}: ${errorMessage(error)}`));
  }

  #hasSubscribers(channel: string): boolean {
    if (this.#exact.has(channel)) return true;
    for (const prefix of this.#prefixes.keys()) if (channel.startsWith(prefix)) return true;
    return false;
  }

  #deliver(channel: string, dataJson: string, sender: BusSender): void {
    for (const callback of [...(this.#exact.get(channel) ?? [])]) {
      try {
        callback(JSON.parse(dataJson), sender);
      } catch (error) {
        log.error(`a subscriber of ${channel} failed: ${errorMessage(error)}`);
      }
    }
    for (const [prefix, callbacks] of this.#prefixes) {
      if (!channel.startsWith(prefix)) continue;
      for (const callback of [...callbacks]) {
        try {
          callback(channel, JSON.parse(dataJson), sender);
        } catch (error) {
          log.error(`a subscriber of ${prefix}* failed: ${errorMessage(error)}`);
        }
      }
    }
  }

  #cleanupPayloads(): void {
    const now = Date.now();
    if (now - this.#lastCleanup < 60_000) return;
    this.#lastCleanup = now;
    sql`delete from bus_payloads where created_at < now() - ${PAYLOAD_TTL}::interval`.execute(this.#db)
      .catch((error) => log.warn(`payload cleanup: ${errorMessage(error)}`));
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
    return this.#pgChannels.get(serverId) ?? this.#serverPgChannel(serverId);
  }

  async #serverPgChannel(serverId: number): Promise<string> {
    const key = this.#pgChannels.has(serverId) ? undefined : await this.#busKey();
    return this.#pgChannels.get(serverId) ?? this.#remember(serverId, serverPgChannel(key!, serverId));
  }

  #remember(serverId: number, pgChannel: string): string {
    this.#pgChannels.set(serverId, pgChannel);
    this.#serverOfPgChannel.set(pgChannel, serverId);
    return pgChannel;
  }

  // Read once; a failure (the database away) is tried again next time.
  #busKey(): Promise<Uint8Array> {
    if (this.#key) return this.#key;
    const key = readBusKey(this.#db);
    this.#key = key;
    key.catch(() => {
      if (this.#key === key) this.#key = undefined;
    });
    return key;
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
    if (isServerId(created)) void this.#listenServer(created, true);
    else if (isServerId(deleted)) void this.#unlistenServer(deleted);
  }

  // Listens on the channel of `serverId` on the current connection (the
  // next connection lists it by itself); `ifExists`: only while its row is there.
  #listenServer(serverId: number, ifExists = false): Promise<void> {
    return this.#queueListen(async () => {
      const client = this.#listener;
      if (!client || this.#listened.has(serverId)) return;
      const name = await this.#serverPgChannel(serverId);
      if (ifExists) {
        const { rows } = await client.query("select 1 from servers where id = $1", [serverId]);
        if (rows.length === 0) return;
      }
      await client.query(`LISTEN ${name}`);
      if (this.#listener === client) this.#listened.add(serverId);
    });
  }

  #unlistenServer(serverId: number): Promise<void> {
    return this.#queueListen(async () => {
      const client = this.#listener;
      const name = this.#pgChannels.get(serverId);
      if (!client || !this.#listened.has(serverId) || name === undefined) return;
      const subscribed = [...this.#exact.keys()].some((channel) => serverIdOfChannel(channel) === serverId);
      if (subscribed) return;
      const { rows } = await client.query("select 1 from servers where id = $1", [serverId]);
      if (rows.length > 0) return;
      await client.query(`UNLISTEN ${name}`);
      this.#listened.delete(serverId);
      this.#pgChannels.delete(serverId);
      this.#serverOfPgChannel.delete(name);
    });
  }

  // Runs `step` after the LISTEN statements before it. What it returns
  // never rejects (a failure is logged: the next connection lists every
  // server anyway) unless `propagate`.
  #queueListen(step: () => Promise<void>, propagate = false): Promise<void> {
    const run = this.#listenChain.then(step);
    const settled = run.catch((error) => {
      if (!this.#closed && !propagate) log.warn(`listen: ${errorMessage(error)}`);
    });
    this.#listenChain = settled;
    return propagate ? run : settled;
  }

  // The listening connection starts with the first subscription: a process
  // that only publishes (a worker) holds no extra connection.
  #startListener(): void {
    if (this.#listenerStarted || this.#closed) return;
    this.#listenerStarted = true;
    this.#connect(0);
  }

  #connect(attempt: number): void {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, application_name: this.#applicationName });
    let ended = false;
    const lost = (reason: string) => {
      if (ended) return;
      ended = true;
      const wasListening = this.#listener === client;
      if (wasListening) {
        this.#listener = undefined;
        this.#listening = false;
        this.#listened = new Set();
        clearInterval(this.#pingTimer);
        log.warn(`listening connection lost (${reason}); reconnecting`);
      }
      client.end().catch(() => {});
      if (this.#closed) return;
      const wait = backoffDelay(attempt, { baseMs: RECONNECT_MIN_MS, maxMs: RECONNECT_MAX_MS });
      const timer = setTimeout(() => this.#connect(wasListening ? 0 : attempt + 1), wait);
      Deno.unrefTimer(timer);
      this.#retryTimer = timer;
    };
    client.on("error", (error) => lost(errorMessage(error)));
    client.on("end", () => lost("connection ended"));
    client.on("notification", (n) => {
      if (n.payload) this.#fromDatabase(n.processId, n.channel, n.payload);
    });
    (async () => {
      await client.connect();
      // ircweb_bus first: a server created from here on is announced there.
      await client.query(`LISTEN ${PG_CHANNEL}`);
      const key = await this.#busKey();
      const { rows } = await client.query<{ id: number }>("select id from servers");
      if (this.#closed || ended) {
        await client.end().catch(() => {});
        return;
      }
      const ids = new Set(rows.map((row) => row.id));
      for (const channel of this.#exact.keys()) {
        const id = serverIdOfChannel(channel);
        if (id !== undefined) ids.add(id);
      }
      this.#listener = client;
      this.#listened = new Set();
      // One statement for every server, in the order of the announcements
      // that come meanwhile (they queue behind it).
      await this.#queueListen(async () => {
        const names = [...ids].map((id) =>
          this.#pgChannels.get(id) ?? this.#remember(id, serverPgChannel(key, id))
        );
        if (names.length > 0) await client.query(names.map((name) => `LISTEN ${name}`).join("; "));
        if (this.#listener === client) { for (const id of ids) this.#listened.add(id); }
      }, true);
      if (this.#closed || ended) return;
      this.#listening = true;
      if (attempt > 0) log.info("listening again");
      const ping = setInterval(() => {
        client.query("select 1").catch((error) => lost(errorMessage(error)));
      }, PING_INTERVAL_MS);
      Deno.unrefTimer(ping);
      this.#pingTimer = ping;
      for (const resolve of this.#readyWaiters.splice(0)) resolve();
      for (const hook of [...this.#resyncHooks]) {
        try {
          hook();
        } catch (error) {
          log.error(`a resync hook failed: ${errorMessage(error)}`);
        }
      }
    })().catch((error) => lost(errorMessage(error)));
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

function checkChannel(channel: string): void {
  if (channel === "" || /[\t\n\r\0]/.test(channel)) {
    throw new Error(`invalid bus channel name: ${JSON.stringify(channel)}`);
  }
}

const encoder = new TextEncoder();
function fitsNotify(text: string): boolean {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  return text.length * 3 <= MAX_NOTIFY_BYTES || encoder.encode(text).length <= MAX_NOTIFY_BYTES;
}

function isServerId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

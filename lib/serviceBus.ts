/**
 * The service bus (docs/api.md, "Service bus"): `publish(channel, data)` and
 * `subscribe(channel, callback)` that reach subscribers in every process of
 * the app (web servers and workers).
 *
 * - In the publishing isolate, subscribers are called directly (a
 *   `BroadcastChannel` never delivers to its own sender).
 * - Other isolates of the same process hear it through `BroadcastChannel`.
 * - Other processes hear it through PostgreSQL `NOTIFY`, received on one
 *   dedicated `LISTEN` connection per bus that reconnects and listens again
 *   by itself. All traffic uses one PostgreSQL channel and carries the bus
 *   channel's name, so a new subscription is live at once (no `LISTEN`
 *   round trip to wait for) and the listener re-listens to one name only.
 * - A payload too big for `NOTIFY` (under 8000 bytes) is stored in
 *   `bus_payloads` and travels as a reference that receivers load.
 *
 * Nothing is kept for a listener that was disconnected: after each
 * (re)connection the bus calls its `onResync` hooks so that subscribers
 * re-read what they may have missed from the database.
 *
 * Subscribers get their own parsed copy of the data (the design asked for
 * `JSON.parse(message)`), whichever way it came, and who sent it: this
 * process, or the database role of the backend that sent the `NOTIFY` (any
 * login may notify, a worker's too, so what a message claims is for the
 * subscriber to check against its sender). One that throws is logged and
 * does not affect the others.
 *
 * @module
 */
import pg from "pg";
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import { errorMessage, logger } from "./log.ts";
import { backoffDelay } from "./backoff.ts";
import { SenderRoles } from "./events/senderRoles.ts";

/** The PostgreSQL notification channel the bus uses. */
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

  /** A bus on the database of `options`. */
  constructor(options: ServiceBusOptions) {
    this.#url = options.url;
    this.#db = options.db;
    this.#applicationName = options.applicationName ?? "ircweb-bus";
    this.#senderRoles = new SenderRoles(options.db);
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
    const message = await this.#prepare(this.#db, channel, data);
    this.#deliverHere(message);
    await sql`select pg_notify(${PG_CHANNEL}, ${message.notify})`.execute(this.#db);
  }

  /**
   * Sends the notification of `data` inside the transaction `trx`, so that
   * other processes hear it exactly when (and only if) the transaction
   * commits. Returns the local delivery, to call after the commit.
   */
  async publishWithin(trx: Db, channel: string, data: unknown): Promise<() => void> {
    const message = await this.#prepare(trx, channel, data);
    await sql`select pg_notify(${PG_CHANNEL}, ${message.notify})`.execute(trx);
    return () => this.#deliverHere(message);
  }

  /**
   * For a statement that sends its own notification, committed with its
   * writes and without a round trip of its own: `header` goes before the
   * data's JSON in `pg_notify(PG_CHANNEL, header || json)` (the statement
   * keeps the whole within {@link MAX_NOTIFY_BYTES}); `deliverHere` hands
   * that JSON to this process's subscribers, to call after the commit.
   */
  inlineNotification(channel: string): InlineNotification {
    checkChannel(channel);
    const id = `${this.#origin}\t${++this.#counter}`;
    const header = `${channel}\t${id}\t\n`;
    return {
      header,
      deliverHere: (dataJson) =>
        this.#deliverHere({ channel, id, dataJson, wire: header + dataJson, notify: "" }),
    };
  }

  /** Calls `callback` with each message published on `channel`, and who sent it. */
  subscribe<T = unknown>(channel: string, callback: (data: T, sender: BusSender) => void): Unsubscribe {
    checkChannel(channel);
    const callbacks = this.#exact.get(channel) ?? new Set();
    // The data is only what JSON.parse made of the wire: subscribers validate it.
    const entry = callback as (data: unknown, sender: BusSender) => void;
    callbacks.add(entry);
    this.#exact.set(channel, callbacks);
    this.#startListener();
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

  /** Resolves once the bus receives messages from other processes. */
  ready(): Promise<void> {
    this.#startListener();
    if (this.#listening || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
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

  // A notification from backend `pid`: handled once its sender's role is
  // known, in the order they came (a cached role costs no wait).
  #fromDatabase(pid: number, text: string): void {
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
      if (n.channel === PG_CHANNEL && n.payload) this.#fromDatabase(n.processId, n.payload);
    });
    (async () => {
      await client.connect();
      await client.query(`LISTEN ${PG_CHANNEL}`);
      if (this.#closed || ended) {
        await client.end().catch(() => {});
        return;
      }
      this.#listener = client;
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
  /** The wire header: `pg_notify(PG_CHANNEL, header || dataJson)`. */
  header: string;
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

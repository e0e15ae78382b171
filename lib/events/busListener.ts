/**
 * The service bus's one dedicated `LISTEN` connection: on the bus's own
 * channel and each server's, kept alive by a ping, and connected and
 * listening again by itself with backoff whenever it is lost.
 *
 * @module
 */
import pg from "pg";
import { errorMessage, logger } from "../log.ts";
import { backoffDelay } from "../backoff.ts";
import type { ServerPgChannels } from "./serverPgChannels.ts";

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
// How often an idle listener checks its connection is alive.
const PING_INTERVAL_MS = 15_000;

const log = logger("bus");

/** Options of {@link BusListener}. */
export interface BusListenerOptions {
  /** PostgreSQL URL of the listening connection. */
  url: string;
  /** Name shown in `pg_stat_activity` for it. */
  applicationName: string;
  /** The channel of everything but servers' events, listened to first. */
  pgChannel: string;
  /** Where each server's channel is found. */
  channels: ServerPgChannels;
  /** Servers to listen to whether or not their row exists (those subscribed to). */
  subscribedServers(): Set<number>;
  /** A notification from backend `pid` on `pgChannel`. */
  onNotification(pid: number, pgChannel: string, payload: string): void;
  /** Called each time it listens (again): what was sent while it did not is lost. */
  onListening(): void;
}

/** The listening connection of one bus. */
export class BusListener {
  readonly #options: BusListenerOptions;
  #client: pg.Client | undefined;
  #listening = false;
  #started = false;
  #closed = false;
  #readyWaiters: (() => void)[] = [];
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  // Servers whose channel the current connection listens on.
  #listened = new Set<number>();
  // LISTEN and UNLISTEN statements, one after the other (never rejects).
  #listenChain: Promise<void> = Promise.resolve();

  /** A listener as `options` say; it connects at {@link start}. */
  constructor(options: BusListenerOptions) {
    this.#options = options;
  }

  /** Whether notifications are being received now. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Connects, the first time it is called (a process that only publishes holds no extra connection). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect(0);
  }

  /** Resolves once it listens, on every channel it was asked to so far (or once it is closed). */
  async ready(): Promise<void> {
    this.start();
    if (!this.#listening && !this.#closed) {
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
    await this.#listenChain;
  }

  /**
   * Listens on the channel of `serverId` on the current connection (the
   * next connection lists it by itself); `ifExists`: only while its row is there.
   */
  listenServer(serverId: number, ifExists = false): Promise<void> {
    return this.#queueListen(async () => {
      const client = this.#client;
      if (!client || this.#listened.has(serverId)) return;
      const name = await this.#options.channels.of(serverId);
      if (ifExists) {
        const { rows } = await client.query("select 1 from servers where id = $1", [serverId]);
        if (rows.length === 0) return;
      }
      await client.query(`LISTEN ${name}`);
      if (this.#client === client) this.#listened.add(serverId);
    });
  }

  /** Stops listening on the channel of `serverId` once its row is gone and nobody here subscribes to it. */
  unlistenServer(serverId: number): Promise<void> {
    return this.#queueListen(async () => {
      const client = this.#client;
      const { channels } = this.#options;
      const name = channels.known(serverId);
      if (!client || !this.#listened.has(serverId) || name === undefined) return;
      if (this.#options.subscribedServers().has(serverId)) return;
      const { rows } = await client.query("select 1 from servers where id = $1", [serverId]);
      if (rows.length > 0) return;
      await client.query(`UNLISTEN ${name}`);
      this.#listened.delete(serverId);
      channels.forget(serverId);
    });
  }

  /** Closes the connection; waiters of {@link ready} are let go. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#retryTimer);
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
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

  #connect(attempt: number): void {
    if (this.#closed) return;
    const { url, applicationName, pgChannel, channels } = this.#options;
    const client = new pg.Client({ connectionString: url, application_name: applicationName });
    let ended = false;
    const lost = (reason: string) => {
      if (ended) return;
      ended = true;
      const wasListening = this.#client === client;
      if (wasListening) {
        this.#client = undefined;
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
      if (n.payload) this.#options.onNotification(n.processId, n.channel, n.payload);
    });
    (async () => {
      await client.connect();
      // The bus's own channel first: a server created from here on is announced there.
      await client.query(`LISTEN ${pgChannel}`);
      const key = await channels.key();
      const { rows } = await client.query<{ id: number }>("select id from servers");
      if (this.#closed || ended) {
        await client.end().catch(() => {});
        return;
      }
      const ids = new Set(rows.map((row) => row.id));
      for (const id of this.#options.subscribedServers()) ids.add(id);
      this.#client = client;
      this.#listened = new Set();
      // One statement for every server, in the order of the announcements
      // that come meanwhile (they queue behind it).
      await this.#queueListen(async () => {
        const names = [...ids].map((id) => channels.withKey(key, id));
        if (names.length > 0) await client.query(names.map((name) => `LISTEN ${name}`).join("; "));
        if (this.#client === client) { for (const id of ids) this.#listened.add(id); }
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
      this.#options.onListening();
    })().catch((error) => lost(errorMessage(error)));
  }
}

/**
 * The worker's connection policy on top of irc-framework's protocol client:
 * retries with backoff (also of the very first connection, which
 * irc-framework never retries), alternative nicks when ours is taken, no
 * retry loop after a fatal refusal, and flood-controlled writes.
 *
 * @module
 */
// @ts-types="./irc-framework.d.ts"
import ircFramework from "irc-framework";
import type { Client, ClientEvents, ConnectOptions } from "./irc-framework.d.ts";
import { type FloodSettings, OutgoingQueue } from "./outgoingQueue.ts";
import { SlicingTransport, type TransportReports } from "./ircTransport.ts";
import { boundReplyCaches } from "./replyCaches.ts";
import { backoffDelay } from "../lib/backoff.ts";
import { errorMessage, type Logger } from "../lib/log.ts";
import { type Identity, quitLine } from "./messageLines.ts";
import { guardConnection, type GuardedSocket, processTargetPolicy } from "../lib/ircTargets.ts";
import { type ClientCertificatePem, saslConnectOptions, type SaslSettings, watchSasl } from "./saslLogin.ts";
import { PLAYBACK_CAP } from "./bouncerPlayback.ts";

/** Where and as whom to connect. */
export interface ConnectionSettings {
  host: string;
  port: number;
  tls: boolean;
  nick: string;
  username: string;
  realname: string;
  password: string | null;
  sasl: SaslSettings;
  /** Whether a connection on which SASL does not log in is ended (`saslLogin.ts`). */
  requireSasl?: boolean;
  /** Presented on TLS: for SASL EXTERNAL, or services' CertFP. */
  clientCertificate?: ClientCertificatePem | null;
  flood: FloodSettings;
}

/** Connection states the worker reports. */
export type ConnectionState =
  | { state: "connecting" }
  | { state: "connected"; nick: string }
  | { state: "reconnecting"; reason: string; retryInMs: number }
  | { state: "error"; reason: string }
  | { state: "closed" };

/** Backoff of reconnects: 1 s doubling up to 60 s, with jitter. */
export const RECONNECT_MIN_MS = 1000;
/** The longest wait between reconnects. */
export const RECONNECT_MAX_MS = 60_000;

// Error numerics after which retrying cannot help until the user acts
// (irc-framework names 464 and 465 so).
const FATAL_ERRORS = new Set(["password_mismatch", "banned_from_network"]);

/**
 * Reasons in an `ERROR` line before registration that no retry will change.
 * Servers do not all send a numeric first: ngircd answers a wrong server
 * password with only `ERROR :Access denied: Bad password?`.
 */
export const FATAL_CLOSE_REASON =
  /k-?lined|g-?lined|z-?lined|d-?lined|banned|bad password|password (?:incorrect|mismatch|required)|access denied/i;

/** One IRC network connection, kept up until {@link IrcConnection.quit}. */
export class IrcConnection {
  /** irc-framework's client, for subscribing to IRC events. */
  readonly client: Client;
  /** Flood-controlled writes of the user's lines. */
  readonly queue: OutgoingQueue;
  readonly #settings: ConnectionSettings;
  readonly #log: Logger;
  readonly #onState: (state: ConnectionState) => void;
  #registered = false;
  #quitting = false;
  #fatal: string | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #nickTries = 0;
  #lastError = "";
  #readingPaused = false;

  /** Connects with `settings`; `onState` hears every change of state. */
  constructor(settings: ConnectionSettings, log: Logger, onState: (state: ConnectionState) => void) {
    this.#settings = settings;
    this.#log = log;
    this.#onState = onState;
    this.client = new ircFramework.Client();
    // Beyond irc-framework's own list: history from the server after a
    // reconnect (workers/chatHistory.ts), or from a bouncer (workers/bouncerPlayback.ts).
    this.client.requestCap(["draft/chathistory", PLAYBACK_CAP]);
    cheapenPingTimeout(this.client);
    boundReplyCaches(this.client, log);
    this.queue = new OutgoingQueue({
      ready: () => this.#registered && this.client.connected,
      write: (line) => this.client.raw(line),
    }, settings.flood);
    this.#listen();
  }

  /** Whether the connection is registered on IRC. */
  get registered(): boolean {
    return this.#registered;
  }

  /** Why the connection ended for good (no retry can change it), or `undefined`. */
  get fatal(): string | undefined {
    return this.#fatal;
  }

  /** Our identity as the server relays it, for sizing lines. */
  identity(): Identity {
    return {
      nick: this.client.user.nick || this.#settings.nick,
      username: this.client.user.username || this.#settings.username,
      host: this.client.user.host || undefined,
    };
  }

  /** Opens the connection; failures are retried by themselves. */
  start(): void {
    this.#onState({ state: "connecting" });
    this.#connect();
  }

  /**
   * Sends QUIT (after any lines still queued, so nothing typed is lost) and
   * resolves once the connection has closed or `timeoutMs` has passed, with
   * how many queued lines could not be sent (not registered on IRC then).
   */
  async quit(message: string | null, timeoutMs = 2000): Promise<number> {
    this.#quitting = true;
    clearTimeout(this.#retryTimer);
    this.queue.flush();
    this.queue.stop();
    const unsent = this.queue.size;
    if (!this.client.connected) {
      this.#onState({ state: "closed" });
      return unsent;
    }
    const closed = new Promise<void>((resolve) => this.client.on("close", () => resolve()));
    this.client.connection.end(quitLine(message, this.identity()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise<void>((r) => timer = setTimeout(r, timeoutMs))]);
    clearTimeout(timer);
    this.#onState({ state: "closed" });
    return unsent;
  }

  /**
   * Stops (`true`) or resumes (`false`) reading from the IRC server, on
   * this connection and the ones after it until resumed: the worker's
   * backpressure while the database takes events slower than IRC brings
   * them (TCP holds the rest back).
   */
  pauseReading(paused: boolean): void {
    this.#readingPaused = paused;
    this.client.connection.transport?.setPaused(paused);
  }

  /** Adds a listener for an IRC event. */
  on<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): void {
    this.client.on(event, listener);
  }

  #connect(): void {
    this.#registered = false;
    this.#nickTries = 0;
    const options: ConnectOptions = {
      host: this.#settings.host,
      port: this.#settings.port,
      tls: this.#settings.tls,
      nick: this.#settings.nick,
      username: this.#settings.username,
      gecos: this.#settings.realname,
      ...saslConnectOptions(this.#settings.sasl, this.#settings.clientCertificate ?? null),
      // The policy is ours: irc-framework's reconnect gives up after 3 tries
      // and never retries the first connection.
      auto_reconnect: false,
      enable_echomessage: true,
      // The nick list follows hosts and realnames (workers/events/memberInfo.ts).
      enable_chghost: true,
      enable_setname: true,
      version: null,
      transport: SlicingTransport,
    };
    if (this.#settings.password) options.password = this.#settings.password;
    this.client.connect(options);
    // ALLOWED_IRC_TARGETS, checked on the address reached before anything is sent.
    guardConnection(
      this.client.connection.transport?.socket as GuardedSocket | null | undefined,
      this.#settings.host,
      processTargetPolicy(),
      (reason) => this.#fail(reason),
    );
  }

  #listen(): void {
    const client = this.client;
    // Each connection's transport says what hostile input it met.
    client.connection.on("connecting", () => {
      const transport = client.connection.transport;
      if (transport) transport.reports = this.#transportReports();
    });
    // A new connection's transport starts reading: paused, it must not.
    client.on("socket connected", () => {
      if (this.#readingPaused) client.connection.transport?.setPaused(true);
    });
    // First, so that a login "require SASL" refuses is fatal before it counts as connected.
    watchSasl(
      client,
      this.#settings.sasl,
      this.#settings.requireSasl ?? false,
      this.#log,
      (reason) => this.#fail(reason),
    );
    client.on("registered", (event) => {
      if (this.#fatal) return;
      this.#registered = true;
      this.#attempt = 0;
      this.#log.info(`registered as ${event.nick}`);
      // What the "connected" listener queues (the rejoin) goes ahead of the
      // lines held during the outage, so a message for a channel follows its JOIN.
      this.queue.ahead(() => this.#onState({ state: "connected", nick: event.nick }));
    });
    client.on("nick in use", (event) => {
      if (this.#registered) return; // a /nick to a taken nick: the user sees the error
      client.changeNick(this.#alternativeNick(event.nick));
    });
    client.on("nick invalid", (event) => {
      if (this.#registered) return;
      this.#fail(`The server refused the nickname ${event.nick}: ${event.reason}`);
    });
    client.on("irc error", (event) => {
      const reason = event.reason ?? event.error;
      if (FATAL_ERRORS.has(event.error)) {
        this.#fail(event.error === "password_mismatch" ? `Wrong server password: ${reason}` : reason);
      } else if (event.error === "irc") {
        // An ERROR line: the server is closing the link and says why.
        this.#lastError = reason;
        if (!this.#registered && FATAL_CLOSE_REASON.test(reason)) this.#fail(reason);
      }
    });
    client.on("socket close", (error) => {
      if (error) this.#lastError = error.message;
    });
    client.on("close", () => {
      const wasRegistered = this.#registered;
      this.#registered = false;
      if (this.#quitting) return;
      if (this.#fatal) {
        this.#onState({ state: "error", reason: this.#fatal });
        return;
      }
      const wait = this.#backoff();
      const reason = this.#lastError || (wasRegistered ? "Connection closed" : "Could not connect");
      this.#log.warn(`${reason}; reconnecting in ${wait} ms`);
      this.#onState({ state: "reconnecting", reason, retryInMs: wait });
      this.#retryTimer = setTimeout(() => {
        this.#lastError = "";
        this.#connect();
      }, wait);
    });
  }

  // Said once per connection, or a few times: a hostile server repeats.
  #transportReports(): TransportReports {
    let failed = 0;
    return {
      lineCut: (count, limit) => {
        if (count === 1) {
          this.#log.warn(`the server sent a line longer than ${limit} bytes: cut (and any more, unsaid)`);
        }
      },
      lineFailed: (line, error) => {
        failed += 1;
        if (failed <= 10 || failed % 1000 === 0) {
          const shown = line.length > 300 ? `${line.slice(0, 300)}...` : line;
          this.#log.error(
            `line dropped (${failed} so far on this connection), its handling failed: ` +
              `${errorMessage(error)}: ${JSON.stringify(shown.replace(/\r?\n$/, ""))}`,
          );
        }
      },
    };
  }

  #fail(reason: string): void {
    if (this.#fatal) return;
    this.#fatal = reason;
    this.#log.error(`fatal: ${reason}`);
    // Close ourselves: some servers keep a refused client open until timeout.
    this.client.connection.end();
    if (!this.client.connected) this.#onState({ state: "error", reason });
  }

  #alternativeNick(taken: string): string {
    this.#nickTries += 1;
    const base = this.#settings.nick.slice(0, 14);
    const next = this.#nickTries === 1 ? `${base}_` : `${base}${Math.floor(Math.random() * 9000 + 1000)}`;
    this.#log.info(`nick ${taken} is taken; trying ${next}`);
    return next;
  }

  #backoff(): number {
    const wait = backoffDelay(this.#attempt, {
      baseMs: RECONNECT_MIN_MS,
      maxMs: RECONNECT_MAX_MS,
      jitter: true,
    });
    this.#attempt += 1;
    return wait;
  }
}

/** The irc-framework 4.14 internals that {@link cheapenPingTimeout} replaces. */
interface PingTimeoutInternals {
  options: { ping_timeout: number };
  connection: {
    setTimeout(callback: () => void, ms: number): unknown;
    end(data: string, hadError: boolean): void;
  };
  startPingTimeoutTimer(): void;
  resetPingTimeoutTimer(): void;
  rawString(...args: string[]): string;
  debugOut(text: string): void;
  emit(event: string): void;
}

/**
 * irc-framework re-arms its ping timeout on every line it reads (a
 * `clearTimeout` and a `setTimeout` through Node's timers each time), much
 * of the worker's CPU when a channel floods (bench/README.md, "Ingest").
 * Same policy with one timer: each line only notes the time, and the timer,
 * when due, waits out what is left since the last line, or times the
 * connection out as before.
 */
function cheapenPingTimeout(client: Client): void {
  const inner = client as unknown as PingTimeoutInternals;
  inner.startPingTimeoutTimer = function () {
    const timeoutMs = inner.options.ping_timeout * 1000;
    if (!(timeoutMs > 0)) return;
    let lastData = performance.now();
    const due = () => {
      const quiet = performance.now() - lastData;
      if (quiet < timeoutMs) {
        inner.connection.setTimeout(due, timeoutMs - quiet);
        return;
      }
      const reason = `Ping timeout (${inner.options.ping_timeout} seconds)`;
      inner.debugOut(reason);
      inner.emit("ping timeout");
      inner.connection.end(inner.rawString("QUIT", reason), true);
    };
    inner.resetPingTimeoutTimer = () => {
      lastData = performance.now();
    };
    // Tracked by the connection, so a closing socket clears it like the original.
    inner.connection.setTimeout(due, timeoutMs);
  };
}

/**
 * The IRC process, one per connected server: started by the web app
 * (`lib/supervisor/workerLaunch.ts`) with its server's id, it connects to IRC, stores
 * everything through the {@link EventWriter}, and takes commands on
 * `<SOCKET_DIR>/server-<id>.sock` until `quit`, SIGTERM or SIGINT
 * (docs/architecture.md).
 *
 * @module
 */
import { loadConfig } from "../lib/config.ts";
import { WORKER_BUS_CHANNEL_ENV, WORKER_EXIT_START_FAILED } from "../lib/supervisor/workerLaunch.ts";
import { createDb, type Db } from "../lib/db/database.ts";
import { errorMessage, logger, setLogLevel } from "../lib/log.ts";
import { watchParent } from "../lib/parentWatch.ts";
import { findServer, socketPathFor, updateServer } from "../lib/servers.ts";
import { joinedChannels } from "../lib/channels.ts";
import type { CommandReply, CommandRequest } from "../lib/ircCommand.ts";
import { ServiceBus } from "../lib/serviceBus.ts";
import { type CommandSocket, listenCommandSocket } from "./commandSocket.ts";
import { type ConnectionState, IrcConnection } from "./ircConnection.ts";
import type { SaslSettings } from "./saslLogin.ts";
import { commandLines } from "./messageLines.ts";
import { EventWriter } from "./eventWriter.ts";
import { ChannelUsers } from "./events/channelUsers.ts";
import { OwnChannels } from "./ownChannels.ts";
import { RowWriter } from "./rowWriter.ts";
import { registerEventHandlers } from "./events/index.ts";
import { whoisHandler, WhoisWindows } from "./events/whois.ts";
import { lastHistoryMark, listenChatHistory, listenQueryHistory, newestLineTime } from "./chatHistory.ts";
import { ReplayDedup, storedLines } from "./replayDedup.ts";
import { backfillStore, HistoryBackfill, oldestLines } from "./historyBackfill.ts";
import { listenBouncerPlayback } from "./bouncerPlayback.ts";
import { ChannelListWriter, listenChannelList } from "./events/list.ts";
import { channelListStore } from "../lib/channelList.ts";
import type { Server, ServerUpdate } from "../lib/db/schema.ts";

// Exit status of a worker that ended on an error of its own (not a start failure).
const WORKER_EXIT_CRASHED = 70;

async function main(): Promise<void> {
  const config = loadConfig();
  setLogLevel(config.logLevel);
  const serverId = Number(Deno.args[0]);
  const log = logger(`worker ${Deno.args[0] ?? "?"}`);
  if (!Number.isInteger(serverId) || serverId <= 0) {
    log.error("usage: ircWorker.ts <server id>");
    Deno.exit(WORKER_EXIT_START_FAILED);
  }
  if (!config.databaseUrl) {
    log.error("DATABASE_URL is not set");
    Deno.exit(WORKER_EXIT_START_FAILED);
  }
  // A worker needs few connections: its writes are batched.
  const db = createDb(config.databaseUrl, {
    maxConnections: 2,
    applicationName: `ircweb-worker-${serverId}`,
  });
  const server = await findServer(db, serverId);
  if (!server) {
    log.error(`no server with id ${serverId}`);
    await db.destroy();
    Deno.exit(WORKER_EXIT_START_FAILED);
  }
  // Publish-only: a worker subscribes to nothing, so it opens no listening
  // connection, and it knows the PostgreSQL channel of its own server only.
  const bus = new ServiceBus({
    url: config.databaseUrl,
    db,
    applicationName: `ircweb-worker-${serverId}-bus`,
    processBus: true,
    worker: { serverId, pgChannel: Deno.env.get(WORKER_BUS_CHANNEL_ENV) },
  });
  const worker = new Worker(db, bus, server, socketPathFor(config.socketDir, serverId), log);
  // Whatever escapes (no IRC line can: see `ircTransport.ts`) ends the
  // worker with its reason on the row, after what was taken is written.
  const crashed = (error: unknown) => {
    log.error(`uncaught: ${error instanceof Error ? error.stack ?? error.message : errorMessage(error)}`);
    worker.stop(null, WORKER_EXIT_CRASHED, `The worker failed: ${errorMessage(error)}`);
  };
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    crashed(event.error);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    crashed(event.reason);
  });
  try {
    // Where its events go, known before any is taken: a worker that cannot
    // tell would otherwise fail each batch it writes.
    await bus.ready();
    await worker.start();
  } catch (error) {
    log.error(errorMessage(error));
    await worker.stop(null, WORKER_EXIT_START_FAILED);
  }
}

/** The running worker: the IRC connection, its socket, and its row. */
class Worker {
  readonly #db: Db;
  readonly #bus: ServiceBus;
  readonly #server: Server;
  readonly #socketPath: string;
  readonly #log: ReturnType<typeof logger>;
  readonly #irc: IrcConnection;
  readonly #writer: EventWriter;
  readonly #row: RowWriter;
  // Between the handlers and the writer: replayed history the log has is dropped.
  readonly #replays: ReplayDedup;
  readonly #channels = new OwnChannels();
  #socket: CommandSocket | undefined;
  #stopping: Promise<void> | undefined;
  #whois: WhoisWindows | undefined;
  #list: ChannelListWriter | undefined;
  #backfill: HistoryBackfill | undefined;

  constructor(db: Db, bus: ServiceBus, server: Server, socketPath: string, log: ReturnType<typeof logger>) {
    this.#db = db;
    this.#bus = bus;
    this.#server = server;
    this.#socketPath = socketPath;
    this.#log = log;
    this.#row = new RowWriter(db, server.id, log, bus);
    this.#writer = new EventWriter({
      db,
      serverId: server.id,
      log,
      bus,
      onOverflow: (bound) => {
        this.#row.write({
          status: "error",
          last_error: `The database was unreachable for too long: more than ${bound} events ` +
            `were waiting and newer ones are being lost`,
        });
      },
      onRecovered: () => this.#row.retryNow(),
      // Backpressure: while the database takes events slower than IRC
      // brings them, the IRC socket is not read and TCP holds the rest back.
      onPause: (paused) => this.#irc.pauseReading(paused),
    });
    this.#replays = new ReplayDedup(
      (item) => this.#writer.append(item),
      storedLines(db, server.id),
      (message) => this.#log.warn(message),
    );
    this.#irc = new IrcConnection(
      {
        host: server.host,
        port: server.port,
        tls: server.tls,
        nick: server.nickname,
        username: server.username || server.nickname,
        realname: server.realname || server.nickname,
        password: server.password,
        sasl: saslOf(server),
        requireSasl: server.require_sasl,
        clientCertificate: server.client_cert_pem && server.client_key_pem
          ? { cert: server.client_cert_pem, key: server.client_key_pem }
          : null,
        flood: { burst: server.flood_burst, intervalMs: server.flood_interval_ms },
      },
      log,
      (state) => this.#onState(state),
    );
  }

  async start(): Promise<void> {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(signal, () => this.stop(null, 0));
    }
    watchParent(() => {
      this.#log.warn("the app that started this worker is gone: quitting IRC");
      this.stop(null, 0);
    });
    this.#channels.load(await joinedChannels(this.#db, this.#server.id));
    this.#trackOwnNick();
    this.#storeEvents();
    this.#storeAnswers();
    this.#socket = await listenCommandSocket(
      this.#socketPath,
      (command) => this.#handle(command),
      this.#log,
      (command) => {
        if (command.command === "quit") this.stop(command.message ?? null, 0);
      },
    );
    await updateServer(this.#db, this.#server.id, {
      socket_path: this.#socketPath,
      pid: Deno.pid,
      status: "connecting",
      last_error: null,
    }, this.#bus);
    this.#log.info(`listening on ${this.#socketPath}`);
    this.#irc.start();
  }

  /**
   * Quits IRC, removes the socket, clears the row, and exits with `code`;
   * with an `error`, the row says it.
   */
  stop(message: string | null, code: number, error?: string): Promise<void> {
    this.#stopping ??= (async () => {
      const unsent = await this.#irc.quit(message).catch((e) => {
        this.#log.warn(`quit: ${errorMessage(e)}`);
        return 0;
      });
      if (unsent > 0) {
        // They were accepted (queued) while the server was away; say so
        // where the user looks rather than let them vanish.
        this.#writer.append({
          kind: "message",
          message: {
            target: null,
            sender: null,
            content: `${unsent} line(s) typed while the server was not connected were not sent: ` +
              `it was disconnected first`,
            message_type: "error",
          },
        });
      }
      await this.#socket?.close();
      await this.#writer.close();
      this.#row.stop();
      await updateServer(this.#db, this.#server.id, {
        socket_path: null,
        pid: null,
        status: error === undefined ? "disconnected" : "error",
        ...(error === undefined ? {} : { last_error: error }),
        current_nickname: null,
      }, this.#bus).catch((e) => this.#log.error(`could not clear the server row: ${errorMessage(e)}`));
      await this.#bus.close().catch(() => {});
      await this.#db.destroy().catch(() => {});
      this.#log.info("stopped");
      Deno.exit(code);
    })();
    return this.#stopping;
  }

  #handle(command: CommandRequest): CommandReply | Promise<CommandReply> {
    if (command.command === "quit") return { ok: true }; // carried out after the reply
    // Accepted now, such a line could only be dropped: say so instead.
    const refusal = this.#stopping ? "it is disconnecting" : this.#irc.fatal;
    if (refusal !== undefined) {
      return { ok: false, error: `Server not connected: ${refusal}`, code: "not_connected" };
    }
    if (command.command === "fetch_history") {
      return this.#backfill?.fetch(command) ??
        { ok: false, error: "Server not connected", code: "not_connected" };
    }
    const sent = this.#irc.queue.send(commandLines(command, this.#irc.identity()));
    if (!sent.ok) return { ok: false, error: sent.error, code: "queue_full" };
    if (command.command === "whois") this.#whois?.asked(command.nickname, command.window ?? null);
    if (command.command === "list") this.#list?.begin(command.filter ?? null);
    return sent.queued ? { ok: true, queued: true } : { ok: true };
  }

  #onState(state: ConnectionState): void {
    const write = (patch: ServerUpdate) => this.#row.write(patch);
    switch (state.state) {
      case "connecting":
        break;
      case "connected":
        write({ status: "connected", last_error: null, current_nickname: state.nick });
        this.#rejoin();
        break;
      case "reconnecting":
        write({ status: "reconnecting", last_error: state.reason });
        break;
      case "error":
        write({ status: "error", last_error: state.reason });
        break;
      case "closed":
        break;
    }
  }

  // Rejoin what we were in, through the flood-controlled queue so a long
  // channel list goes out spaced rather than all at once; past the queue's
  // bound, which is for what clients send, or a long list would be refused.
  #rejoin(): void {
    if (this.#channels.size === 0) return;
    this.#log.info(`rejoining ${this.#channels.size} channel(s)`);
    this.#irc.queue.sendOwn(this.#channels.rejoinLines());
  }

  // Our nick on the row, and in the writer's idea of who we are.
  #trackOwnNick(): void {
    const isMe = (nick: unknown) =>
      typeof nick === "string" && nick.toLowerCase() === this.#irc.identity().nick.toLowerCase();
    this.#irc.on("registered", (e) => this.#row.write({ current_nickname: e.nick }));
    // Through the writer, ahead of the nick change's messages (this listener
    // comes first): see `WriteItem`.
    this.#irc.on("nick", (e) => {
      if (typeof e.new_nick !== "string" || e.new_nick === "") return;
      if (isMe(e.nick) || isMe(e.new_nick)) {
        this.#writer.append({ kind: "nickname", nick: e.new_nick });
      }
    });
  }

  // Answers to the commands users type (WHOIS into the window it was asked
  // from, LIST into the channel browser's table), which need to know what was asked.
  #storeAnswers(): void {
    const client = this.#irc.client;
    this.#whois = new WhoisWindows((nick) => client.caseLower(nick));
    whoisHandler(this.#whois)({
      client,
      store: (message) => this.#writer.append({ kind: "message", message }),
    });
    this.#list = new ChannelListWriter(
      channelListStore(this.#db, this.#server.id),
      (error) => this.#log.warn(`channel list: ${errorMessage(error)}`),
    );
    listenChannelList(client, this.#list);
    listenChatHistory(
      client,
      (channel) => lastHistoryMark(this.#db, this.#server.id, channel),
      (message) => this.#log.warn(message),
    );
    const newest = () => newestLineTime(this.#db, this.#server.id);
    listenQueryHistory(
      client,
      newest,
      (target) => lastHistoryMark(this.#db, this.#server.id, target),
      (message) => this.#log.warn(message),
    );
    listenBouncerPlayback(client, newest, (message) => this.#log.warn(message));
  }

  #storeEvents(): void {
    const client = this.#irc.client;
    const replays = this.#replays;
    replays.listen(client);
    // Older lines a user scrolled to (fetch_history) leave the live path here.
    const writer = this.#backfill = new HistoryBackfill(client, {
      next: (item) => replays.append(item),
      store: backfillStore(this.#db, this.#server.id),
      oldest: oldestLines(this.#db, this.#server.id),
      warn: (message) => this.#log.warn(message),
    });
    const me = () => this.#irc.identity().nick;
    registerEventHandlers({
      client,
      users: new ChannelUsers((name) => client.caseLower(name), {
        prefixes: () => client.network.options.PREFIX ?? [],
        onChange: (change) => writer.append({ kind: "members", change }),
      }),
      me,
      isMe: (nick) => nick !== undefined && nick !== "" && client.caseCompare(nick, me()),
      isChannel: (name) => client.network.isChannelName(name),
      store: (message) => writer.append({ kind: "message", message }),
      changeChannel: (name, change) => {
        // The channels to rejoin, told by the same handlers that store them.
        this.#channels.apply(name, change);
        writer.append({ kind: "channel", name, change });
      },
    });
  }
}

// The row's mechanism; credentials without one are PLAIN (rows from before 0013).
function saslOf(server: Server): SaslSettings {
  const mechanism = server.sasl_mechanism ?? (server.sasl_username ? "PLAIN" : null);
  if (mechanism === "EXTERNAL") return { mechanism };
  if (mechanism === "PLAIN" && server.sasl_username && server.sasl_password) {
    return { mechanism, account: server.sasl_username, password: server.sasl_password };
  }
  return null;
}

if (import.meta.main) await main();

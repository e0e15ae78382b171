/**
 * The web app's side of the worker lifecycle: one IRC worker subprocess per
 * connected server, started on request, restarted when it dies, and stopped
 * without leaving a process or a socket behind (docs/architecture.md,
 * "Processes" and "Failure modes"). Every change of a server row goes
 * through `lib/servers.ts`.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { processTargetPolicy, resolvedTargetRefusal, type TargetPolicy } from "../ircTargets.ts";
import { readBusKey, serverPgChannel } from "../events/busChannels.ts";
import {
  DEFAULT_MAX_SERVERS_PER_USER,
  DEFAULT_MAX_WORKERS,
  DEFAULT_WORKER_MEMORY_MB,
  type LogLevel,
} from "../config.ts";
import type { ServerUpdate } from "../db/schema.ts";
import { IrcCommandSender } from "../ircCommandSender.ts";
import { errorMessage, logger } from "../log.ts";
import { backoffDelay } from "../backoff.ts";
import { DEFAULT_RESTART_POLICY, RestartBackoff, type RestartPolicy } from "./restartBackoff.ts";
import { ServerLeases } from "../serverLease.ts";
import { waitForFormerWorker } from "../formerWorker.ts";
import { findServer, socketPathFor, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { provisionWorkerRole } from "../db/workerRoles.ts";
import {
  type CleanupContext,
  endLeftover,
  NO_WORKER,
  serversToResume,
  tidyLeftover,
} from "./leftoverWorkers.ts";
import {
  describeExit,
  forwardOutput,
  QUIT_REPLY_MS,
  settlesWithin,
  signalChild,
  waitUntil,
} from "./workerProcess.ts";
import { removeSocket } from "./workerSockets.ts";
import { V8_OUT_OF_MEMORY, WORKER_EXIT_START_FAILED, workerLaunchCommand } from "./workerLaunch.ts";

/** What the routes may ask of the supervisor. */
export interface ServerSupervisor {
  /**
   * Starts the worker of `serverId` and resolves once it is spawned (the row
   * then moves to `connected` by itself). A no-op when it already runs, here
   * or in another app instance.
   */
  connect(serverId: number): Promise<void>;
  /**
   * Sends `quit` (with `message`) to the worker and resolves once it has
   * exited, its socket is gone and its row is cleared. A no-op when it does
   * not run.
   */
  disconnect(serverId: number, message?: string | null): Promise<void>;
  /** Whether this app instance keeps a worker for `serverId` (running, or waiting to restart). */
  isRunning(serverId: number): boolean;
  /** How many workers may run, and how many servers (each a worker to be) one user may have. */
  readonly limits: WorkerLimits;
}

/**
 * The bounds on workers. The per-user one lives here with the global one
 * because it exists for the same reason: every server is a worker once
 * connected, and no user should be able to claim every place.
 */
export interface WorkerLimits {
  /** Most workers this app instance runs at once, counting those waiting to restart (`MAX_WORKERS`). */
  maxWorkers: number;
  /** Most servers one user may have (`MAX_SERVERS_PER_USER`). */
  maxServersPerUser: number;
}

/** A connect refused because `maxWorkers` workers run already; its message is for the user. */
export class WorkerLimitError extends Error {
  constructor(maxWorkers: number) {
    super(
      `the app already runs its limit of ${maxWorkers} IRC connections (MAX_WORKERS); ` +
        "try again once another is disconnected",
    );
    this.name = "WorkerLimitError";
  }
}

/** The server asked for has no row (it was deleted); its message is for the user. */
export class ServerNotFoundError extends Error {
  /** The id that was asked for. */
  readonly serverId: number;
  constructor(serverId: number) {
    super("Server not found");
    this.name = "ServerNotFoundError";
    this.serverId = serverId;
  }
}

/** Options of {@link Supervisor.start}. */
export interface SupervisorOptions {
  db: Db;
  /** The database URL the workers connect to (and the leases are held on). */
  databaseUrl: string;
  /** Absolute folder of the workers' sockets. */
  socketDir: string;
  /** `LOG_LEVEL` of the workers. */
  logLevel?: LogLevel;
  /** How long a worker gets to quit before it is killed; 5 s by default. */
  stopGraceMs?: number;
  /** Restart delays after crashes. */
  restart?: Partial<RestartPolicy>;
  /** Resume autoconnect servers and clean left-overs at start (default `true`). */
  resume?: boolean;
  /** Most workers at once; `DEFAULT_MAX_WORKERS` by default. */
  maxWorkers?: number;
  /** Most servers per user, for the routes to enforce; `DEFAULT_MAX_SERVERS_PER_USER` by default. */
  maxServersPerUser?: number;
  /** Heap ceiling of each worker in MB (`WORKER_MEMORY_MB`); `DEFAULT_WORKER_MEMORY_MB` by default. */
  workerMemoryMb?: number;
  /** What an IRC server's name may resolve to (`ALLOWED_IRC_TARGETS`); this process's setting by default. */
  ircTargets?: TargetPolicy;
  /**
   * Where the status changes it writes are published (the app's bus);
   * unpublished without one. Its `workerChannel` names the PostgreSQL
   * channel each worker is told to notify on.
   */
  bus?: Publisher & { workerChannel?(serverId: number): Promise<string> };
  /** This app instance's id among those sharing the database (lib/instances.ts); unnamed without one. */
  instanceId?: string;
  /**
   * Asks the instance running `serverId` to disconnect it (lib/instanceRpc.ts),
   * resolving once it has; without it, its worker is asked through the
   * socket path on the server's row, which only works on one host.
   */
  disconnectElsewhere?: (serverId: number, message: string | null) => Promise<void>;
}

/** One server's worker, as this instance keeps it. */
interface Entry {
  readonly serverId: number;
  readonly backoff: RestartBackoff;
  child: Deno.ChildProcess | undefined;
  exit: Promise<Deno.CommandStatus> | undefined;
  startedAt: number;
  /** Set while this instance stops the worker: its exit is not a crash. */
  stopping: boolean;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** Its output read to the end (after its exit). */
  output: Promise<void> | undefined;
  /** Whether it said V8 ran out of heap: it dies of it, and would again. */
  outOfMemory: boolean;
}

const log = logger("supervisor");

/** Spawns, watches and stops the IRC workers of this app instance. */
export class Supervisor implements ServerSupervisor {
  /** {@inheritDoc ServerSupervisor.limits} */
  readonly limits: WorkerLimits;
  readonly #db: Db;
  readonly #bus: Publisher | undefined;
  readonly #workerChannel: ((serverId: number) => Promise<string>) | undefined;
  readonly #databaseUrl: string;
  readonly #socketDir: string;
  readonly #logLevel: LogLevel;
  readonly #graceMs: number;
  readonly #policy: RestartPolicy;
  readonly #memoryMb: number;
  readonly #ircTargets: TargetPolicy;
  readonly #entries = new Map<number, Entry>();
  readonly #queues = new Map<number, Promise<void>>();
  /** Connects past the limit check that have not put their entry in yet. */
  #starting = 0;
  #leases!: ServerLeases;
  #closed = false;
  #stopped: Promise<void> | undefined;
  readonly #cleanup: CleanupContext;
  readonly #remoteDisconnect: SupervisorOptions["disconnectElsewhere"];

  private constructor(options: SupervisorOptions) {
    this.#db = options.db;
    this.#bus = options.bus;
    this.#workerChannel = options.bus?.workerChannel?.bind(options.bus);
    this.#databaseUrl = options.databaseUrl;
    this.#socketDir = options.socketDir;
    this.#logLevel = options.logLevel ?? "info";
    this.#graceMs = options.stopGraceMs ?? 5000;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.#memoryMb = options.workerMemoryMb ?? DEFAULT_WORKER_MEMORY_MB;
    this.#ircTargets = options.ircTargets ?? processTargetPolicy();
    this.#remoteDisconnect = options.disconnectElsewhere;
    this.#cleanup = { db: this.#db, socketDir: this.#socketDir, graceMs: this.#graceMs, bus: this.#bus };
    this.limits = {
      maxWorkers: options.maxWorkers ?? DEFAULT_MAX_WORKERS,
      maxServersPerUser: options.maxServersPerUser ?? DEFAULT_MAX_SERVERS_PER_USER,
    };
  }

  /**
   * Opens the lease connection, then (unless `resume` is `false`) connects
   * the servers marked `autoconnect` again and ends or cleans what an
   * earlier run left behind.
   */
  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const supervisor = new Supervisor(options);
    supervisor.#leases = await ServerLeases.open(options.databaseUrl, {
      log,
      instanceId: options.instanceId,
      onLost: (ids) => supervisor.#reclaim(ids),
    });
    if (options.resume ?? true) await supervisor.#resume();
    return supervisor;
  }

  /**
   * What `start` does unless told not to: connects the `autoconnect` servers
   * and ends or cleans what an earlier run left. The app calls it once it
   * answers requests, so a start with many servers is not a long 503.
   */
  resume(): Promise<void> {
    return this.#resume();
  }

  /** {@inheritDoc ServerSupervisor.connect} */
  connect(serverId: number): Promise<void> {
    return this.#serial(serverId, async () => {
      this.#assertOpen();
      const entry = this.#entries.get(serverId);
      if (entry) {
        // A worker stopped by a fatal refusal (bad password, ban) waits for
        // the user; connecting again is how they retry.
        if (entry.child && (await findServer(this.#db, serverId))?.status === "error") {
          await this.#stopChild(entry, null);
          await updateServer(
            this.#db,
            serverId,
            { ...NO_WORKER, status: "connecting", last_error: null },
            this.#bus,
          );
          await this.#spawn(entry);
        }
        return;
      }
      // Checked and taken before the first await: connects of other servers
      // run meanwhile, and must not all see the last free place.
      if (this.#entries.size + this.#starting >= this.limits.maxWorkers) {
        throw new WorkerLimitError(this.limits.maxWorkers);
      }
      this.#starting++;
      let reserved = true;
      const unreserve = () => {
        if (reserved) this.#starting--;
        reserved = false;
      };
      try {
        if (!await this.#leases.tryAcquire(serverId)) {
          log.info(`server ${serverId} is run by another app instance`);
          return;
        }
        try {
          const server = await findServer(this.#db, serverId);
          if (!server) throw new ServerNotFoundError(serverId);
          await endLeftover(this.#cleanup, server, null);
          // Taken over from an instance that died: its worker quits by itself, first.
          await waitForFormerWorker(this.#db, serverId);
          await updateServer(this.#db, serverId, {
            ...NO_WORKER,
            autoconnect: true,
            status: "connecting",
            last_error: null,
          }, this.#bus);
          const fresh: Entry = {
            serverId,
            backoff: new RestartBackoff(this.#policy),
            child: undefined,
            exit: undefined,
            startedAt: 0,
            stopping: false,
            restartTimer: undefined,
            output: undefined,
            outOfMemory: false,
          };
          this.#entries.set(serverId, fresh);
          unreserve(); // the entry counts from here
          await this.#spawn(fresh);
        } catch (error) {
          this.#entries.delete(serverId);
          await this.#leases.release(serverId);
          throw error;
        }
      } finally {
        unreserve();
      }
    });
  }

  /** {@inheritDoc ServerSupervisor.disconnect} */
  disconnect(serverId: number, message: string | null = null): Promise<void> {
    return this.#serial(serverId, async () => {
      const entry = this.#entries.get(serverId);
      if (entry) {
        clearTimeout(entry.restartTimer);
        await this.#stopChild(entry, message);
        this.#entries.delete(serverId);
        await this.#recordStopped(serverId, false);
        await this.#leases.release(serverId);
        return;
      }
      if (await this.#leases.tryAcquire(serverId)) {
        // Nobody runs it: end whatever an earlier run left, and record the wish.
        try {
          const server = await findServer(this.#db, serverId);
          if (!server) throw new ServerNotFoundError(serverId);
          await endLeftover(this.#cleanup, server, message);
          await this.#recordStopped(serverId, false);
        } finally {
          await this.#leases.release(serverId);
        }
        return;
      }
      await this.#disconnectElsewhere(serverId, message);
    });
  }

  /** {@inheritDoc ServerSupervisor.isRunning} */
  isRunning(serverId: number): boolean {
    return this.#entries.has(serverId);
  }

  /** The servers whose workers this instance keeps (running, or waiting to restart). */
  runningIds(): number[] {
    return [...this.#entries.keys()];
  }

  /**
   * Stops the worker of `serverId` for another instance to run it
   * (lib/placement.ts): it quits IRC, the server stays `autoconnect`, and
   * the lease is given up once the worker is gone.
   */
  handOver(serverId: number): Promise<void> {
    return this.#serial(serverId, async () => {
      const entry = this.#entries.get(serverId);
      if (!entry || this.#closed) return;
      clearTimeout(entry.restartTimer);
      await this.#stopChild(entry, null);
      this.#entries.delete(serverId);
      await updateServer(this.#db, serverId, {
        ...NO_WORKER,
        status: "reconnecting",
        last_error: "Moving to another app instance",
      }, this.#bus);
      await this.#leases.release(serverId);
    });
  }

  /**
   * Quits every worker (waiting at most the grace period, then killing),
   * removes every socket and gives the leases up. The servers stay marked
   * `autoconnect`, so the next start connects them again.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#closed = true;
      // Let requests already under way finish, so none spawns behind our back.
      await Promise.all([...this.#queues.values()]);
      const entries = [...this.#entries.values()];
      log.info(`stopping ${entries.length} worker(s)`);
      await Promise.all(entries.map(async (entry) => {
        clearTimeout(entry.restartTimer);
        try {
          await this.#stopChild(entry, null);
          await this.#recordStopped(entry.serverId, true);
          // At once, not with the others: another instance can take it up now.
          await this.#leases.release(entry.serverId);
        } catch (error) {
          log.error(`server ${entry.serverId}: ${errorMessage(error)}`);
        }
      }));
      this.#entries.clear();
      await this.#leases.close();
    })();
    return this.#stopped;
  }

  // Runs `task` after every earlier task of the same server.
  #serial<T>(serverId: number, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(serverId) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.then(() => {}, () => {});
    this.#queues.set(serverId, settled);
    settled.then(() => {
      if (this.#queues.get(serverId) === settled) this.#queues.delete(serverId);
    });
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("The app is shutting down");
  }

  async #spawn(entry: Entry): Promise<void> {
    const server = await findServer(this.#db, entry.serverId);
    if (!server) throw new ServerNotFoundError(entry.serverId);
    // A name that points inside the network is refused before any connection
    // is made, which would tell an open port from a closed one.
    const refusal = await resolvedTargetRefusal(this.#ircTargets, server.host);
    if (refusal !== undefined) {
      await updateServer(
        this.#db,
        server.id,
        { ...NO_WORKER, status: "error", last_error: refusal },
        this.#bus,
      );
      throw new Error(refusal);
    }
    let child: Deno.ChildProcess;
    try {
      // A login of its own, confined to this server's rows, with a new
      // password each spawn (lib/db/workerRoles.ts).
      const databaseLogin = await provisionWorkerRole(this.#db, server.id);
      // Its server's bus channel and no other's; this instance listens to it first.
      // Without a bus that listens (an app that publishes nothing), the name alone.
      const busChannel = this.#workerChannel
        ? await this.#workerChannel(server.id)
        : serverPgChannel(await readBusKey(this.#db), server.id);
      child = workerLaunchCommand({
        serverId: server.id,
        ircHost: server.host,
        ircPort: server.port,
        databaseUrl: this.#databaseUrl,
        databaseLogin,
        busChannel,
        socketDir: this.#socketDir,
        logLevel: this.#logLevel,
        memoryLimitMb: this.#memoryMb,
      }, { stdout: "piped", stderr: "piped", detached: true }).spawn();
    } catch (error) {
      const reason = `The IRC worker could not be started: ${errorMessage(error)}`;
      await updateServer(
        this.#db,
        server.id,
        { ...NO_WORKER, status: "error", last_error: reason },
        this.#bus,
      );
      throw new Error(reason);
    }
    entry.child = child;
    entry.stopping = false;
    entry.startedAt = performance.now();
    entry.exit = child.status;
    entry.outOfMemory = false;
    const onLine = (line: string) => {
      if (line.includes(V8_OUT_OF_MEMORY)) entry.outOfMemory = true;
    };
    entry.output = Promise.all([
      forwardOutput(server.id, child.stdout, "info"),
      forwardOutput(server.id, child.stderr, "error", onLine),
    ]).then(() => {});
    log.info(`server ${server.id}: worker started (pid ${child.pid})`);
    child.status.then((status) => this.#exited(entry, child, status));
  }

  #exited(entry: Entry, child: Deno.ChildProcess, status: Deno.CommandStatus): void {
    if (entry.child !== child) return;
    entry.child = undefined;
    if (entry.stopping) return; // whoever stops it records the end
    log.warn(`server ${entry.serverId}: worker (pid ${child.pid}) exited (${describeExit(status)})`);
    this.#serial(entry.serverId, () => this.#afterUnexpectedExit(entry, status))
      .catch((error) => log.error(`server ${entry.serverId}: ${errorMessage(error)}`));
  }

  async #afterUnexpectedExit(entry: Entry, status: Deno.CommandStatus): Promise<void> {
    const id = entry.serverId;
    if (this.#entries.get(id) !== entry || entry.child || this.#closed) return;
    await removeSocket(socketPathFor(this.#socketDir, id));
    // Its last words (V8's out-of-memory report) may still be in the pipe.
    if (entry.output) await settlesWithin(entry.output, 1000);
    if (entry.outOfMemory) {
      // Restarting would only meet the same flood again: the user decides.
      this.#entries.delete(id);
      await updateServer(this.#db, id, {
        ...NO_WORKER,
        status: "error",
        last_error: `The IRC worker ran out of memory (limit ${this.#memoryMb} MB); connect again to retry`,
      }, this.#bus);
      await this.#leases.release(id);
      return;
    }
    if (status.code === 0) {
      // It quit by itself: a `quit` sent straight to its socket (the user's
      // /quit). That is a disconnect, not a crash.
      this.#entries.delete(id);
      await this.#recordStopped(id, false);
      await this.#leases.release(id);
      return;
    }
    if (status.code === WORKER_EXIT_START_FAILED) {
      this.#entries.delete(id);
      await updateServer(this.#db, id, {
        ...NO_WORKER,
        status: "error",
        last_error: "The IRC worker could not start; the app log says why",
      }, this.#bus);
      await this.#leases.release(id);
      return;
    }
    const wait = entry.backoff.next(entry.startedAt);
    await updateServer(this.#db, id, {
      ...NO_WORKER,
      status: "reconnecting",
      last_error: `The IRC worker stopped unexpectedly (${describeExit(status)}); restarting in ${
        formatSeconds(wait)
      }`,
    }, this.#bus);
    this.#scheduleRestart(entry, wait);
  }

  #scheduleRestart(entry: Entry, wait: number): void {
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = undefined;
      this.#serial(entry.serverId, async () => {
        if (this.#entries.get(entry.serverId) !== entry || entry.child || this.#closed) return;
        try {
          await this.#spawn(entry);
        } catch (error) {
          if (error instanceof ServerNotFoundError) {
            this.#entries.delete(entry.serverId);
            await this.#leases.release(entry.serverId);
            return;
          }
          log.error(`server ${entry.serverId}: restart failed: ${errorMessage(error)}`);
          this.#scheduleRestart(entry, entry.backoff.next(performance.now()));
        }
      }).catch((error) => log.error(`server ${entry.serverId}: ${errorMessage(error)}`));
    }, wait);
  }

  /**
   * Asks the worker to quit through its socket (SIGTERM when the socket does
   * not answer, e.g. before the worker listens), waits the grace period, then
   * kills it. Leaves no socket file behind.
   */
  async #stopChild(entry: Entry, message: string | null): Promise<void> {
    const child = entry.child;
    const exit = entry.exit;
    if (!child || !exit) return;
    entry.stopping = true;
    const path = socketPathFor(this.#socketDir, entry.serverId);
    try {
      await new IrcCommandSender({ socket_path: path }, { timeoutMs: QUIT_REPLY_MS }).quit(message);
    } catch (error) {
      log.debug(`server ${entry.serverId}: quit through the socket failed (${errorMessage(error)})`);
      signalChild(child, "SIGTERM");
    }
    if (!await settlesWithin(exit, this.#graceMs)) {
      log.warn(`server ${entry.serverId}: worker (pid ${child.pid}) did not exit in time; killing it`);
      signalChild(child, "SIGKILL");
      await exit;
    }
    entry.child = undefined;
    await removeSocket(path);
  }

  /** Clears the row of a worker this instance stopped; `autoconnect` stays only for a shutdown. */
  async #recordStopped(serverId: number, keepAutoconnect: boolean): Promise<void> {
    const patch: ServerUpdate = { ...NO_WORKER, status: "disconnected" };
    if (!keepAutoconnect) patch.autoconnect = false;
    const server = await findServer(this.#db, serverId);
    // Keep the reason of an error visible; any other state is over.
    if (server && server.status !== "error") patch.last_error = null;
    if (server) await updateServer(this.#db, serverId, patch, this.#bus);
  }

  /** Another instance runs the server: ask its worker to quit through its socket. */
  async #disconnectElsewhere(serverId: number, message: string | null): Promise<void> {
    const server = await findServer(this.#db, serverId);
    if (!server) throw new ServerNotFoundError(serverId);
    await updateServer(this.#db, serverId, { autoconnect: false }, this.#bus);
    if (this.#remoteDisconnect) return await this.#remoteDisconnect(serverId, message);
    if (!server.socket_path) return;
    try {
      await new IrcCommandSender(server, { timeoutMs: QUIT_REPLY_MS }).quit(message);
    } catch (error) {
      throw new Error(
        `The server's worker runs in another app instance and did not take the quit: ${errorMessage(error)}`,
      );
    }
    await waitUntil(async () => (await findServer(this.#db, serverId))?.pid == null, this.#graceMs);
  }

  // At start-up: connect what should be connected, tidy what an earlier run left.
  async #resume(): Promise<void> {
    const ids = await serversToResume(this.#db, this.#socketDir);
    for (const [id, autoconnect] of ids) {
      try {
        if (autoconnect) await this.connect(id);
        else await this.#tidy(id);
      } catch (error) {
        if (!(error instanceof WorkerLimitError)) {
          log.error(`server ${id}: ${errorMessage(error)}`);
          continue;
        }
        log.warn(`server ${id} not connected: ${error.message}`);
        // Shown on its row until the user connects it; it keeps
        // `autoconnect`, so a later start tries again.
        await this.#tidy(id, `Not connected at start-up: ${error.message}`)
          .catch((e) => log.error(`server ${id}: ${errorMessage(e)}`));
      }
    }
  }

  // A server that should not run, cleaned up (`tidyLeftover`) under its lease.
  #tidy(serverId: number, refusal?: string): Promise<void> {
    return this.#serial(serverId, async () => {
      if (this.#entries.has(serverId) || !await this.#leases.tryAcquire(serverId)) return;
      try {
        await tidyLeftover(this.#cleanup, serverId, refusal);
      } finally {
        await this.#leases.release(serverId);
      }
    });
  }

  // The lease connection broke: take the leases back, or give the workers up
  // to whichever instance took them meanwhile. The retries run outside the
  // per-server queues so that a database outage does not hold up a shutdown.
  #reclaim(ids: number[]): void {
    (async () => {
      const lost: number[] = [];
      for (let attempt = 0; !this.#closed; attempt++) {
        try {
          lost.length = 0;
          for (const id of ids) {
            if (this.#entries.has(id) && !await this.#leases.tryAcquire(id)) lost.push(id);
          }
          break;
        } catch (error) {
          log.warn(`cannot take the leases back yet: ${errorMessage(error)}`);
          await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 })));
        }
      }
      for (const id of lost) {
        await this.#serial(id, async () => {
          const entry = this.#entries.get(id);
          if (!entry || this.#closed) return;
          // Another instance owns it now and may run its own worker: kill ours
          // without letting it touch the row or the socket, which are theirs.
          log.error(`server ${id}: another app instance took its lease; killing our worker`);
          clearTimeout(entry.restartTimer);
          entry.stopping = true;
          if (entry.child) signalChild(entry.child, "SIGKILL");
          await entry.exit;
          this.#entries.delete(id);
        });
      }
    })().catch((error) => log.error(`taking the leases back: ${errorMessage(error)}`));
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

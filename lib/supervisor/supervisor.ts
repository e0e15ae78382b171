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
import { processTargetPolicy, type TargetPolicy } from "../ircTargets.ts";
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
import { ServerLeases } from "../cluster/serverLease.ts";
import { findServer, socketPathFor, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import {
  type CleanupContext,
  endLeftover,
  NO_WORKER,
  serversToResume,
  tidyLeftover,
} from "./leftoverWorkers.ts";
import { describeExit, QUIT_REPLY_MS, settlesWithin, signalChild, waitUntil } from "./workerProcess.ts";
import { removeSocket } from "./workerSockets.ts";
import { ServerNotFoundError, WorkerLimitError } from "./errors.ts";
import { SerialQueues } from "./serialQueues.ts";
import { type SpawnContext, spawnWorker } from "./workerSpawn.ts";
import { endWorker } from "./workerStop.ts";
import { exitOutcome } from "./workerExit.ts";
import { waitForFormerWorker } from "../cluster/formerWorker.ts";

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
  /** This app instance's id among those sharing the database (lib/cluster/instances.ts); unnamed without one. */
  instanceId?: string;
  /**
   * Asks the instance running `serverId` to disconnect it (lib/cluster/instanceRpc.ts),
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
  readonly #socketDir: string;
  readonly #graceMs: number;
  readonly #policy: RestartPolicy;
  readonly #spawning: SpawnContext;
  readonly #entries = new Map<number, Entry>();
  readonly #queues = new SerialQueues<number>();
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
    this.#socketDir = options.socketDir;
    this.#graceMs = options.stopGraceMs ?? 5000;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
    this.#spawning = {
      db: options.db,
      databaseUrl: options.databaseUrl,
      socketDir: options.socketDir,
      logLevel: options.logLevel ?? "info",
      memoryMb: options.workerMemoryMb ?? DEFAULT_WORKER_MEMORY_MB,
      ircTargets: options.ircTargets ?? processTargetPolicy(),
      bus: options.bus,
      workerChannel: options.bus?.workerChannel?.bind(options.bus),
    };
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
   * (lib/cluster/placement.ts): it quits IRC, the server stays `autoconnect`, and
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
      await this.#queues.settled();
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
    return this.#queues.run(serverId, task);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("The app is shutting down");
  }

  async #spawn(entry: Entry): Promise<void> {
    entry.outOfMemory = false;
    const { child, output } = await spawnWorker(this.#spawning, entry.serverId, () => {
      entry.outOfMemory = true;
    });
    entry.child = child;
    entry.stopping = false;
    entry.startedAt = performance.now();
    entry.exit = child.status;
    entry.output = output;
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
    const outcome = exitOutcome({
      status,
      outOfMemory: entry.outOfMemory,
      memoryMb: this.#spawning.memoryMb,
      restartInMs: () => entry.backoff.next(entry.startedAt),
    });
    if (outcome.kind === "restart") {
      await updateServer(this.#db, id, outcome.patch, this.#bus);
      this.#scheduleRestart(entry, outcome.waitMs);
      return;
    }
    this.#entries.delete(id);
    if (outcome.kind === "stopped") await this.#recordStopped(id, false);
    else await updateServer(this.#db, id, outcome.patch, this.#bus);
    await this.#leases.release(id);
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
    await endWorker({ serverId: entry.serverId, child, exit, socketPath: path }, message, this.#graceMs);
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

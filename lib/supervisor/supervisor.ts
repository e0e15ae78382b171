/**
 * Running this app instance's IRC workers: one subprocess per connected
 * server, started on request under the server's lease, restarted when it
 * dies, and stopped or handed over without leaving a process or a socket
 * behind (docs/architecture.md, "Processes" and "Failure modes").
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { findServer, socketPathFor, updateServer } from "../servers.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { errorMessage, logger } from "../log.ts";
import { ServerLeases } from "../cluster/serverLease.ts";
import { waitForFormerWorker } from "../cluster/formerWorker.ts";
import { type CleanupContext, endLeftover } from "./leftoverWorkers.ts";
import { describeExit, settlesWithin } from "./workerProcess.ts";
import { removeSocket } from "./workerSockets.ts";
import { ServerNotFoundError, WorkerLimitError } from "./errors.ts";
import { SerialQueues } from "./serialQueues.ts";
import { exitOutcome } from "./workerExit.ts";
import { KeptWorker, type KeptWorkerContext } from "./keptWorker.ts";
import { recordConnecting, recordHandedOver, recordStopped, type RowContext } from "./workerRows.ts";
import { resumeServers, tidyUnderLease } from "./startupResume.ts";
import { retakeLeases } from "./leaseReclaim.ts";
import { disconnectElsewhere, type RemoteDisconnectContext } from "./remoteDisconnect.ts";
import type { ServerSupervisor, WorkerLimits } from "./serverSupervisor.ts";
import { type SupervisorOptions, supervisorSettings } from "./supervisorOptions.ts";

const log = logger("supervisor");

/** Spawns, watches and stops the IRC workers of this app instance. */
export class Supervisor implements ServerSupervisor {
  /** {@inheritDoc ServerSupervisor.limits} */
  readonly limits: WorkerLimits;
  readonly #db: Db;
  readonly #bus: Publisher | undefined;
  readonly #socketDir: string;
  readonly #rows: RowContext;
  readonly #kept: KeptWorkerContext;
  readonly #cleanup: CleanupContext;
  readonly #elsewhere: RemoteDisconnectContext;
  readonly #entries = new Map<number, KeptWorker>();
  readonly #queues = new SerialQueues<number>();
  /** Connects past the limit check that have not put their entry in yet. */
  #starting = 0;
  #leases!: ServerLeases;
  #closed = false;
  #stopped: Promise<void> | undefined;

  private constructor(options: SupervisorOptions) {
    const settings = supervisorSettings(options);
    this.#db = options.db;
    this.#bus = options.bus;
    this.#socketDir = options.socketDir;
    this.#rows = { db: options.db, bus: options.bus };
    this.#kept = { spawning: settings.spawning, policy: settings.policy, graceMs: settings.graceMs };
    this.#cleanup = settings.cleanup;
    this.#elsewhere = {
      db: options.db,
      bus: options.bus,
      graceMs: settings.graceMs,
      remote: options.disconnectElsewhere,
    };
    this.limits = settings.limits;
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
    if (options.resume ?? true) await supervisor.resume();
    return supervisor;
  }

  /**
   * What `start` does unless told not to: connects the `autoconnect` servers
   * and ends or cleans what an earlier run left (lib/supervisor/startupResume.ts).
   * The app calls it once it answers requests, so a start with many servers is
   * not a long 503.
   */
  resume(): Promise<void> {
    return resumeServers({
      db: this.#db,
      socketDir: this.#socketDir,
      connect: (id) => this.connect(id),
      tidy: (id, refusal) => this.#tidy(id, refusal),
    });
  }

  /** {@inheritDoc ServerSupervisor.connect} */
  connect(serverId: number): Promise<void> {
    return this.#serial(serverId, async () => {
      this.#assertOpen();
      const entry = this.#entries.get(serverId);
      if (entry) {
        // A worker stopped by a fatal refusal (bad password, ban) waits for
        // the user; connecting again is how they retry.
        if (entry.alive && (await findServer(this.#db, serverId))?.status === "error") {
          await entry.stop(null);
          await recordConnecting(this.#rows, serverId, false);
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
          await recordConnecting(this.#rows, serverId, true);
          const fresh = new KeptWorker(serverId, this.#kept);
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
        entry.cancelRestart();
        await entry.stop(message);
        this.#entries.delete(serverId);
        await recordStopped(this.#rows, serverId, false);
        await this.#leases.release(serverId);
        return;
      }
      if (await this.#leases.tryAcquire(serverId)) {
        // Nobody runs it: end whatever an earlier run left, and record the wish.
        try {
          const server = await findServer(this.#db, serverId);
          if (!server) throw new ServerNotFoundError(serverId);
          await endLeftover(this.#cleanup, server, message);
          await recordStopped(this.#rows, serverId, false);
        } finally {
          await this.#leases.release(serverId);
        }
        return;
      }
      await disconnectElsewhere(this.#elsewhere, serverId, message);
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
      entry.cancelRestart();
      await entry.stop(null);
      this.#entries.delete(serverId);
      await recordHandedOver(this.#rows, serverId);
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
        entry.cancelRestart();
        try {
          await entry.stop(null);
          await recordStopped(this.#rows, entry.serverId, true);
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

  #spawn(entry: KeptWorker): Promise<void> {
    return entry.spawn((status, pid) => {
      log.warn(`server ${entry.serverId}: worker (pid ${pid}) exited (${describeExit(status)})`);
      this.#serial(entry.serverId, () => this.#afterUnexpectedExit(entry, status))
        .catch((error) => log.error(`server ${entry.serverId}: ${errorMessage(error)}`));
    });
  }

  async #afterUnexpectedExit(entry: KeptWorker, status: Deno.CommandStatus): Promise<void> {
    const id = entry.serverId;
    if (this.#entries.get(id) !== entry || entry.alive || this.#closed) return;
    await removeSocket(socketPathFor(this.#socketDir, id));
    // Its last words (V8's out-of-memory report) may still be in the pipe.
    if (entry.output) await settlesWithin(entry.output, 1000);
    const outcome = exitOutcome({
      status,
      outOfMemory: entry.outOfMemory,
      memoryMb: this.#kept.spawning.memoryMb,
      restartInMs: () => entry.backoff.next(entry.startedAt),
    });
    if (outcome.kind === "restart") {
      await updateServer(this.#db, id, outcome.patch, this.#bus);
      this.#scheduleRestart(entry, outcome.waitMs);
      return;
    }
    this.#entries.delete(id);
    if (outcome.kind === "stopped") await recordStopped(this.#rows, id, false);
    else await updateServer(this.#db, id, outcome.patch, this.#bus);
    await this.#leases.release(id);
  }

  #scheduleRestart(entry: KeptWorker, wait: number): void {
    entry.restartAfter(wait, () => {
      this.#serial(entry.serverId, async () => {
        if (this.#entries.get(entry.serverId) !== entry || entry.alive || this.#closed) return;
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
    });
  }

  // A server that should not run, cleaned up under its lease unless this instance keeps it.
  #tidy(serverId: number, refusal?: string): Promise<void> {
    return this.#serial(serverId, async () => {
      if (this.#entries.has(serverId)) return;
      await tidyUnderLease(this.#leases, this.#cleanup, serverId, refusal);
    });
  }

  // The lease connection broke: take the leases back (lib/supervisor/leaseReclaim.ts),
  // or give the workers up to whichever instance took them meanwhile.
  #reclaim(ids: number[]): void {
    (async () => {
      const lost = await retakeLeases(this.#leases, ids, {
        keeps: (id) => this.#entries.has(id),
        closed: () => this.#closed,
      });
      for (const id of lost) {
        await this.#serial(id, async () => {
          const entry = this.#entries.get(id);
          if (!entry || this.#closed) return;
          // Another instance owns it now and may run its own worker: kill ours
          // without letting it touch the row or the socket, which are theirs.
          log.error(`server ${id}: another app instance took its lease; killing our worker`);
          entry.cancelRestart();
          await entry.kill();
          this.#entries.delete(id);
        });
      }
    })().catch((error) => log.error(`taking the leases back: ${errorMessage(error)}`));
  }
}

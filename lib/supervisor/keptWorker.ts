/**
 * One server's worker as this instance keeps it, from the first spawn to
 * the last stop: its current process (none between a crash and the
 * restart), its restart wait and what it said before it died.
 *
 * @module
 */
import { socketPathFor } from "../servers.ts";
import { RestartBackoff, type RestartPolicy } from "./restartBackoff.ts";
import { signalChild } from "./workerProcess.ts";
import { removeSocket } from "./workerSockets.ts";
import { type SpawnContext, spawnWorker } from "./workerSpawn.ts";
import { endWorker } from "./workerStop.ts";

/** What every kept worker of one supervisor shares. */
export interface KeptWorkerContext {
  spawning: SpawnContext;
  /** Restart delays after crashes. */
  policy: RestartPolicy;
  /** How long a worker gets to quit before it is killed. */
  graceMs: number;
}

/** Called when the process exits without this instance stopping it, with its pid. */
export type UnexpectedExit = (status: Deno.CommandStatus, pid: number) => void;

/** One server's worker, as this instance keeps it. */
export class KeptWorker {
  /** The server it runs. */
  readonly serverId: number;
  /** Its restart delays. */
  readonly backoff: RestartBackoff;
  readonly #ctx: KeptWorkerContext;
  #child: Deno.ChildProcess | undefined;
  #exit: Promise<Deno.CommandStatus> | undefined;
  #startedAt = 0;
  /** Set while this instance stops the worker: its exit is not a crash. */
  #stopping = false;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #output: Promise<void> | undefined;
  #outOfMemory = false;

  constructor(serverId: number, ctx: KeptWorkerContext) {
    this.serverId = serverId;
    this.#ctx = ctx;
    this.backoff = new RestartBackoff(ctx.policy);
  }

  /** Whether its process runs (not between an exit and a restart). */
  get alive(): boolean {
    return this.#child !== undefined;
  }

  /** When its process was started (`performance.now()`). */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** Whether the last process said V8 ran out of heap: it dies of it, and would again. */
  get outOfMemory(): boolean {
    return this.#outOfMemory;
  }

  /** The last process's output, read to the end (after its exit). */
  get output(): Promise<void> | undefined {
    return this.#output;
  }

  /** Spawns a process (lib/supervisor/workerSpawn.ts); `onExit` hears of an exit nobody asked for. */
  async spawn(onExit: UnexpectedExit): Promise<void> {
    this.#outOfMemory = false;
    const { child, output } = await spawnWorker(this.#ctx.spawning, this.serverId, () => {
      this.#outOfMemory = true;
    });
    this.#child = child;
    this.#stopping = false;
    this.#startedAt = performance.now();
    this.#exit = child.status;
    this.#output = output;
    child.status.then((status) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#stopping) return; // whoever stops it records the end
      onExit(status, child.pid);
    });
  }

  /**
   * Asks the process to quit through its socket (SIGTERM when the socket
   * does not answer, e.g. before the worker listens), waits the grace
   * period, then kills it. Leaves no socket file behind.
   */
  async stop(message: string | null): Promise<void> {
    const child = this.#child;
    const exit = this.#exit;
    if (!child || !exit) return;
    this.#stopping = true;
    const path = socketPathFor(this.#ctx.spawning.socketDir, this.serverId);
    await endWorker({ serverId: this.serverId, child, exit, socketPath: path }, message, this.#ctx.graceMs);
    this.#child = undefined;
    await removeSocket(path);
  }

  /** Kills the process without a word and touches nothing else: its row and socket may be another's. */
  async kill(): Promise<void> {
    this.#stopping = true;
    if (this.#child) signalChild(this.#child, "SIGKILL");
    await this.#exit;
  }

  /** Runs `restart` after `waitMs`, unless {@link KeptWorker.cancelRestart} comes first. */
  restartAfter(waitMs: number, restart: () => void): void {
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      restart();
    }, waitMs);
  }

  /** Cancels a restart waiting to run. */
  cancelRestart(): void {
    clearTimeout(this.#restartTimer);
  }
}

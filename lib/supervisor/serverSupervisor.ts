/**
 * What the routes may ask of the supervisor, and the bounds on its workers:
 * the interface the web process's routes are written against.
 *
 * @module
 */

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

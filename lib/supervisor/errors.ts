/**
 * The supervisor's refusals the app tells apart by type: past the worker
 * limit, and a server with no row.
 *
 * @module
 */

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

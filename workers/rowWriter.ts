/**
 * The worker's writes of its own server row (status, nick, last error),
 * kept right through a database outage.
 *
 * @module
 */
import type { Db } from "../lib/db/database.ts";
import type { ServerUpdate } from "../lib/db/schema.ts";
import { backoffDelay } from "../lib/backoff.ts";
import { errorMessage, type Logger } from "../lib/log.ts";
import { updateServer } from "../lib/servers.ts";
import type { Publisher } from "../lib/events/wireFormat.ts";
import { isRejection } from "./databaseErrors.ts";

/**
 * Writes of the worker's own server row (status, nick), latest wins: while
 * the database is unreachable the newest patch waits and is retried, so the
 * row is right once it is back.
 */
export class RowWriter {
  readonly #db: Db;
  readonly #serverId: number;
  readonly #log: Logger;
  readonly #publisher: Publisher;
  #pending: ServerUpdate | undefined;
  #writing = false;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** Writes the row of `serverId` on `db`, each change published on `publisher`; failures go to `log`. */
  constructor(db: Db, serverId: number, log: Logger, publisher: Publisher) {
    this.#db = db;
    this.#serverId = serverId;
    this.#log = log;
    this.#publisher = publisher;
  }

  /** Merges `patch` into what is to be written and writes it soon. */
  write(patch: ServerUpdate): void {
    this.#pending = { ...this.#pending, ...patch };
    this.#flush();
  }

  /** Retries a waiting write now (the database is back). */
  retryNow(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#attempt = 0;
    this.#flush();
  }

  /** Stops retrying (the worker is exiting and writes its last row itself). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #flush(): void {
    if (this.#writing || this.#timer !== undefined || !this.#pending || this.#stopped) return;
    const patch = this.#pending;
    this.#pending = undefined;
    this.#writing = true;
    updateServer(this.#db, this.#serverId, patch, this.#publisher).then(
      () => {
        this.#attempt = 0;
      },
      (error) => {
        if (isRejection(error)) {
          // Writing it again cannot help, and newer patches would be merged
          // into it and refused with it, for ever.
          this.#log.error(`server row update refused and dropped: ${errorMessage(error)}`);
          return;
        }
        this.#log.error(`server row not written (will retry): ${errorMessage(error)}`);
        this.#pending = { ...patch, ...this.#pending };
        const wait = backoffDelay(this.#attempt++, { baseMs: 500, maxMs: 30_000 });
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#flush();
        }, wait);
      },
    ).finally(() => {
      this.#writing = false;
      this.#flush();
    });
  }
}

/**
 * Which app instance runs a server's worker: a PostgreSQL advisory lock per
 * server, held on a database connection of its own. Two app instances on one
 * database never run the same server twice, and a lock of an instance that
 * dies goes with its connection, so nothing has to expire by the clock.
 *
 * @module
 */
import pg from "pg";
import { errorMessage, type Logger } from "../log.ts";

/** First key of every lock of ours ("IRCW"), so other users of advisory locks do not collide. */
export const LEASE_NAMESPACE = 0x49524357;

/**
 * The `application_name` of the lease connection of instance `instanceId`:
 * who holds a lease is read from `pg_locks` joined to `pg_stat_activity`
 * (lib/cluster/instances.ts), so the lock's own connection names its instance.
 */
export function leaseApplicationName(instanceId: string): string {
  return `ircweb-leases:${instanceId}`;
}

/** Options of {@link ServerLeases.open}. */
export interface ServerLeasesOptions {
  log: Logger;
  /** The app instance holding them (lib/cluster/instances.ts); unnamed without one. */
  instanceId?: string;
  /**
   * Called when the lock connection broke: the leases of `serverIds` are no
   * longer ours (the database dropped them with the connection).
   */
  onLost?: (serverIds: number[]) => void;
}

/** The leases this app instance holds. */
export class ServerLeases {
  readonly #url: string;
  readonly #options: ServerLeasesOptions;
  readonly #held = new Set<number>();
  #client: Promise<pg.Client> | undefined;
  #closed = false;

  private constructor(url: string, options: ServerLeasesOptions) {
    this.#url = url;
    this.#options = options;
  }

  /** Opens the lock connection on `url`. */
  static async open(url: string, options: ServerLeasesOptions): Promise<ServerLeases> {
    const leases = new ServerLeases(url, options);
    await leases.#connection();
    return leases;
  }

  /** Whether this instance holds the lease of `serverId`. */
  holds(serverId: number): boolean {
    return this.#held.has(serverId);
  }

  /**
   * Takes the lease of `serverId` unless another instance has it; `true`
   * when it is ours (also when it already was).
   */
  async tryAcquire(serverId: number): Promise<boolean> {
    if (this.#closed) throw new Error("The server leases are closed");
    // Advisory locks count per session: taking one twice would need two unlocks.
    if (this.#held.has(serverId)) return true;
    const client = await this.#connection();
    const result = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_lock($1::int4, $2::int4) as ok",
      [LEASE_NAMESPACE, serverId],
    );
    const ok = result.rows[0]?.ok === true;
    if (ok) this.#held.add(serverId);
    return ok;
  }

  /** The ids of the servers whose leases this instance holds. */
  heldIds(): number[] {
    return [...this.#held];
  }

  /** Gives the lease of `serverId` up. */
  async release(serverId: number): Promise<void> {
    if (!this.#held.delete(serverId) || this.#client === undefined) return;
    try {
      const client = await this.#client;
      await client.query("select pg_advisory_unlock($1::int4, $2::int4)", [LEASE_NAMESPACE, serverId]);
    } catch (error) {
      // A broken connection took the lock with it: released either way.
      this.#options.log.debug(`releasing lease of server ${serverId}: ${errorMessage(error)}`);
    }
  }

  /** Gives every lease up and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#held.clear();
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.then((c) => c.end()).catch(() => {});
  }

  #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: this.#options.instanceId === undefined
        ? "ircweb-leases"
        : leaseApplicationName(this.#options.instanceId),
    });
    const connecting = client.connect().then(() => client);
    this.#client = connecting;
    const lost = (why: string) => {
      // Only the connection in use counts; an older one was already given up.
      if (this.#closed || this.#client !== connecting) return;
      this.#client = undefined;
      const ids = [...this.#held];
      this.#held.clear();
      this.#options.log.error(`lost the lease connection (${why}); ${ids.length} lease(s) dropped`);
      client.end().catch(() => {});
      if (ids.length > 0) this.#options.onLost?.(ids);
    };
    client.on("error", (error) => lost(errorMessage(error)));
    client.on("end", () => lost("connection ended"));
    connecting.catch(() => {
      if (this.#client === connecting) this.#client = undefined;
    });
    return connecting;
  }
}

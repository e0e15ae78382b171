/**
 * The PostgreSQL channel of each server, as one bus knows them: worked out
 * from the bus key (read once from `app_secrets`) or told (a worker's own),
 * and back from a channel to its server.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { readBusKey, serverPgChannel } from "./busChannels.ts";

/** One bus's map between servers and their PostgreSQL channels. */
export class ServerPgChannels {
  readonly #db: Db;
  // The key of the servers' channel names, read once (app_secrets).
  #key: Promise<Uint8Array> | undefined;
  readonly #byServer = new Map<number, string>();
  readonly #byChannel = new Map<string, number>();

  /** Channels of the servers of `db`. */
  constructor(db: Db) {
    this.#db = db;
  }

  /** The channel of `serverId` if known already (so the event path awaits nothing new). */
  known(serverId: number): string | undefined {
    return this.#byServer.get(serverId);
  }

  /** The channel of `serverId`, worked out from the key when not known yet. */
  async of(serverId: number): Promise<string> {
    const key = this.#byServer.has(serverId) ? undefined : await this.key();
    return this.#byServer.get(serverId) ?? this.withKey(key!, serverId);
  }

  /** The channel of `serverId` under `key` (read already), remembered. */
  withKey(key: Uint8Array, serverId: number): string {
    return this.#byServer.get(serverId) ?? this.remember(serverId, serverPgChannel(key, serverId));
  }

  /** Records that `pgChannel` is the channel of `serverId`; returns it. */
  remember(serverId: number, pgChannel: string): string {
    this.#byServer.set(serverId, pgChannel);
    this.#byChannel.set(pgChannel, serverId);
    return pgChannel;
  }

  /** The server whose channel `pgChannel` is, when known. */
  serverOf(pgChannel: string): number | undefined {
    return this.#byChannel.get(pgChannel);
  }

  /** Forgets the channel of `serverId` (the server is gone). */
  forget(serverId: number): void {
    const name = this.#byServer.get(serverId);
    this.#byServer.delete(serverId);
    if (name !== undefined) this.#byChannel.delete(name);
  }

  /** The bus key, read once; a failure (the database away) is tried again next time. */
  key(): Promise<Uint8Array> {
    if (this.#key) return this.#key;
    const key = readBusKey(this.#db);
    this.#key = key;
    key.catch(() => {
      if (this.#key === key) this.#key = undefined;
    });
    return key;
  }
}

/**
 * The names of the bus channels a server's events travel on
 * (`server_<id>_messages`, `_status`, `_channels`), and the PostgreSQL channel
 * of each server, named after a keyed hash of its id ({@link serverPgChannel})
 * that only the app can work out (docs/api.md, "Service bus").
 *
 * @module
 */
import { createHmac } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import { errorMessage } from "../log.ts";

/** The prefix shared by every server's channels. */
export const SERVER_CHANNEL_PREFIX = "server_";

/**
 * The bus channel on which the database announces servers created
 * (`{"server_created": id}`) and deleted (`{"server_deleted": id}`), so that
 * every app instance listens to a new server's channel (migration
 * `0014_bus_channels` sends them from a trigger). It carries ids only.
 */
export const SERVERS_CHANNEL = "bus_servers";

/** What kind of event a server channel carries. */
export type ServerChannelKind = "messages" | "status" | "channels";

/** The bus channel of a server's messages. */
export function messagesChannel(serverId: number): string {
  return `server_${serverId}_messages`;
}

/** The bus channel of a server's status (`server_<id>_status`, docs/api.md). */
export function statusChannel(serverId: number): string {
  return `server_${serverId}_status`;
}

/** The bus channel of a server's channel changes (joined, topic). */
export function channelsChannel(serverId: number): string {
  return `server_${serverId}_channels`;
}

/** The server and kind a channel name is of, or `undefined` when it is not a server channel. */
export function parseServerChannel(
  channel: string,
): { serverId: number; kind: ServerChannelKind } | undefined {
  const match = /^server_([0-9]+)_(messages|status|channels)$/.exec(channel);
  if (!match) return undefined;
  return { serverId: Number(match[1]), kind: match[2] as ServerChannelKind };
}

/**
 * The server whose bus channel `channel` is (`server_<id>_...`, any kind),
 * or `undefined` when it is not a server's.
 *
 * @throws Error for a name that starts like a server's channel without a
 * server id (`server_x`): it would otherwise travel where anyone may listen.
 */
export function serverIdOfChannel(channel: string): number | undefined {
  if (!channel.startsWith(SERVER_CHANNEL_PREFIX)) return undefined;
  const match = /^server_([1-9][0-9]{0,9})_/.exec(channel);
  if (!match) throw new Error(`invalid server bus channel name: ${JSON.stringify(channel)}`);
  return Number(match[1]);
}

/**
 * The PostgreSQL channel of every bus channel of `serverId`:
 * `ircweb_s<id>_` and the first 32 hex digits of HMAC-SHA-256(`busKey`,
 * `server:<id>`), 51 bytes at most (PostgreSQL cuts names at 63). Without
 * the key (`app_secrets`, which only the app's role reads) it cannot be
 * guessed from the id.
 */
export function serverPgChannel(busKey: Uint8Array, serverId: number): string {
  if (!Number.isSafeInteger(serverId) || serverId < 1) throw new Error(`invalid server id: ${serverId}`);
  const mac = createHmac("sha256", busKey).update(`server:${serverId}`).digest("hex").slice(0, 32);
  return `ircweb_s${serverId}_${mac}`;
}

/** Whether `name` is shaped like a {@link serverPgChannel} name of `serverId` (a worker's given name is checked with it). */
export function isServerPgChannel(name: string, serverId: number): boolean {
  return new RegExp(`^ircweb_s${serverId}_[0-9a-f]{32}$`).test(name);
}

/**
 * The key of {@link serverPgChannel}: 32 bytes migration `0014_bus_channels`
 * made, which only the app's role may read.
 *
 * @throws Error saying why it could not be read (a worker's login may not).
 */
export async function readBusKey(db: Db): Promise<Uint8Array> {
  let value: string | undefined;
  try {
    const { rows } = await sql<{ value: string }>`select value from app_secrets where name = 'bus'`.execute(
      db,
    );
    value = rows[0]?.value;
  } catch (error) {
    throw new Error(`The service bus could not read its key: ${errorMessage(error)}`);
  }
  if (value === undefined || !/^[0-9a-f]{64}$/.test(value)) {
    throw new Error("The service bus key is missing from app_secrets: run the migrations");
  }
  return Uint8Array.from(value.match(/../g)!, (byte) => parseInt(byte, 16));
}

/**
 * The names of the bus channels a server's events travel on
 * (`server_<id>_messages`, `_status`, `_channels`; docs/api.md, "Service bus").
 *
 * @module
 */

/** The prefix shared by every server's channels. */
export const SERVER_CHANNEL_PREFIX = "server_";

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

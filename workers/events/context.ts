/**
 * What an IRC event handler gets: the IRC client to listen on, and ways to
 * store what happened. One handler per IRC event lives next to this file,
 * in the style of The Lounge's `plugins/irc-events/`.
 *
 * @module
 */
import type { Client } from "../irc-framework.d.ts";
import type { ChannelChange } from "../../lib/channels.ts";
import type { NewMessageInput } from "../../lib/messages.ts";
import type { ChannelUsers } from "./channelUsers.ts";

/** The worker's side of every handler. */
export interface EventContext {
  /** irc-framework's client, to subscribe to its events. */
  client: Client;
  /** Who is in which channel, for events that name no channel (quit, nick). */
  users: ChannelUsers;
  /** Our nick now. */
  me(): string;
  /** Whether `nick` is ours (with the server's case mapping). */
  isMe(nick: string | undefined): boolean;
  /** Whether `name` is a channel on this network (CHANTYPES). */
  isChannel(name: string): boolean;
  /** Stores a message (in arrival order, batched). */
  store(message: NewMessageInput): void;
  /** Records a change of a channel (joined, topic). */
  changeChannel(name: string, change: ChannelChange): void;
}

/** Registers the listeners of one kind of IRC event. */
export type EventHandler = (context: EventContext) => void;

/**
 * Whether `value` is a non-empty string: what an event's names must be.
 * irc-framework fills an event from the line's parameters as they come, so
 * a malformed line (`:x!u@h JOIN` with no channel) leaves them `undefined`.
 */
export function isName(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** `value` if it is a string, else `""` (a missing text: a PART with no reason). */
export function textOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The time of an IRC event: its `server-time` tag when there was one. */
export function eventTime(time: number | undefined): Date | undefined {
  return time === undefined || !Number.isFinite(time) ? undefined : new Date(time);
}

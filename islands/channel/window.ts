/**
 * Which window a line belongs in: the same server, and the same target as
 * IRC compares names (`null` is the server's own window).
 *
 * @module
 */
import { sameIrcName } from "../../lib/ircFormat.ts";
import type { MessageJson } from "../../lib/messages.ts";

/** Whether targets `a` and `b` name the same window. */
export function sameWindow(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : sameIrcName(a, b);
}

/**
 * Whether `message` belongs in the window `target` of server `serverId`.
 * Not always where it was typed: `/msg bob hi` in a channel is stored for
 * `bob`, and a tab may send a line another tab queued.
 */
export function inWindow(message: MessageJson, serverId: number, target: string | null): boolean {
  return message.server_id === serverId && sameWindow(message.target, target);
}

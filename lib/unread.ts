/**
 * What counts as unread, shared by the server's counts (`lib/windows.ts`)
 * and the browser's navigation (`islands/serverNavState.ts`): no database
 * here, so the islands bundle can take it.
 *
 * @module
 */
import type { MessageType } from "./db/schema.ts";

/** Counts stop here (the UI shows `99+`). */
export const UNREAD_CAP = 100;

/** The kinds of message that count as unread: what people said. */
export const UNREAD_TYPES = ["privmsg", "notice", "action"] as const;

/** Whether a message of `type` is something someone said (and so may be unread or a mention). */
export function isSaid(type: MessageType): boolean {
  return (UNREAD_TYPES as readonly string[]).includes(type);
}

/// <reference lib="dom" />
/**
 * Marking a window read: up to its newest message, a second after the last
 * change (what the page was rendered with included: its GET writes
 * nothing), while the user can see it; and where the user had stopped
 * reading, for the "new messages" divider.
 *
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
import { sameIrcName } from "../../lib/ircFormat.ts";
import type { MessageJson } from "../../lib/messages.ts";
import { isSaid } from "../../lib/unread.ts";
import { markRead } from "../api.ts";

/** Marks `target` of `serverId` read up to `newestId` (0: nothing shown) once the user sees it. */
export function useReadMarker(serverId: number, target: string | null, newestId: number): void {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    if (target === null || newestId === 0) return;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      markRead(serverId, target, newestId);
    };
    clearTimeout(timer.current);
    timer.current = setTimeout(mark, 1000);
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [newestId]);
}

/**
 * The message the "new messages" divider goes before: the first one said by
 * someone else after `lastReadId`, the window's read marker when the page
 * was rendered (0: never read, no divider). `undefined`: nothing new.
 */
export function firstUnreadId(
  messages: readonly MessageJson[],
  lastReadId: number,
  nick: string,
): number | undefined {
  if (lastReadId <= 0) return undefined;
  return messages.find((m) => m.id > lastReadId && isSaid(m.message_type) && !sameIrcName(m.sender, nick))
    ?.id;
}

/** Whether `message` shows when joins, parts and quits are hidden (`show` false). */
export function shownWithJoins(message: MessageJson, show: boolean): boolean {
  return show || !JOINS_PARTS.has(message.message_type);
}

const JOINS_PARTS = new Set(["join", "part", "quit"]);

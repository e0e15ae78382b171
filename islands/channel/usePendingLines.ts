/// <reference lib="dom" />
/**
 * The lines typed in a window that the app has not taken yet (from the
 * outbox), and the lines this tab sent that it took, marked delivered.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { MessageJson } from "../../lib/messages.ts";
import { markMessageSeen } from "../live.ts";
import { type OutboxEntry, subscribeOutbox, windowEntries } from "../outbox.ts";
import { inWindow } from "./window.ts";

/** The ids the user's own tab sent, to mark them delivered after the page re-renders. */
const delivered = new Set<number>();

/** Whether this tab sent message `id` and the app took it. */
export function isDelivered(id: number): boolean {
  return delivered.has(id);
}

/** The outbox lines of `target` of `serverId`; the ones taken go to `append`. */
export function usePendingLines(
  serverId: number,
  target: string | null,
  append: (messages: MessageJson[]) => void,
): OutboxEntry[] {
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const [, setDeliveredVersion] = useState(0);
  useEffect(() => {
    const refresh = () => setPending(windowEntries(serverId, target));
    const stop = subscribeOutbox((event) => {
      // Only a line stored for this window: one for another (`/msg bob` typed
      // here) is not shown here, nor marked seen, so its live event still
      // reaches the navigation, which opens that window.
      if (event.type === "sent" && event.message && inWindow(event.message, serverId, target)) {
        delivered.add(event.message.id);
        markMessageSeen(event.message.id);
        append([event.message]);
        setDeliveredVersion((v) => v + 1);
      }
      refresh();
    });
    refresh();
    return stop;
  }, []);
  return pending;
}

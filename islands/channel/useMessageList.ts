/**
 * The messages a window shows, oldest first, each once: the ones it was
 * rendered with, then older pages put before them and new ones after.
 *
 * @module
 */
import { useCallback, useMemo, useState } from "preact/hooks";
import type { MessageJson } from "../../lib/messages.ts";

/** The list and its two ways to grow. */
export interface MessageList {
  messages: MessageJson[];
  /** Adds new messages (any already shown are skipped), kept in id order. */
  append: (incoming: MessageJson[]) => void;
  /** Puts older messages before the first (any already shown are skipped). */
  prepend: (older: MessageJson[]) => void;
}

/** The messages of a window, starting with `initial`. */
export function useMessageList(initial: MessageJson[]): MessageList {
  const [messages, setMessages] = useState(initial);
  const ids = useMemo(() => new Set(initial.map((m) => m.id)), []);
  const fresh = (list: MessageJson[]) => {
    const unseen = list.filter((m) => !ids.has(m.id));
    for (const m of unseen) ids.add(m.id);
    return unseen;
  };
  const append = useCallback((incoming: MessageJson[]) => {
    const added = fresh(incoming);
    if (added.length === 0) return;
    // A server's messages are written by its worker alone, so their ids are
    // in the order they happened: a reply to a send that overtook the live
    // stream still lands in its place.
    setMessages((list) => {
      const merged = [...list, ...added];
      const sorted = merged.every((m, i) => i === 0 || merged[i - 1].id < m.id);
      return sorted ? merged : merged.sort((a, b) => a.id - b.id);
    });
  }, []);
  const prepend = useCallback((older: MessageJson[]) => {
    const added = fresh(older);
    setMessages((list) => [...added, ...list]);
  }, []);
  return { messages, append, prepend };
}

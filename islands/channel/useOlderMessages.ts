/// <reference lib="dom" />
/**
 * Loading a window's older messages, a page at a time: by its button, or
 * by itself while the top of the list is in view (scrolling up).
 *
 * @module
 */
import type { RefObject } from "preact";
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { MessageJson } from "../../lib/messages.ts";
import { fetchMessages } from "../api.ts";

/** What the window needs to show and load older messages. */
export interface OlderMessages {
  hasMore: boolean;
  loading: boolean;
  /** Why the last load failed, if it did. */
  error: string | null;
  load: () => Promise<void>;
  /** The "load older" button, watched to load more while it is in view. */
  buttonRef: RefObject<HTMLButtonElement | null>;
}

/** Options of {@link useOlderMessages}. */
export interface OlderMessagesOptions {
  serverId: number;
  target: string | null;
  /** Whether older messages than the first shown exist. */
  hasMore: boolean;
  pageSize: number;
  /** The oldest message shown, where the next page ends. */
  oldestId: number | undefined;
  /** Takes a loaded page. */
  prepend: (older: MessageJson[]) => void;
  /** The scrolling list, the root the button is watched in. */
  scrollerRef: RefObject<HTMLDivElement | null>;
}

/** Older messages of a window, loaded into it through `prepend`. */
export function useOlderMessages(options: OlderMessagesOptions): OlderMessages {
  const { serverId, target, pageSize, oldestId, prepend, scrollerRef } = options;
  const [hasMore, setHasMore] = useState(options.hasMore);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    if (loading || !hasMore) return;
    setLoading(true);
    setError(null);
    const result = await fetchMessages(serverId, { target, limit: pageSize, before: oldestId });
    setLoading(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    prepend(result.data);
    setHasMore(result.data.length >= pageSize);
  }, [loading, hasMore, oldestId]);

  // Scrolling near the top loads older messages. The list is anchored at
  // the bottom (CSS column-reverse), so prepending keeps the view still.
  // Observing again after each load goes on loading while the top is in view.
  const loadRef = useRef(load);
  loadRef.current = load;
  useLayoutEffect(() => {
    const button = buttonRef.current;
    const scroller = scrollerRef.current;
    if (!button || !scroller || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting)) loadRef.current();
    }, { root: scroller, rootMargin: "300px 0px 0px 0px" });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasMore, loading]);

  return { hasMore, loading, error, load, buttonRef };
}

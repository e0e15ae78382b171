/// <reference lib="dom" />
/**
 * Marking a window read: up to its newest message, a second after the last
 * change (what the page was rendered with included: its GET writes
 * nothing), while the user can see it.
 *
 * @module
 */
import { useEffect, useRef } from "preact/hooks";
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

/// <reference lib="dom" />
/**
 * Each server's ignore list in the browser (`lib/ignores.ts`): from the page
 * or `GET /api/servers/:id/ignores`, changed by `/ignore` and `/unignore`,
 * applied to the lines shown and to unread counts, never to what is stored.
 *
 * @module
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ignoreMatcher } from "../../lib/ignores.ts";
import { apiRequest } from "../api.ts";

const lists = new Map<number, readonly string[]>();
const loading = new Set<number>();
const listeners = new Set<() => void>();
// One empty list, so a window with nothing ignored is not drawn again for a new one.
const NONE: readonly string[] = Object.freeze([]);

const matchers = new Map<number, { masks: readonly string[]; matches: (sender: string | null) => boolean }>();

/** Sets the list of `serverId` as the API answered it, for every window showing it. */
export function setIgnores(serverId: number, masks: readonly string[]): void {
  lists.set(serverId, masks);
  for (const listener of listeners) listener();
}

/** Takes the list of `serverId` as the page was rendered with it, unless one is known already. */
export function knowIgnores(serverId: number, masks: readonly string[]): void {
  if (!lists.has(serverId)) lists.set(serverId, masks);
}

/** Whether a line from `sender` on `serverId` is hidden, by the list known now. */
export function isIgnored(serverId: number, sender: string | null): boolean {
  const masks = ignoresOf(serverId);
  let matcher = matchers.get(serverId);
  if (matcher?.masks !== masks) {
    matcher = { masks, matches: ignoreMatcher(masks) };
    matchers.set(serverId, matcher);
  }
  return matcher.matches(sender);
}

/** `POST` or `DELETE` of `mask`: the list after it, or the API's reason. */
export async function changeIgnore(
  serverId: number,
  mask: string,
  add: boolean,
): Promise<{ ok: true; ignores: readonly string[] } | { ok: false; error: string }> {
  const result = add
    ? await apiRequest<{ ignores: string[] }>("POST", `/api/servers/${serverId}/ignores`, { mask })
    : await apiRequest<{ ignores: string[] }>(
      "DELETE",
      `/api/servers/${serverId}/ignores/${encodeURIComponent(mask)}`,
    );
  if (!result.ok) return { ok: false, error: result.error };
  setIgnores(serverId, result.data.ignores);
  return { ok: true, ignores: result.data.ignores };
}

/** The list of `serverId` now (empty until read). */
export function ignoresOf(serverId: number): readonly string[] {
  return lists.get(serverId) ?? NONE;
}

/** Whether a line from a sender is hidden in the windows of `serverId`. */
export function useIgnores(serverId: number): (sender: string | null) => boolean {
  const [masks, setMasks] = useState<readonly string[]>(() => ignoresOf(serverId));
  useEffect(() => {
    // The same list again (the first read of an empty one) draws nothing.
    const listener = () => {
      const next = ignoresOf(serverId);
      setMasks((now) => now.length === next.length && now.every((m, i) => m === next[i]) ? now : next);
    };
    listeners.add(listener);
    if (!lists.has(serverId) && !loading.has(serverId)) {
      loading.add(serverId);
      apiRequest<{ ignores: string[] }>("GET", `/api/servers/${serverId}/ignores`).then((result) => {
        loading.delete(serverId);
        if (result.ok) setIgnores(serverId, result.data.ignores);
      });
    }
    listener();
    return () => void listeners.delete(listener);
  }, [serverId]);
  return useMemo(() => ignoreMatcher(masks), [masks]);
}

/// <reference lib="dom" />
/**
 * Island: the side navigation (a drawer on a phone): the user's servers with
 * live status, each server's windows in the user's order (live from other
 * devices) with unread counts (ignored nicks left out), a close (x) on each,
 * and reordering by drag and drop or Alt+Up/Down, stored through `/api/servers/:id/windows`.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { isMention } from "../lib/highlight.ts";
import { sameIrcName } from "../lib/ircFormat.ts";
import { apiRequest, fetchServer } from "./api.ts";
import type { NotifyLevel } from "../lib/userSettings.ts";
import { showMentionCount } from "./attention.ts";
import { isIgnored, knowIgnores } from "./channel/useIgnores.ts";
import { onConnectionChange, onLiveEvent } from "./live.ts";
import { askNotificationPermission, notificationPermission, notifyIfHidden } from "./notifications.ts";
import PushButton from "./PushButton.tsx";
import { enqueue } from "./outbox.ts";
import {
  applyLiveEvent,
  isOpenWindow,
  mentionTotal,
  moveWindow,
  moveWindowTo,
  type NavServer,
  type NavWindow,
  type OpenWindow,
  withNick,
  withOrder,
  withoutWindow,
} from "./serverNavState.ts";
import type { ServerWindow } from "../lib/windows.ts";

/** Props of {@link ServerNav}. */
export interface ServerNavProps {
  servers: NavServer[];
  /** The open window, if any: its server and target (`null`: the server's own window). */
  current: OpenWindow | null;
  /** Counts stop here (`lib/unread.ts`'s `UNREAD_CAP`); shown as `99+`. */
  unreadCap: number;
  /** The user's own highlight words, besides their nick. */
  highlightWords?: string[];
  /** What each window notifies of (`lib/userSettings.ts`'s `notifyKey`), where the user chose. */
  notifyLevels?: Record<string, NotifyLevel>;
  /** Each server's ignore list (stored forms), by server id. */
  ignores?: Record<string, string[]>;
}

/** The URL of a window. */
export function windowUrl(serverId: number, target: string | null): string {
  return target === null ? `/servers/${serverId}` : `/servers/${serverId}/chat/${encodeURIComponent(target)}`;
}

/** The body's class while the navigation's drawer is open (phones; `static/app.css`). */
export const NAV_OPEN_CLASS = "nav-open";

/** Opens or closes the navigation's drawer (`open` omitted: the other way). */
export function toggleNavDrawer(open?: boolean): void {
  const now = document.body.classList.toggle(NAV_OPEN_CLASS, open);
  for (const toggle of document.querySelectorAll("[data-nav-toggle]")) {
    toggle.setAttribute("aria-expanded", String(now));
  }
}

/** The navigation of servers and windows. */
export default function ServerNav(props: ServerNavProps) {
  const [servers, setServers] = useState(props.servers);
  // Mentions in the open window while the tab is hidden: the user has not seen them either.
  const [away, setAway] = useState(0);
  // Rendered on the server as unknown: the button shows only once the browser says it may ask.
  const [permission, setPermission] = useState<string>("unknown");
  const [error, setError] = useState<string | null>(null);
  const { current } = props;
  const words = props.highlightWords ?? [];
  const serversRef = useRef(servers);
  serversRef.current = servers;
  // The window being dragged: its server and target.
  const dragged = useRef<{ serverId: number; target: string } | null>(null);
  // After a keyboard move, the moved window's link keeps the focus.
  const refocus = useRef<string | null>(null);
  for (const [id, masks] of Object.entries(props.ignores ?? {})) knowIgnores(Number(id), masks);

  useEffect(() => {
    const stop = onLiveEvent((event) => {
      setServers((list) => applyLiveEvent(list, event, current, props.unreadCap, words, isIgnored));
      if (event.type === "status" && event.data.status === "connected") {
        // Registered, maybe under an alternative nick no NICK line announced.
        const serverId = event.data.server_id;
        fetchServer(serverId).then((result) => {
          if (result.ok) setServers((list) => withNick(list, serverId, result.data.nickname));
        });
      }
      if (
        event.type === "message" && document.visibilityState === "hidden" &&
        !isIgnored(event.data.server_id, event.data.sender)
      ) {
        const m = event.data;
        const server = serversRef.current.find((s) => s.id === m.server_id);
        if (server && m.target !== null) {
          const context = {
            nick: server.nick,
            words,
            levels: props.notifyLevels ?? {},
            serverName: server.name,
          };
          notifyIfHidden(m, context, windowUrl(server.id, m.target));
        }
        if (server && isOpenWindow(current, m.server_id, m.target) && isMention(m, server.nick, words)) {
          setAway((n) => n + 1);
        }
      }
    });
    // An `order` event is not replayed to a stream that was away: read the order again at each (re)connect.
    const stopConnection = onConnectionChange((connected) => {
      if (!connected) return;
      for (const { id } of serversRef.current) {
        apiRequest<ServerWindow[]>("GET", `/api/servers/${id}/windows`).then((result) => {
          if (result.ok) setServers((list) => withOrder(list, id, result.data.map((w) => w.target)));
        });
      }
    });
    setPermission(notificationPermission());
    const seen = () => {
      if (document.visibilityState === "visible") setAway(0);
    };
    document.addEventListener("visibilitychange", seen);
    // The drawer's toggles and backdrop are outside the island: one listener for all of them.
    const onClick = (event: MouseEvent) => {
      const el = event.target instanceof Element ? event.target : null;
      if (el?.closest("[data-nav-toggle]")) {
        event.preventDefault();
        toggleNavDrawer();
      } else if (el?.closest(".nav-backdrop")) {
        event.preventDefault();
        toggleNavDrawer(false);
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && document.body.classList.contains(NAV_OPEN_CLASS)) toggleNavDrawer(false);
    };
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKey);
    return () => {
      stop();
      stopConnection();
      document.removeEventListener("visibilitychange", seen);
      document.removeEventListener("click", onClick);
      document.removeEventListener("keydown", onKey);
    };
  }, []);

  useEffect(() => showMentionCount(mentionTotal(servers, current) + away), [servers, away]);

  useEffect(() => {
    if (refocus.current === null) return;
    document.querySelector<HTMLElement>(`[data-window-key="${CSS.escape(refocus.current)}"] a`)?.focus();
    refocus.current = null;
  }, [servers]);

  // The new order, shown at once and then stored; a refusal is said and the order put back.
  const reorder = (serverId: number, change: (list: NavServer[]) => NavServer[]) => {
    const before = serversRef.current;
    const after = change(before);
    if (after === before) return;
    setServers(after);
    const targets = after.find((s) => s.id === serverId)?.windows.map((w) => w.target) ?? [];
    apiRequest("PUT", `/api/servers/${serverId}/windows/order`, { targets }).then((result) => {
      if (result.ok) setError(null);
      else {
        setError(`The order was not saved: ${result.error}`);
        setServers(before);
      }
    });
  };

  const close = async (server: NavServer, w: NavWindow) => {
    // Closing a channel the user is in leaves it, with no question asked (The Lounge does the same).
    const leaving = w.kind === "channel" && w.joined;
    const left = leaving ? partedSoon(server.id, w.target) : Promise.resolve();
    if (leaving) enqueue(server.id, w.target, `/part ${w.target}`);
    const result = await apiRequest(
      "DELETE",
      `/api/servers/${server.id}/windows/${encodeURIComponent(w.target)}`,
    );
    if (!result.ok) {
      setError(`${w.target} was not closed: ${result.error}`);
      return;
    }
    setError(null);
    setServers((list) => withoutWindow(list, server.id, w.target));
    if (isOpenWindow(current, server.id, w.target)) {
      // The next page lists a channel the user is still in: it waits for the part to be done.
      await left;
      location.assign(windowUrl(server.id, null));
    }
  };

  return (
    <nav class="server-nav" aria-label="Servers and channels">
      <ul class="nav-servers">
        {servers.map((server) => {
          const serverOpen = isOpenWindow(current, server.id, null);
          return (
            <li key={server.id} class="nav-server">
              <a
                href={windowUrl(server.id, null)}
                class="nav-server-link"
                aria-current={serverOpen ? "page" : undefined}
              >
                <span class={`dot status-${server.status}`} title={server.status} aria-hidden="true" />
                <span class="nav-name">{server.name}</span>
                <span class="visually-hidden">({server.status})</span>
              </a>
              {server.windows.length
                ? (
                  <ul class="nav-windows">
                    {server.windows.map((w, index) => {
                      const open = isOpenWindow(current, server.id, w.target);
                      const key = `${server.id}:${w.target.toLowerCase()}`;
                      const classes = [
                        "nav-window",
                        w.unread > 0 && !open ? "has-unread" : "",
                        (w.mentions ?? 0) > 0 && !open ? "has-mention" : "",
                        w.kind === "channel" && !w.joined ? "parted" : "",
                      ].filter(Boolean).join(" ");
                      return (
                        <li
                          key={w.target}
                          class="nav-window-item"
                          data-window-key={key}
                          draggable
                          onDragStart={(event) => {
                            dragged.current = { serverId: server.id, target: w.target };
                            event.dataTransfer?.setData("text/plain", w.target);
                            if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
                          }}
                          onDragOver={(event) => {
                            // Only among the same server's windows.
                            if (dragged.current?.serverId === server.id) event.preventDefault();
                          }}
                          onDrop={(event) => {
                            const from = dragged.current;
                            dragged.current = null;
                            if (from?.serverId !== server.id) return;
                            event.preventDefault();
                            reorder(server.id, (list) => moveWindowTo(list, server.id, from.target, index));
                          }}
                          onDragEnd={() => dragged.current = null}
                        >
                          <a
                            href={windowUrl(server.id, w.target)}
                            class={classes}
                            aria-current={open ? "page" : undefined}
                            aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
                            title="Alt+Up and Alt+Down move it; or drag it"
                            onKeyDown={(event) => {
                              if (
                                !event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")
                              ) return;
                              event.preventDefault();
                              refocus.current = key;
                              const offset = event.key === "ArrowUp" ? -1 : 1;
                              reorder(server.id, (list) => moveWindow(list, server.id, w.target, offset));
                            }}
                          >
                            <span class="nav-name">{w.target}</span>
                            {w.unread > 0 && !open
                              ? (
                                <span
                                  class="unread"
                                  aria-label={(w.mentions ?? 0) > 0
                                    ? `${w.unread} unread, ${w.mentions} mentioning you`
                                    : `${w.unread} unread`}
                                >
                                  {(w.mentions ?? 0) > 0
                                    ? <span class="unread-at" aria-hidden="true">@</span>
                                    : null}
                                  {w.unread >= props.unreadCap ? `${props.unreadCap - 1}+` : w.unread}
                                </span>
                              )
                              : null}
                          </a>
                          <button
                            type="button"
                            class="nav-close"
                            aria-label={w.kind === "channel" && w.joined
                              ? `Leave ${w.target}`
                              : `Close ${w.target}`}
                            title={w.kind === "channel" && w.joined
                              ? `Leave ${w.target}`
                              : `Close ${w.target}`}
                            onClick={() => close(server, w)}
                          >
                            ×
                          </button>
                        </li>
                      );
                    })}
                  </ul>
                )
                : null}
            </li>
          );
        })}
      </ul>
      {error ? <p class="inline-error nav-error" role="alert">{error}</p> : null}
      <a class="nav-add" href="/servers/new">+ Add a server</a>
      {permission === "default"
        ? (
          <button
            type="button"
            class="link-button nav-notify"
            onClick={() => askNotificationPermission().then(setPermission)}
          >
            Enable desktop notifications
          </button>
        )
        : null}
      {permission === "default" ? <PushButton place="nav" /> : null}
      <a class="nav-settings" href="/settings">Settings</a>
    </nav>
  );
}

// Resolves once the live stream says the user left `channel` of `serverId`, or after 5 s.
function partedSoon(serverId: number, channel: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const timer = setTimeout(done, 5000);
    const stop = onLiveEvent((event) => {
      if (
        event.type === "channel" && event.data.server_id === serverId && !event.data.joined &&
        sameIrcName(event.data.name, channel)
      ) done();
    });
  });
}

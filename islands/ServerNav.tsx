/// <reference lib="dom" />
/**
 * Island: the side navigation: the user's servers with live status, and
 * each server's channels and queries with unread counts that grow as
 * messages arrive in windows other than the open one.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { isMention } from "../lib/highlight.ts";
import { fetchServer } from "./api.ts";
import type { NotifyLevel } from "../lib/userSettings.ts";
import { showMentionCount } from "./attention.ts";
import { onLiveEvent } from "./live.ts";
import { askNotificationPermission, notificationPermission, notifyIfHidden } from "./notifications.ts";
import {
  applyLiveEvent,
  isOpenWindow,
  mentionTotal,
  type NavServer,
  type OpenWindow,
  withNick,
} from "./serverNavState.ts";

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
}

/** The URL of a window. */
export function windowUrl(serverId: number, target: string | null): string {
  return target === null ? `/servers/${serverId}` : `/servers/${serverId}/chat/${encodeURIComponent(target)}`;
}

/** The navigation of servers and windows. */
export default function ServerNav(props: ServerNavProps) {
  const [servers, setServers] = useState(props.servers);
  // Mentions in the open window while the tab is hidden: the user has not seen them either.
  const [away, setAway] = useState(0);
  // Rendered on the server as unknown: the button shows only once the browser says it may ask.
  const [permission, setPermission] = useState<string>("unknown");
  const { current } = props;
  const words = props.highlightWords ?? [];
  const serversRef = useRef(servers);
  serversRef.current = servers;

  useEffect(() => {
    const stop = onLiveEvent((event) => {
      setServers((list) => applyLiveEvent(list, event, current, props.unreadCap, words));
      if (event.type === "status" && event.data.status === "connected") {
        // Registered, maybe under an alternative nick no NICK line announced.
        const serverId = event.data.server_id;
        fetchServer(serverId).then((result) => {
          if (result.ok) setServers((list) => withNick(list, serverId, result.data.nickname));
        });
      }
      if (event.type === "message" && document.visibilityState === "hidden") {
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
    setPermission(notificationPermission());
    const seen = () => {
      if (document.visibilityState === "visible") setAway(0);
    };
    document.addEventListener("visibilitychange", seen);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", seen);
    };
  }, []);

  useEffect(() => showMentionCount(mentionTotal(servers, current) + away), [servers, away]);

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
                    {server.windows.map((w) => {
                      const open = isOpenWindow(current, server.id, w.target);
                      const classes = [
                        "nav-window",
                        w.unread > 0 && !open ? "has-unread" : "",
                        (w.mentions ?? 0) > 0 && !open ? "has-mention" : "",
                        w.kind === "channel" && !w.joined ? "parted" : "",
                      ].filter(Boolean).join(" ");
                      return (
                        <li key={w.target}>
                          <a
                            href={windowUrl(server.id, w.target)}
                            class={classes}
                            aria-current={open ? "page" : undefined}
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
      <a class="nav-settings" href="/settings">Settings</a>
    </nav>
  );
}

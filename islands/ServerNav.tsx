/// <reference lib="dom" />
/**
 * Island: the side navigation: the user's servers with live status, and
 * each server's channels and queries with unread counts that grow as
 * messages arrive in windows other than the open one.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { onLiveEvent } from "./live.ts";
import { applyLiveEvent, isOpenWindow, type NavServer, type OpenWindow } from "./serverNavState.ts";

/** Props of {@link ServerNav}. */
export interface ServerNavProps {
  servers: NavServer[];
  /** The open window, if any: its server and target (`null`: the server's own window). */
  current: OpenWindow | null;
  /** Counts stop here (`lib/unread.ts`'s `UNREAD_CAP`); shown as `99+`. */
  unreadCap: number;
}

/** The URL of a window. */
export function windowUrl(serverId: number, target: string | null): string {
  return target === null ? `/servers/${serverId}` : `/servers/${serverId}/chat/${encodeURIComponent(target)}`;
}

/** The navigation of servers and windows. */
export default function ServerNav(props: ServerNavProps) {
  const [servers, setServers] = useState(props.servers);
  const { current } = props;

  useEffect(
    () => onLiveEvent((event) => setServers((list) => applyLiveEvent(list, event, current, props.unreadCap))),
    [],
  );

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
                        w.mentioned && !open ? "has-mention" : "",
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
                                <span class="unread" aria-label={`${w.unread} unread`}>
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
    </nav>
  );
}

/// <reference lib="dom" />
/**
 * Island: the side navigation: the user's servers with live status, and
 * each server's channels and queries with unread counts that grow as
 * messages arrive in windows other than the open one.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { ServerStatus } from "../lib/db/schema.ts";
import { isChannelName } from "../lib/ircCommand.ts";
import { mentionsNick, sameIrcName } from "../lib/ircFormat.ts";
import type { ServerWindow } from "../lib/windows.ts";
import { onLiveEvent } from "./live.ts";

/** A window in the navigation: whether it mentioned the user since the page loaded, too. */
export type NavWindow = ServerWindow & { mentioned?: boolean };

/** A server in the navigation. */
export interface NavServer {
  id: number;
  name: string;
  status: ServerStatus;
  nick: string;
  windows: NavWindow[];
}

/** Props of {@link ServerNav}. */
export interface ServerNavProps {
  servers: NavServer[];
  /** The open window, if any: its server and target (`null`: the server's own window). */
  current: { serverId: number; target: string | null } | null;
  /** Counts stop here (`lib/windows.ts`'s `UNREAD_CAP`); shown as `99+`. */
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

  useEffect(() =>
    onLiveEvent((event) => {
      setServers((list) =>
        list.map((server) => {
          if (server.id !== event.data.server_id) return server;
          switch (event.type) {
            case "status":
              return { ...server, status: event.data.status };
            case "channel": {
              const { name, joined, topic } = event.data;
              const known = server.windows.some((w) => sameIrcName(w.target, name));
              const windows = known
                ? server.windows.map((w) => sameIrcName(w.target, name) ? { ...w, joined, topic } : w)
                : [...server.windows, { target: name, kind: "channel" as const, joined, topic, unread: 0 }];
              return { ...server, windows };
            }
            case "message": {
              const m = event.data;
              if (m.message_type === "nick" && sameIrcName(m.sender, server.nick)) {
                return { ...server, nick: m.content };
              }
              const said = m.message_type === "privmsg" || m.message_type === "notice" ||
                m.message_type === "action";
              if (!said || m.target === null) return server;
              // The user's own lines open a query window but are never unread.
              const own = sameIrcName(m.sender, server.nick);
              const isOpen = current?.serverId === server.id && current.target !== null &&
                sameIrcName(current.target, m.target);
              const mentioned = !isChannelName(m.target) || mentionsNick(m.content, server.nick);
              const known = server.windows.some((w) => sameIrcName(w.target, m.target));
              if (own && known) return server;
              const bump = (w: NavWindow): NavWindow =>
                isOpen || own ? w : {
                  ...w,
                  unread: Math.min(props.unreadCap, w.unread + 1),
                  mentioned: w.mentioned || mentioned,
                };
              const windows = known
                ? server.windows.map((w) => sameIrcName(w.target, m.target) ? bump(w) : w)
                : [
                  ...server.windows,
                  bump({
                    target: m.target,
                    kind: isChannelName(m.target) ? "channel" : "query",
                    joined: true,
                    topic: null,
                    unread: 0,
                  }),
                ];
              return { ...server, windows };
            }
          }
        })
      );
    }), []);

  return (
    <nav class="server-nav" aria-label="Servers and channels">
      <ul class="nav-servers">
        {servers.map((server) => {
          const serverOpen = current?.serverId === server.id && current.target === null;
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
                      const open = current?.serverId === server.id && current.target !== null &&
                        sameIrcName(current.target, w.target);
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

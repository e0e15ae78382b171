/**
 * The navigation's state and how a live event changes it, as a pure
 * function: a server's status and nick, its channels, and the unread counts
 * and mentions of windows other than the open one.
 *
 * @module
 */
import type { ServerStatus } from "../lib/db/schema.ts";
import { isChannelName } from "../lib/ircCommand.ts";
import { mentionsNick, sameIrcName } from "../lib/ircFormat.ts";
import { isSaid } from "../lib/unread.ts";
import type { ServerWindow } from "../lib/windows.ts";
import type { LiveEvent } from "./live.ts";

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

/** The open window: its server and target (`null`: the server's own window). */
export interface OpenWindow {
  serverId: number;
  target: string | null;
}

/** Whether `target` of `serverId` is the open window. */
export function isOpenWindow(current: OpenWindow | null, serverId: number, target: string | null): boolean {
  if (current?.serverId !== serverId) return false;
  return target === null || current.target === null
    ? target === current.target
    : sameIrcName(current.target, target);
}

/**
 * The servers after `event`: unchanged objects where it changes nothing.
 * Counts stop at `unreadCap`.
 */
export function applyLiveEvent(
  servers: NavServer[],
  event: LiveEvent,
  current: OpenWindow | null,
  unreadCap: number,
): NavServer[] {
  return servers.map((server) =>
    server.id === event.data.server_id ? applyToServer(server, event, current, unreadCap) : server
  );
}

function applyToServer(
  server: NavServer,
  event: LiveEvent,
  current: OpenWindow | null,
  unreadCap: number,
): NavServer {
  switch (event.type) {
    case "members":
      // The nick list's; the navigation shows no members.
      return server;
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
      const target = m.target;
      if (!isSaid(m.message_type) || target === null) return server;
      // The user's own lines open a query window but are never unread.
      const own = sameIrcName(m.sender, server.nick);
      const isOpen = isOpenWindow(current, server.id, target);
      const mentioned = !isChannelName(target) || mentionsNick(m.content, server.nick);
      const known = server.windows.some((w) => sameIrcName(w.target, target));
      if (own && known) return server;
      const bump = (w: NavWindow): NavWindow =>
        isOpen || own ? w : {
          ...w,
          unread: Math.min(unreadCap, w.unread + 1),
          mentioned: w.mentioned || mentioned,
        };
      const windows = known ? server.windows.map((w) => sameIrcName(w.target, target) ? bump(w) : w) : [
        ...server.windows,
        bump({
          target,
          kind: isChannelName(target) ? "channel" : "query",
          joined: true,
          topic: null,
          unread: 0,
        }),
      ];
      return { ...server, windows };
    }
  }
}

/**
 * The navigation's state and how it changes, as pure functions: a live
 * event (a server's status and nick, its channels and their order, unread
 * counts and mentions of windows other than the open one), a window moved
 * or closed.
 *
 * @module
 */
import type { ServerStatus } from "../lib/db/schema.ts";
import { isChannelName } from "../lib/ircCommand.ts";
import { sameIrcName } from "../lib/ircFormat.ts";
import { isMention } from "../lib/highlight.ts";
import { isSaid } from "../lib/unread.ts";
import type { ServerWindow } from "../lib/windows.ts";
import type { LiveEvent } from "./live.ts";

/**
 * A window in the navigation, with how many of its unread lines mention the
 * user (all of a query's), counted by the page and then live.
 */
export type NavWindow = ServerWindow & { mentions?: number };

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

/** Whether a line from `sender` on `serverId` is hidden by that server's ignore list. */
export type IsIgnored = (serverId: number, sender: string | null) => boolean;

const NOBODY_IGNORED: IsIgnored = () => false;

/**
 * The servers after `event`: unchanged objects where it changes nothing.
 * Counts stop at `unreadCap`; `words` are the user's highlight words; lines
 * of `ignored` senders count for nothing.
 */
export function applyLiveEvent(
  servers: NavServer[],
  event: LiveEvent,
  current: OpenWindow | null,
  unreadCap: number,
  words: readonly string[] = [],
  ignored: IsIgnored = NOBODY_IGNORED,
): NavServer[] {
  return servers.map((server) =>
    server.id === event.data.server_id
      ? applyToServer(server, event, current, unreadCap, words, (sender) => ignored(server.id, sender))
      : server
  );
}

/** The servers with `target` of `serverId` moved by `offset` places (clamped to the list). */
export function moveWindow(
  servers: NavServer[],
  serverId: number,
  target: string,
  offset: number,
): NavServer[] {
  const server = servers.find((s) => s.id === serverId);
  const from = server?.windows.findIndex((w) => sameIrcName(w.target, target)) ?? -1;
  if (!server || from === -1) return servers;
  return moveWindowTo(
    servers,
    serverId,
    target,
    Math.max(0, Math.min(server.windows.length - 1, from + offset)),
  );
}

/** The servers with `target` of `serverId` at index `to` of its windows. */
export function moveWindowTo(
  servers: NavServer[],
  serverId: number,
  target: string,
  to: number,
): NavServer[] {
  return servers.map((server) => {
    if (server.id !== serverId) return server;
    const from = server.windows.findIndex((w) => sameIrcName(w.target, target));
    if (from === -1 || from === to) return server;
    const windows = [...server.windows];
    const [moved] = windows.splice(from, 1);
    windows.splice(Math.max(0, Math.min(windows.length, to)), 0, moved);
    return { ...server, windows };
  });
}

/** The servers without `target` of `serverId` (closed by the user). */
export function withoutWindow(servers: NavServer[], serverId: number, target: string): NavServer[] {
  return servers.map((server) =>
    server.id === serverId
      ? { ...server, windows: server.windows.filter((w) => !sameIrcName(w.target, target)) }
      : server
  );
}

/**
 * The servers with `nick` as the user's on `serverId`: learnt after a
 * (re)connect, which may be under an alternative nick (`alice_`) with no
 * nick change said on IRC.
 */
export function withNick(servers: NavServer[], serverId: number, nick: string): NavServer[] {
  return servers.map((s) => s.id === serverId && s.nick !== nick ? { ...s, nick } : s);
}

/** The unread mentions of every window but the open one, for the title and icon. */
export function mentionTotal(servers: readonly NavServer[], current: OpenWindow | null): number {
  let total = 0;
  for (const server of servers) {
    for (const w of server.windows) if (!isOpenWindow(current, server.id, w.target)) total += w.mentions ?? 0;
  }
  return total;
}

/**
 * The servers with the windows of `serverId` that `targets` names first, in
 * that order (matched ignoring case), then the others as they were.
 */
export function withOrder(servers: NavServer[], serverId: number, targets: readonly string[]): NavServer[] {
  return servers.map((s) => s.id === serverId ? inOrder(s, targets) : s);
}

function inOrder(server: NavServer, targets: readonly string[]): NavServer {
  const place = new Map(targets.map((t, i) => [t.toLowerCase(), i]));
  const rank = (w: NavWindow) => place.get(w.target.toLowerCase()) ?? targets.length;
  const windows = server.windows.map((w, i) => ({ w, i }))
    .sort((a, b) => rank(a.w) - rank(b.w) || a.i - b.i).map((x) => x.w);
  return windows.every((w, i) => w === server.windows[i]) ? server : { ...server, windows };
}

function applyToServer(
  server: NavServer,
  event: LiveEvent,
  current: OpenWindow | null,
  unreadCap: number,
  words: readonly string[],
  ignored: (sender: string | null) => boolean,
): NavServer {
  switch (event.type) {
    case "members":
      // The nick list's; the navigation shows no members.
      return server;
    case "read": {
      // Read on another tab or device: nothing of it is unread any more.
      const { target } = event.data;
      if (
        !server.windows.some((w) => sameIrcName(w.target, target) && (w.unread > 0 || (w.mentions ?? 0) > 0))
      ) {
        return server;
      }
      const windows = server.windows.map((w) =>
        sameIrcName(w.target, target) ? { ...w, unread: 0, mentions: 0 } : w
      );
      return { ...server, windows };
    }
    case "order":
      // Reordered on another tab or device (or this one, which shows it already).
      return inOrder(server, event.data.targets);
    case "status":
      return { ...server, status: event.data.status };
    case "channel": {
      const { name, joined, topic } = event.data;
      const known = server.windows.some((w) => sameIrcName(w.target, name));
      // A channel left that is not listed (closed, so its PART followed) stays out.
      if (!known && !joined) return server;
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
      if (!isSaid(m.message_type) || target === null || ignored(m.sender)) return server;
      // The user's own lines open a query window but are never unread.
      const own = sameIrcName(m.sender, server.nick);
      const isOpen = isOpenWindow(current, server.id, target);
      const mentioned = isMention(m, server.nick, words);
      const known = server.windows.some((w) => sameIrcName(w.target, target));
      if (own && known) return server;
      const bump = (w: NavWindow): NavWindow =>
        isOpen || own ? w : {
          ...w,
          unread: Math.min(unreadCap, w.unread + 1),
          mentions: Math.min(unreadCap, (w.mentions ?? 0) + (mentioned ? 1 : 0)),
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

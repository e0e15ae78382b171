/// <reference lib="dom" />
/**
 * A window's state as the live stream keeps it: the user's nick, the
 * server's status, the channel's topic and whether the user is in it, new
 * messages for the window, and whether the app can be reached at all.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ServerStatus } from "../../lib/db/schema.ts";
import { sameIrcName } from "../../lib/ircFormat.ts";
import type { MessageJson } from "../../lib/messages.ts";
import { fetchServer } from "../api.ts";
import { markMessageSeen, onConnectionChange, onLiveEvent } from "../live.ts";
import { kick } from "../outbox.ts";
import { inWindow } from "./window.ts";

/** What the window was rendered with. */
export interface LiveWindowStart {
  serverId: number;
  /** The channel or nick; `null` for the server's own window. */
  target: string | null;
  /** The user's nick on this server now. */
  nick: string;
  status: ServerStatus;
  statusError: string | null;
  topic: string | null;
  /** Whether the user is in the channel (always `true` for other windows). */
  joined: boolean;
  /** The latest messages, oldest first. */
  messages: MessageJson[];
}

/** The window's state now. */
export interface LiveWindow {
  nick: string;
  status: ServerStatus;
  statusError: string | null;
  topic: string | null;
  joined: boolean;
  /** Whether the live stream is up and the browser has a network. */
  online: boolean;
  /** Whether the page is hydrated (times are then shown in the browser's zone). */
  hydrated: boolean;
}

/** Follows the live stream for the window `start` describes; its messages go to `append`. */
export function useLiveWindow(start: LiveWindowStart, append: (messages: MessageJson[]) => void): LiveWindow {
  const { serverId, target } = start;
  const [nick, setNick] = useState(start.nick);
  const [status, setStatus] = useState(start.status);
  const [statusError, setStatusError] = useState(start.statusError);
  const [topic, setTopic] = useState(start.topic);
  const [joined, setJoined] = useState(start.joined);
  const [hydrated, setHydrated] = useState(false);
  const [liveUp, setLiveUp] = useState(true);
  const [browserOnline, setBrowserOnline] = useState(true);
  const nickRef = useRef(nick);
  nickRef.current = nick;

  // Times were rendered in UTC on the server; the browser knows its zone.
  useEffect(() => {
    setHydrated(true);
    for (const m of start.messages) markMessageSeen(m.id);
  }, []);

  useEffect(() => {
    const refreshServer = async () => {
      const result = await fetchServer(serverId);
      if (!result.ok) return;
      setNick(result.data.nickname);
      setStatus(result.data.status);
      setStatusError(result.data.last_error);
    };
    const stopLive = onLiveEvent((event) => {
      if (event.data.server_id !== serverId) return;
      switch (event.type) {
        case "message": {
          const m = event.data;
          if (m.message_type === "nick" && sameIrcName(m.sender, nickRef.current)) setNick(m.content);
          if (inWindow(m, serverId, target)) append([m]);
          break;
        }
        case "status":
          setStatus(event.data.status);
          setStatusError(event.data.error ?? null);
          if (event.data.status === "connected") refreshServer();
          break;
        case "channel":
          if (target !== null && sameIrcName(event.data.name, target)) {
            setTopic(event.data.topic);
            setJoined(event.data.joined);
          }
          break;
      }
    });
    const stopConnection = onConnectionChange((connected) => {
      setLiveUp(connected);
      if (connected) kick();
    });
    // The browser knows when it has no network at all, before the stream notices.
    const onlineChanged = () => setBrowserOnline(navigator.onLine);
    onlineChanged();
    globalThis.addEventListener("online", onlineChanged);
    globalThis.addEventListener("offline", onlineChanged);
    return () => {
      stopLive();
      stopConnection();
      globalThis.removeEventListener("online", onlineChanged);
      globalThis.removeEventListener("offline", onlineChanged);
    };
  }, []);

  return { nick, status, statusError, topic, joined, online: liveUp && browserOnline, hydrated };
}

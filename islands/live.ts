/// <reference lib="dom" />
/**
 * The page's one live stream (`GET /api/events`), shared by every island on
 * it: events are handed to subscribers in order, each message once.
 *
 * The stream starts from the cursor the page was rendered at (the
 * `<meta name="event-cursor">` of the layout), so nothing that happened
 * between rendering and connecting is missed. The browser's EventSource
 * reconnects by itself and sends `Last-Event-ID`, which replays what was
 * missed; when it gives up (the app was down and answered with an error),
 * the stream is opened again from the last event received, after a pause
 * or as soon as the browser is back online.
 *
 * @module
 */
import type { ChannelEventData, StatusEventData } from "../lib/events/wireFormat.ts";
import type { MessageJson } from "../lib/messages.ts";

/** An event of the live stream. */
export type LiveEvent =
  | { type: "message"; data: MessageJson }
  | { type: "status"; data: StatusEventData }
  | { type: "channel"; data: ChannelEventData };

type Listener = (event: LiveEvent) => void;
type ConnectionListener = (connected: boolean) => void;

/** The meta element carrying the cursor the page was rendered at. */
export const CURSOR_META = "event-cursor";
/** The query parameter that hands the stream its first cursor. */
export const CURSOR_PARAM = "last_event_id";

const listeners = new Set<Listener>();
const connectionListeners = new Set<ConnectionListener>();
const seenMessages = new Set<number>();
const SEEN_LIMIT = 5000;
let source: EventSource | undefined;
let lastEventId: string | undefined;
let connected = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelay = 1000;

/** Calls `listener` with every live event from now on; returns the unsubscribe. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  start();
  return () => listeners.delete(listener);
}

/** Calls `listener` whenever the stream connects or drops; returns the unsubscribe. */
export function onConnectionChange(listener: ConnectionListener): () => void {
  connectionListeners.add(listener);
  start();
  return () => connectionListeners.delete(listener);
}

/** Whether the stream is connected now. */
export function isLiveConnected(): boolean {
  return connected;
}

/**
 * Marks a message as already shown, so the stream does not deliver it again,
 * to any listener: mark only what every other island has no use for.
 */
export function markMessageSeen(id: number): boolean {
  if (seenMessages.has(id)) return false;
  seenMessages.add(id);
  if (seenMessages.size > SEEN_LIMIT) seenMessages.delete(seenMessages.values().next().value!);
  return true;
}

function setConnected(value: boolean): void {
  if (connected === value) return;
  connected = value;
  for (const listener of [...connectionListeners]) listener(value);
}

function start(): void {
  if (source || typeof EventSource === "undefined") return;
  lastEventId ??= document.querySelector<HTMLMetaElement>(`meta[name="${CURSOR_META}"]`)?.content ||
    undefined;
  open();
  globalThis.addEventListener("online", () => {
    if (!source || source.readyState === EventSource.CLOSED) reopenSoon(0);
  });
}

function open(): void {
  const url = lastEventId ? `/api/events?${CURSOR_PARAM}=${encodeURIComponent(lastEventId)}` : "/api/events";
  const stream = new EventSource(url);
  source = stream;
  stream.onopen = () => {
    retryDelay = 1000;
    setConnected(true);
  };
  stream.onerror = () => {
    setConnected(false);
    // CONNECTING: the browser retries by itself. CLOSED: it gave up.
    if (stream.readyState === EventSource.CLOSED) reopenSoon(retryDelay);
  };
  // After a replay the stream names its position; a reopened stream starts there.
  stream.addEventListener("ready", (event: MessageEvent) => {
    if (event.lastEventId) lastEventId = event.lastEventId;
  });
  for (const type of ["message", "status", "channel"] as const) {
    stream.addEventListener(type, (event: MessageEvent) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (type === "message" && !markMessageSeen(data.id)) return;
      const live = { type, data } as LiveEvent;
      for (const listener of [...listeners]) {
        try {
          listener(live);
        } catch (error) {
          console.error(error);
        }
      }
    });
  }
}

function reopenSoon(delay: number): void {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    source?.close();
    retryDelay = Math.min(30_000, retryDelay * 2);
    open();
  }, delay);
}

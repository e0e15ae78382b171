/// <reference lib="dom" />
/**
 * The browser's one live stream (`GET /api/events`), shared by every island
 * of every tab: one tab (the leader, holding the Web Lock {@link LEADER_LOCK})
 * holds it and relays events over {@link RELAY_CHANNEL}; each tab keeps its own
 * position, so a change of leader misses nothing and repeats nothing.
 *
 * @module
 */
import { type Cursor, decodeCursor, encodeCursor } from "../lib/events/cursor.ts";
import type {
  ChannelEventData,
  MembersEventData,
  OrderEventData,
  ReadEventData,
  StatusEventData,
} from "../lib/events/wireFormat.ts";
import type { MessageJson } from "../lib/messages.ts";

/** An event of the live stream. */
export type LiveEvent =
  | { type: "message"; data: MessageJson }
  | { type: "status"; data: StatusEventData }
  | { type: "channel"; data: ChannelEventData }
  | { type: "members"; data: MembersEventData }
  | { type: "read"; data: ReadEventData }
  | { type: "order"; data: OrderEventData };

type Listener = (event: LiveEvent) => void;
type ConnectionListener = (connected: boolean) => void;
type EventType = LiveEvent["type"];

/** What the tabs tell each other over the {@link RELAY_CHANNEL}. */
type Relay =
  /** An event of the stream, with the stream's cursor after it; `to` one tab only. */
  | { kind: "event"; type: EventType; data: unknown; id: string; to?: string }
  /** Whether the leader's stream is connected. */
  | { kind: "connection"; connected: boolean; to?: string }
  /** A tab's position, asking the leader for what it lacks (`undefined`: from now). */
  | { kind: "hello"; from: string; cursor: string | undefined }
  /** A tab became the leader: everyone says hello again. */
  | { kind: "leader" };

/** The meta element carrying the cursor the page was rendered at. */
export const CURSOR_META = "event-cursor";
/** The query parameter that hands the stream its first cursor. */
export const CURSOR_PARAM = "last_event_id";
/** The Web Lock the tab holding the stream holds. */
export const LEADER_LOCK = "ircweb-live-leader";
/** The BroadcastChannel the leader relays the stream on. */
export const RELAY_CHANNEL = "ircweb-live";

const EVENT_TYPES: readonly EventType[] = ["message", "status", "channel", "members", "read", "order"];
const listeners = new Set<Listener>();
const connectionListeners = new Set<ConnectionListener>();
const seenMessages = new Set<number>();
const SEEN_LIMIT = 5000;
// Events the leader keeps to hand a tab that is a little behind.
const BUFFER_LIMIT = 2000;
const tabId = Math.random().toString(36).slice(2) + Date.now().toString(36);
let started = false;
let connected = false;
// This tab's position; `undefined` while it started "from now" and has had nothing.
let position: Cursor | undefined;
let relay: BroadcastChannel | undefined;
let leader = false;
// The leader's stream, the cursor it resumes from, and what it can hand on.
let source: EventSource | undefined;
let lastEventId: string | undefined;
let coveredFrom: Cursor | undefined;
let buffer: { type: EventType; data: unknown; id: string; serverId: number; seq: number }[] = [];
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

// Where an event stands: its server and that server's number in the cursor after it.
function eventPlace(data: unknown, id: string): { serverId: number; seq: number } | undefined {
  const serverId = (data as { server_id?: unknown } | null)?.server_id;
  if (typeof serverId !== "number") return undefined;
  const seq = decodeCursor(id)?.get(serverId);
  return seq === undefined ? undefined : { serverId, seq };
}

// Hands an event to this tab's listeners, unless the tab already had it.
function deliver(type: EventType, data: unknown, id: string): void {
  const place = eventPlace(data, id);
  if (place) {
    const have = position?.get(place.serverId);
    if (have !== undefined && place.seq <= have) return;
    (position ??= new Map()).set(place.serverId, place.seq);
  }
  if (type === "message" && !markMessageSeen((data as MessageJson).id)) return;
  const live = { type, data } as LiveEvent;
  for (const listener of [...listeners]) {
    try {
      listener(live);
    } catch (error) {
      console.error(error);
    }
  }
}

function start(): void {
  // Without EventSource there is no stream to hold or share.
  if (started || typeof EventSource === "undefined") return;
  started = true;
  const rendered = document.querySelector<HTMLMetaElement>(`meta[name="${CURSOR_META}"]`)?.content;
  position = decodeCursor(rendered);
  const shared = typeof BroadcastChannel !== "undefined" && typeof navigator !== "undefined" &&
    typeof navigator.locks?.request === "function";
  if (!shared) {
    lead(rendered || undefined);
    return;
  }
  relay = new BroadcastChannel(RELAY_CHANNEL);
  relay.onmessage = (event: MessageEvent<Relay>) => onRelay(event.data);
  // The callback's promise never settles: the lock is held until the tab closes.
  navigator.locks.request(LEADER_LOCK, () =>
    new Promise<never>(() => {
      lead(position ? encodeCursor(position) : rendered || undefined);
      relay!.postMessage({ kind: "leader" } satisfies Relay);
    }));
  sayHello();
}

function sayHello(): void {
  relay?.postMessage(
    { kind: "hello", from: tabId, cursor: position && encodeCursor(position) } satisfies Relay,
  );
}

function onRelay(message: Relay): void {
  if (typeof message !== "object" || message === null) return;
  switch (message.kind) {
    case "event":
      if (leader || (message.to && message.to !== tabId)) return;
      if (!EVENT_TYPES.includes(message.type) || typeof message.id !== "string") return;
      deliver(message.type, message.data, message.id);
      return;
    case "connection":
      if (leader || (message.to && message.to !== tabId)) return;
      setConnected(message.connected === true);
      return;
    case "leader":
      if (!leader) {
        setConnected(false);
        sayHello();
      }
      return;
    case "hello":
      if (leader) answerHello(message.from, decodeCursor(message.cursor));
      return;
  }
}

// A tab said where it is: hand it what it lacks from memory, or reopen the
// stream from its position when memory does not reach back that far.
function answerHello(from: string, cursor: Cursor | undefined): void {
  relay?.postMessage({ kind: "connection", connected, to: from } satisfies Relay);
  if (!cursor) return;
  const covered = coveredFrom !== undefined &&
    [...coveredFrom].every(([serverId, seq]) => (cursor.get(serverId) ?? -1) >= seq);
  if (covered) {
    for (const event of buffer) {
      if (event.seq > (cursor.get(event.serverId) ?? -1)) {
        relay?.postMessage(
          { kind: "event", type: event.type, data: event.data, id: event.id, to: from } satisfies Relay,
        );
      }
    }
    return;
  }
  // From the older of the two positions, server by server; a server either
  // lacks is replayed whole. A stream that does not know where it is yet
  // (opened "from now", before its `ready`) is left alone: an empty cursor
  // would replay every server from its beginning.
  const at = decodeCursor(lastEventId);
  if (!at || at.size === 0) return;
  const older: Cursor = new Map();
  for (const [serverId, seq] of cursor) {
    const mine = at.get(serverId);
    if (mine !== undefined) older.set(serverId, Math.min(seq, mine));
  }
  if (older.size === 0) return;
  lastEventId = encodeCursor(older);
  source?.close();
  open();
}

// This tab holds the stream from now on, starting at `from`.
function lead(from: string | undefined): void {
  leader = true;
  lastEventId = from;
  open();
  globalThis.addEventListener("online", () => {
    if (!source || source.readyState === EventSource.CLOSED) reopenSoon(0);
  });
}

function leaderConnected(value: boolean): void {
  setConnected(value);
  relay?.postMessage({ kind: "connection", connected: value } satisfies Relay);
}

function open(): void {
  const url = lastEventId ? `/api/events?${CURSOR_PARAM}=${encodeURIComponent(lastEventId)}` : "/api/events";
  const stream = new EventSource(url);
  source = stream;
  // What it replays starts here: memory is good from this position on.
  coveredFrom = decodeCursor(lastEventId);
  buffer = [];
  stream.onopen = () => {
    retryDelay = 1000;
    leaderConnected(true);
  };
  stream.onerror = () => {
    leaderConnected(false);
    // CONNECTING: the browser retries by itself. CLOSED: it gave up.
    if (stream.readyState === EventSource.CLOSED) reopenSoon(retryDelay);
  };
  // After a replay the stream names its position; a reopened stream starts there.
  stream.addEventListener("ready", (event: MessageEvent) => {
    if (!event.lastEventId) return;
    lastEventId = event.lastEventId;
    // A stream opened "from now" is good from where it stands.
    coveredFrom ??= decodeCursor(event.lastEventId);
  });
  for (const type of EVENT_TYPES) {
    stream.addEventListener(type, (event: MessageEvent) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      const id = event.lastEventId;
      const place = id ? eventPlace(data, id) : undefined;
      if (relay && place) {
        relay.postMessage({ kind: "event", type, data, id } satisfies Relay);
        buffer.push({ type, data, id, ...place });
        if (buffer.length > BUFFER_LIMIT) {
          const dropped = buffer.shift()!;
          coveredFrom?.set(dropped.serverId, Math.max(coveredFrom.get(dropped.serverId) ?? 0, dropped.seq));
        }
      }
      deliver(type, data, id);
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

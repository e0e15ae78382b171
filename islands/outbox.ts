/// <reference lib="dom" />
/**
 * Lines the user typed, until the app has taken them: a queue in memory and
 * `localStorage`, sent one at a time in order (by one tab at a time, under a
 * Web Lock), each with its id so a resend is not said twice; a line offline
 * waits, one the app refuses stays `failed` with its reason.
 *
 * @module
 */
import type { MessageJson } from "../lib/messages.ts";
import { sendLine } from "./api.ts";

/** Where a line is. */
export type OutboxState = "queued" | "sending" | "failed";

/** A line typed in a window, not yet taken by the app. */
export interface OutboxEntry {
  id: string;
  serverId: number;
  /** The window's channel or nick; `null` for the server's own window. */
  target: string | null;
  content: string;
  state: OutboxState;
  /** Why the app refused it (state `failed`). */
  error?: string;
  /** When it was typed (ms since the epoch). */
  createdAt: number;
}

/** What happened to a line, for the window that shows it. */
export type OutboxEvent =
  | { type: "changed" }
  | { type: "sent"; entry: OutboxEntry; message: MessageJson | undefined }
  | { type: "failed"; entry: OutboxEntry };

type Listener = (event: OutboxEvent) => void;

const STORAGE_KEY = "ircweb.outbox.v1";
const LOCK_NAME = "ircweb-outbox";
const RETRY_MS = 3000;

let entries: OutboxEntry[] | undefined;
const listeners = new Set<Listener>();
let running = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function load(): OutboxEntry[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(isEntry).map((e) =>
      // A line that was being sent when the page went away may or may not
      // have arrived: sending it again risks a repeat, not sending it risks
      // losing it. A repeat is the lesser harm.
      e.state === "sending" ? { ...e, state: "queued" as const } : e
    );
  } catch {
    return [];
  }
}

function isEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === "string" && typeof e.serverId === "number" &&
    (e.target === null || typeof e.target === "string") && typeof e.content === "string" &&
    (e.state === "queued" || e.state === "sending" || e.state === "failed") &&
    typeof e.createdAt === "number";
}

function all(): OutboxEntry[] {
  if (!entries) {
    entries = load();
    globalThis.addEventListener("storage", (event) => {
      if (event.key !== STORAGE_KEY) return;
      entries = load();
      emit({ type: "changed" });
    });
    globalThis.addEventListener("online", () => kick());
  }
  return entries;
}

function save(): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(all()));
  } catch {
    // Storage full or forbidden: the lines are still kept in memory.
  }
}

function emit(event: OutboxEvent): void {
  for (const listener of [...listeners]) listener(event);
}

function update(id: string, change: Partial<OutboxEntry> | null): OutboxEntry | undefined {
  const list = all();
  const index = list.findIndex((e) => e.id === id);
  if (index === -1) return undefined;
  const entry = { ...list[index], ...change };
  if (change === null) list.splice(index, 1);
  else list[index] = entry;
  save();
  return entry;
}

/** The lines of one window, oldest first. */
export function windowEntries(serverId: number, target: string | null): OutboxEntry[] {
  const key = target?.toLowerCase() ?? null;
  return all().filter((e) => e.serverId === serverId && (e.target?.toLowerCase() ?? null) === key);
}

/** Calls `listener` on every change; returns the unsubscribe. Starts sending what is queued. */
export function subscribeOutbox(listener: Listener): () => void {
  listeners.add(listener);
  all();
  kick();
  return () => listeners.delete(listener);
}

// crypto.randomUUID exists only in secure contexts; the app may be served
// over plain HTTP on a home network.
function newId(): string {
  return typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Queues `content` typed in a window and starts sending. */
export function enqueue(serverId: number, target: string | null, content: string): OutboxEntry {
  const entry: OutboxEntry = {
    id: newId(),
    serverId,
    target,
    content,
    state: "queued",
    createdAt: Date.now(),
  };
  all().push(entry);
  save();
  emit({ type: "changed" });
  kick();
  return entry;
}

/** Forgets a line (a failed one the user dismissed or took back to edit). */
export function dismiss(id: string): void {
  if (update(id, null)) emit({ type: "changed" });
}

/** Sends what is queued, now (after coming back online, or when the live stream reconnects). */
export function kick(): void {
  if (running) return;
  running = true;
  const run = async () => {
    try {
      await drain();
    } finally {
      running = false;
    }
  };
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  (locks ? locks.request(LOCK_NAME, run) : run()).catch((error) => console.error(error));
}

async function drain(): Promise<void> {
  clearTimeout(retryTimer);
  // Another tab may have sent or queued lines meanwhile.
  entries = load();
  while (true) {
    const next = all().find((e) => e.state === "queued");
    if (!next) return;
    update(next.id, { state: "sending" });
    emit({ type: "changed" });
    // The line's own id: sent again after an answer that never came,
    // it is not said twice (the app answers what it did the first time).
    const result = await sendLine(next.serverId, {
      target: next.target,
      content: next.content,
      clientId: next.id,
    });
    if (result.ok) {
      update(next.id, null);
      emit({ type: "sent", entry: next, message: result.data });
      emit({ type: "changed" });
      continue;
    }
    // No answer, or a gateway's while the app restarts: try again later.
    if (result.offline || result.status === 502 || result.status === 503) {
      update(next.id, { state: "queued" });
      emit({ type: "changed" });
      retryTimer = setTimeout(kick, RETRY_MS);
      return;
    }
    const failed = update(next.id, { state: "failed", error: result.error });
    if (failed) emit({ type: "failed", entry: failed });
    emit({ type: "changed" });
  }
}

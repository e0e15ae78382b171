/// <reference lib="dom" />
/**
 * The lines typed in a window not shown as messages yet (from the outbox),
 * and those this tab sent that the app took, marked delivered: each shows
 * once, whether echo-message brings its message before the answer or a
 * `202` leaves it waiting for its message.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { MessageJson } from "../../lib/messages.ts";
import { markMessageSeen, onLiveEvent } from "../live.ts";
import { type OutboxEntry, subscribeOutbox, windowEntries } from "../outbox.ts";
import { type ExpectedEcho, expectedEcho, isEchoOf } from "./ownEcho.ts";
import { inWindow } from "./window.ts";

/** The ids the user's own tab sent, to mark them delivered after the page re-renders. */
const delivered = new Set<number>();

/** Whether this tab sent message `id` and the app took it. */
export function isDelivered(id: number): boolean {
  return delivered.has(id);
}

// A line taken with no message yet is dropped after this even if its
// message never shows here (a server that stored it under another target).
const AWAIT_MS = 60_000;

/**
 * The lines of `target` of `serverId` to show as pending; the ones taken go
 * to `append`. `nick` is the user's nick now, to recognise their own lines.
 */
export function usePendingLines(
  serverId: number,
  target: string | null,
  append: (messages: MessageJson[]) => void,
  nick = "",
): OutboxEntry[] {
  const [outbox, setOutbox] = useState<OutboxEntry[]>([]);
  // Taken by the app (`202`), their message not here yet.
  const [awaiting, setAwaiting] = useState<OutboxEntry[]>([]);
  // Outbox lines whose message already shows (echo-message before the answer).
  const [echoed, setEchoed] = useState<ReadonlySet<string>>(new Set());
  const state = useRef({ outbox, awaiting, echoed, nick });
  state.current = { outbox, awaiting, echoed, nick };
  const echoes = useRef(new Map<string, ExpectedEcho | undefined>());
  const echoOf = (entry: OutboxEntry) => {
    if (!echoes.current.has(entry.id)) echoes.current.set(entry.id, expectedEcho(entry.content, target));
    return echoes.current.get(entry.id);
  };

  useEffect(() => {
    const refresh = () => setOutbox(windowEntries(serverId, target));
    const stopOutbox = subscribeOutbox((event) => {
      if (event.type === "sent") {
        const { entry, message } = event;
        const alreadyShown = state.current.echoed.has(entry.id);
        if (alreadyShown) setEchoed((set) => without(set, entry.id));
        // Only a line stored for this window: one for another (`/msg bob` typed
        // here) is not shown here, nor marked seen, so its live event still
        // reaches the navigation, which opens that window.
        if (message && inWindow(message, serverId, target)) {
          delivered.add(message.id);
          markMessageSeen(message.id);
          append([message]);
        } else if (!message && !alreadyShown && entry.serverId === serverId && entry.target === target) {
          if (echoOf(entry)) {
            setAwaiting((list) => [...list, { ...entry, state: "sending" }]);
            setTimeout(() => setAwaiting((list) => list.filter((e) => e.id !== entry.id)), AWAIT_MS);
          }
        }
      }
      refresh();
    });
    const stopLive = onLiveEvent((event) => {
      if (event.type !== "message" || !inWindow(event.data, serverId, target)) return;
      const m = event.data;
      const { awaiting, outbox, echoed, nick } = state.current;
      const waiting = awaiting.find((e) => isEcho(m, nick, echoOf(e)));
      if (waiting) {
        delivered.add(m.id);
        setAwaiting((list) => list.filter((e) => e !== waiting));
        return;
      }
      const sending = outbox.find((e) =>
        e.state === "sending" && !echoed.has(e.id) && isEcho(m, nick, echoOf(e))
      );
      if (sending) setEchoed((set) => new Set([...set, sending.id]));
    });
    refresh();
    return () => {
      stopOutbox();
      stopLive();
    };
  }, []);
  return [...awaiting, ...outbox.filter((e) => !echoed.has(e.id))];
}

function isEcho(message: MessageJson, nick: string, echo: ExpectedEcho | undefined): boolean {
  return echo !== undefined && isEchoOf(message, nick, echo);
}

function without(set: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const next = new Set(set);
  next.delete(id);
  return next;
}

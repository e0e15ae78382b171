/// <reference lib="dom" />
/**
 * Island: one window of a server (a channel, a query, or the server's own
 * messages): its topic, the user's nick, the latest messages with older
 * ones loaded on scrolling up, the live stream, and the input line.
 *
 * A line is checked by the API's own parser (`lib/slashCommand.ts`) before
 * it is sent. Sending goes through the outbox (`outbox.ts`): a line shows
 * as "sending", "waiting for the connection" or "not sent" until the app
 * has taken it; a refused line's reason shows next to the input and its
 * text comes back into the input. Enter sends; Up and Down walk through the
 * lines sent.
 *
 * @module
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ServerStatus } from "../lib/db/schema.ts";
import type { MessageJson } from "../lib/messages.ts";
import { IrcText, sameIrcName, stripIrcFormatting } from "../lib/ircFormat.ts";
import { parseSlashCommand } from "../lib/slashCommand.ts";
import { apiRequest } from "./api.ts";
import { markMessageSeen, onConnectionChange, onLiveEvent } from "./live.ts";
import { MessageLine } from "./MessageLine.tsx";
import { dismiss, enqueue, kick, type OutboxEntry, subscribeOutbox, windowEntries } from "./outbox.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** Props of {@link ChannelView}. */
export interface ChannelViewProps {
  serverId: number;
  serverName: string;
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
  /** Whether older messages than these exist. */
  hasMore: boolean;
  /** How many older messages one scroll-up loads. */
  pageSize: number;
  /** Text to put back into the input (after a refused form post without JavaScript). */
  draft?: string;
  /** Why that text was refused. */
  error?: string | null;
}

/** The ids the user's own tab sent, to mark them delivered after the page re-renders. */
const delivered = new Set<number>();

function sameWindow(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : sameIrcName(a, b);
}

/**
 * Whether `message` belongs in the window `target` of server `serverId`.
 * Not always where it was typed: `/msg bob hi` in a channel is stored for
 * `bob`, and a tab may send a line another tab queued.
 */
export function inWindow(message: MessageJson, serverId: number, target: string | null): boolean {
  return message.server_id === serverId && sameWindow(message.target, target);
}

function pendingLabel(entry: OutboxEntry, online: boolean): string {
  switch (entry.state) {
    case "sending":
      return "sending…";
    case "queued":
      return online ? "waiting to send…" : "waiting for the connection; it will be sent when it is back";
    case "failed":
      return `not sent: ${entry.error ?? "refused"}`;
  }
}

/** The window: header, messages and input. */
export default function ChannelView(props: ChannelViewProps) {
  const { serverId, target } = props;
  const [messages, setMessages] = useState(props.messages);
  const [hasMore, setHasMore] = useState(props.hasMore);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [topic, setTopic] = useState(props.topic);
  const [joined, setJoined] = useState(props.joined);
  const [nick, setNick] = useState(props.nick);
  const [status, setStatus] = useState(props.status);
  const [statusError, setStatusError] = useState(props.statusError);
  const [localTime, setLocalTime] = useState(false);
  const [liveUp, setLiveUp] = useState(true);
  const [browserOnline, setBrowserOnline] = useState(true);
  const online = liveUp && browserOnline;
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const [text, setText] = useState(props.draft ?? "");
  const [error, setError] = useState<string | null>(props.error ?? null);
  const [, setDeliveredVersion] = useState(0);
  const history = useRef<string[]>([]);
  const historyIndex = useRef<number>(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const olderRef = useRef<HTMLButtonElement>(null);
  const textRef = useRef(text);
  textRef.current = text;
  const nickRef = useRef(nick);
  nickRef.current = nick;
  const ids = useMemo(() => new Set(props.messages.map((m) => m.id)), []);

  // Times were rendered in UTC on the server; the browser knows its zone.
  useEffect(() => {
    setLocalTime(true);
    for (const m of props.messages) markMessageSeen(m.id);
  }, []);

  const append = useCallback((incoming: MessageJson[]) => {
    const fresh = incoming.filter((m) => !ids.has(m.id));
    if (fresh.length === 0) return;
    for (const m of fresh) ids.add(m.id);
    // A server's messages are written by its worker alone, so their ids are
    // in the order they happened: a reply to a send that overtook the live
    // stream still lands in its place.
    setMessages((list) => {
      const merged = [...list, ...fresh];
      const sorted = merged.every((m, i) => i === 0 || merged[i - 1].id < m.id);
      return sorted ? merged : merged.sort((a, b) => a.id - b.id);
    });
  }, []);

  // Marks the window read up to its newest message, a second after the
  // last change (what the page was rendered with included: its GET writes
  // nothing), while the user can see it.
  const readTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const newestId = messages.length ? messages[messages.length - 1].id : 0;
  useEffect(() => {
    if (target === null || newestId === 0) return;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      apiRequest("POST", `/servers/${serverId}/read`, { target, id: newestId });
    };
    clearTimeout(readTimer.current);
    readTimer.current = setTimeout(mark, 1000);
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [newestId]);

  const refreshServer = useCallback(async () => {
    const result = await apiRequest<{ nickname: string; status: ServerStatus; last_error: string | null }>(
      "GET",
      `/api/servers/${serverId}`,
    );
    if (!result.ok) return;
    setNick(result.data.nickname);
    setStatus(result.data.status);
    setStatusError(result.data.last_error);
  }, []);

  useEffect(() => {
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
    const refreshPending = () => setPending(windowEntries(serverId, target));
    const stopOutbox = subscribeOutbox((event) => {
      // Only a line stored for this window: one for another (`/msg bob` typed
      // here) is not shown here, nor marked seen, so its live event still
      // reaches the navigation, which opens that window.
      if (event.type === "sent" && event.message && inWindow(event.message, serverId, target)) {
        delivered.add(event.message.id);
        markMessageSeen(event.message.id);
        append([event.message]);
        setDeliveredVersion((v) => v + 1);
      }
      if (
        event.type === "failed" && event.entry.serverId === serverId && sameWindow(event.entry.target, target)
      ) {
        setError(event.entry.error ?? "Not sent");
        // The text is not lost: back into the input when that is free.
        if (textRef.current === "") {
          setText(event.entry.content);
          dismiss(event.entry.id);
        }
      }
      refreshPending();
    });
    refreshPending();
    return () => {
      stopLive();
      stopConnection();
      stopOutbox();
      globalThis.removeEventListener("online", onlineChanged);
      globalThis.removeEventListener("offline", onlineChanged);
    };
  }, []);

  const loadOlder = useCallback(async () => {
    if (loadingOlder || !hasMore) return;
    setLoadingOlder(true);
    setOlderError(null);
    const params = new URLSearchParams({ limit: String(props.pageSize) });
    if (target !== null) params.set("target", target);
    const oldest = messages[0]?.id;
    if (oldest !== undefined) params.set("before", String(oldest));
    const result = await apiRequest<MessageJson[]>("GET", `/api/servers/${serverId}/messages?${params}`);
    setLoadingOlder(false);
    if (!result.ok) {
      setOlderError(result.error);
      return;
    }
    const older = result.data.filter((m) => !ids.has(m.id));
    for (const m of older) ids.add(m.id);
    setMessages((list) => [...older, ...list]);
    setHasMore(result.data.length >= props.pageSize);
  }, [loadingOlder, hasMore, messages]);

  // Scrolling near the top loads older messages. The list is anchored at
  // the bottom (CSS column-reverse), so prepending keeps the view still.
  // Observing again after each load goes on loading while the top is in view.
  const loadOlderRef = useRef(loadOlder);
  loadOlderRef.current = loadOlder;
  useLayoutEffect(() => {
    const button = olderRef.current;
    const scroller = scrollerRef.current;
    if (!button || !scroller || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting)) loadOlderRef.current();
    }, { root: scroller, rootMargin: "300px 0px 0px 0px" });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasMore, loadingOlder]);

  const submit = (event: Event) => {
    event.preventDefault();
    const line = text;
    if (line.trim() === "") return;
    // The API's own parser, here too: a mistyped command is pointed out at
    // once (even offline) and stays in the input to be fixed.
    const parsed = parseSlashCommand(line, target);
    if (!parsed.ok) {
      setError(
        target === null && !line.startsWith("/")
          ? "This is the server's window: type a command here, like /join #channel or /msg nick text."
          : parsed.error,
      );
      return;
    }
    history.current.push(line);
    historyIndex.current = -1;
    setText("");
    setError(null);
    enqueue(serverId, target, line);
    scrollerRef.current?.scrollTo({ top: 0 });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const input = event.currentTarget as HTMLInputElement;
    const lines = history.current;
    if (event.key === "ArrowUp" && lines.length > 0 && (input.selectionStart === 0 || text === "")) {
      event.preventDefault();
      const index = historyIndex.current === -1 ? lines.length - 1 : Math.max(0, historyIndex.current - 1);
      historyIndex.current = index;
      setText(lines[index]);
    } else if (event.key === "ArrowDown" && historyIndex.current !== -1) {
      event.preventDefault();
      const index = historyIndex.current + 1;
      historyIndex.current = index >= lines.length ? -1 : index;
      setText(index >= lines.length ? "" : lines[index]);
    } else if (event.key === "Escape") {
      setError(null);
    }
  };

  const edit = (entry: OutboxEntry) => {
    setText(entry.content);
    dismiss(entry.id);
    setError(null);
    inputRef.current?.focus();
  };

  const title = target ?? props.serverName;
  const placeholder = target === null
    ? "Type a command: /join #channel, /msg nick text, /nick name…"
    : `Message ${target}`;

  return (
    <section class="window" aria-label={title}>
      <header class="window-header">
        <a class="back" href={target === null ? "/" : `/servers/${serverId}`} aria-label="Back">‹</a>
        <div class="window-title">
          <h1>{title}</h1>
          {target !== null ? <span class="window-server">{props.serverName}</span> : null}
        </div>
        <div class="window-meta">
          <span class="own-nick" title="Your nick">{nick}</span>
          <StatusBadge status={status} error={statusError} />
        </div>
      </header>
      {target !== null && topic
        ? (
          <p class="topic" title={stripIrcFormatting(topic)}>
            <IrcText text={topic} />
          </p>
        )
        : null}
      {target !== null && !joined && target.match(/^[#&+!]/)
        ? <p class="notice-bar">You are not in {target}. Type /join {target} to join it.</p>
        : null}
      {!online
        ? (
          <p class="notice-bar offline" role="status">
            Connection to the app lost: reconnecting. What you type is kept and sent when it is back.
          </p>
        )
        : null}
      <div class="scroller" ref={scrollerRef} tabIndex={0} aria-label="Messages">
        <div class="scroller-content">
          {hasMore
            ? (
              <button
                type="button"
                class="load-older"
                ref={olderRef}
                onClick={loadOlder}
                disabled={loadingOlder}
              >
                {loadingOlder ? "Loading older messages…" : "Load older messages"}
              </button>
            )
            : <p class="history-start">Start of the history</p>}
          {olderError ? <p class="inline-error" role="alert">{olderError}</p> : null}
          <ol class="messages" aria-live="polite">
            {messages.map((m) => (
              <MessageLine
                key={m.id}
                message={m}
                nick={nick}
                localTime={localTime}
                delivered={delivered.has(m.id)}
              />
            ))}
            {pending.map((entry) => (
              <li key={entry.id} class={`msg pending pending-${entry.state}`} data-state={entry.state}>
                <time>…</time>
                <span class="body">
                  <span class="who">
                    <span class="nick">{nick}</span>
                  </span>{" "}
                  {entry.content}
                </span>
                <span class="pending-state">
                  {pendingLabel(entry, online)}
                  {entry.state === "failed"
                    ? (
                      <>
                        {" "}
                        <button
                          type="button"
                          class="link-button"
                          onClick={() => edit(entry)}
                        >
                          Edit
                        </button>{" "}
                        <button
                          type="button"
                          class="link-button"
                          onClick={() =>
                            dismiss(entry.id)}
                        >
                          Dismiss
                        </button>
                      </>
                    )
                    : null}
                </span>
              </li>
            ))}
          </ol>
        </div>
      </div>
      <form class="composer" method="post" action={`/servers/${serverId}/send`} onSubmit={submit}>
        <input type="hidden" name="target" value={target ?? ""} />
        <label class="visually-hidden" htmlFor="composer-input">{placeholder}</label>
        <input
          id="composer-input"
          ref={inputRef}
          name="content"
          type="text"
          autoComplete="off"
          enterKeyHint="send"
          maxLength={8192}
          placeholder={placeholder}
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={onKeyDown}
          autoFocus
          aria-describedby={error ? "composer-error" : undefined}
        />
        <button type="submit" class="button">Send</button>
        {error
          ? (
            <p id="composer-error" class="composer-error" role="alert">
              {error}
            </p>
          )
          : null}
      </form>
    </section>
  );
}

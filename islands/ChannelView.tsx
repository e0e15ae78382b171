/// <reference lib="dom" />
/**
 * Island: one window of a server (a channel, a query, or the server's own
 * messages): its header and topic, the messages (older ones loaded on
 * scrolling up, new ones from the live stream), the lines still in the
 * outbox, and the input line. The state lives in hooks under `channel/`.
 *
 * @module
 */
import { Fragment } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { windowUrl } from "./ServerNav.tsx";
import { IrcText, stripIrcFormatting } from "../lib/ircFormat.ts";
import { Composer, type ComposerHandle } from "./channel/Composer.tsx";
import { PendingLine } from "./channel/PendingLine.tsx";
import { type LiveWindowStart, useLiveWindow } from "./channel/useLiveWindow.ts";
import { useMessageList } from "./channel/useMessageList.ts";
import { useOlderMessages } from "./channel/useOlderMessages.ts";
import { isDelivered, usePendingLines } from "./channel/usePendingLines.ts";
import { firstUnreadId, shownWithJoins, useReadMarker } from "./channel/useReadMarker.ts";
import type { TimeFormat } from "../lib/userSettings.ts";
import { dayOf, DaySeparator, MessageLine } from "./MessageLine.tsx";
import { completionNicks } from "./channel/completion.ts";
import { useIgnores } from "./channel/useIgnores.ts";
import { MemberCount, NickList } from "./NickList.tsx";
import { memberNicks } from "./channel/useMembers.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** Props of {@link ChannelView}. */
export interface ChannelViewProps extends LiveWindowStart {
  serverName: string;
  /** Whether older messages than these exist. */
  hasMore: boolean;
  /** How many older messages one scroll-up loads. */
  pageSize: number;
  /** Text to put back into the input (after a refused form post without JavaScript). */
  draft?: string;
  /** Why that text was refused. */
  error?: string | null;
  /**
   * Opened at a message (a search result's link): its id, and whether newer
   * messages than those shown exist (live ones are then not added after a gap).
   */
  around?: { id: number; hasNewer: boolean };
  /** The window's read marker when the page was rendered (0: never read), for the "new messages" divider. */
  lastReadId?: number;
  /** The user's settings: how times show, whether joins and parts do, their highlight words. */
  timeFormat?: TimeFormat;
  showJoinsParts?: boolean;
  highlightWords?: string[];
}

// A window opened in the past keeps its place: live messages would come after a gap.
const ignoreNewer = () => {};

/** The window: header, messages and input. */
export default function ChannelView(props: ChannelViewProps) {
  const { serverId, target } = props;
  const scrollerRef = useRef<HTMLDivElement>(null);
  const composer = useRef<ComposerHandle>(null);
  const { messages, append, prepend } = useMessageList(props.messages);
  const live = useLiveWindow(props, props.around?.hasNewer ? ignoreNewer : append);
  // Opened at a message: it is kept in view (older pages may load around it
  // meanwhile) until the user scrolls by hand.
  const anchored = useRef(props.around !== undefined);
  useEffect(() => {
    if (!props.around || !anchored.current) return;
    scrollerRef.current?.querySelector(`li[data-id="${props.around.id}"]`)?.scrollIntoView({
      block: "center",
    });
  }, [messages.length]);
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!props.around || !scroller) return;
    const release = () => anchored.current = false;
    const kinds = ["wheel", "touchstart", "keydown", "pointerdown"] as const;
    for (const kind of kinds) scroller.addEventListener(kind, release, { once: true, passive: true });
    return () => kinds.forEach((kind) => scroller.removeEventListener(kind, release));
  }, []);
  const pending = usePendingLines(serverId, target, append, live.nick);
  const older = useOlderMessages({
    serverId,
    target,
    hasMore: props.hasMore,
    pageSize: props.pageSize,
    oldestId: messages[0]?.id,
    prepend,
    scrollerRef,
  });
  const channel = target !== null && /^[#&+!]/.test(target) ? target : null;
  useReadMarker(serverId, target, messages.length ? messages[messages.length - 1].id : 0);
  // Where the user had stopped reading when the window opened: it stays there while it is open.
  const [dividerId] = useState(() => firstUnreadId(props.messages, props.lastReadId ?? 0, props.nick));
  // The ignore list hides lines here, in what is shown; they are stored and sent all the same.
  const ignored = useIgnores(serverId);
  const shown = useMemo(
    () => messages.filter((m) => m.sender === live.nick || !ignored(m.sender)),
    [messages, ignored, live.nick],
  );

  const title = target ?? props.serverName;
  return (
    <section class="window" aria-label={title}>
      <header class="window-header">
        {/* The navigation's drawer on a phone (ServerNav handles the click; #windows without JavaScript). */}
        <a
          class="nav-toggle"
          href="#windows"
          data-nav-toggle
          aria-controls="windows"
          aria-expanded="false"
          aria-label="Windows"
          title="Windows"
        >
          ☰
        </a>
        <div class="window-title">
          <h1>{title}</h1>
          {target !== null ? <span class="window-server">{props.serverName}</span> : null}
        </div>
        <div class="window-meta">
          {channel !== null ? <MemberCount serverId={serverId} channel={channel} nick={live.nick} /> : null}
          <span class="own-nick" title="Your nick">{live.nick}</span>
          <StatusBadge status={live.status} error={live.statusError} />
        </div>
      </header>
      {target !== null && live.topic
        ? (
          <p class="topic" title={stripIrcFormatting(live.topic)}>
            <IrcText text={live.topic} />
          </p>
        )
        : null}
      {target !== null && !live.joined && target.match(/^[#&+!]/)
        ? <p class="notice-bar">You are not in {target}. Type /join {target} to join it.</p>
        : null}
      {!live.online
        ? (
          <p class="notice-bar offline" role="status">
            Connection to the app lost: reconnecting. What you type is kept and sent when it is back.
          </p>
        )
        : null}
      <div class="scroller" ref={scrollerRef} tabIndex={0} aria-label="Messages">
        <div class="scroller-content">
          {older.hasMore
            ? (
              <button
                type="button"
                class="load-older"
                ref={older.buttonRef}
                onClick={older.load}
                disabled={older.loading}
              >
                {older.loading ? "Loading older messages…" : "Load older messages"}
              </button>
            )
            : <p class="history-start">Start of the history</p>}
          {older.error ? <p class="inline-error" role="alert">{older.error}</p> : null}
          <ol class="messages" aria-live="polite">
            {shown.filter((m) => shownWithJoins(m, props.showJoinsParts ?? true)).map((m, i, list) => (
              <Fragment key={m.id}>
                {i === 0 ||
                    dayOf(list[i - 1].created_at, live.hydrated) !== dayOf(m.created_at, live.hydrated)
                  ? <DaySeparator day={dayOf(m.created_at, live.hydrated)} />
                  : null}
                {m.id === dividerId ? <li class="new-messages" role="separator">New messages</li> : null}
                <MessageLine
                  message={m}
                  nick={live.nick}
                  localTime={live.hydrated}
                  delivered={isDelivered(m.id)}
                  marked={m.id === props.around?.id}
                  timeFormat={props.timeFormat}
                  words={props.highlightWords}
                />
              </Fragment>
            ))}
            {pending.map((entry) => (
              <PendingLine
                key={entry.id}
                entry={entry}
                nick={live.nick}
                online={live.online}
                onEdit={(e) => composer.current?.edit(e)}
              />
            ))}
          </ol>
          {props.around?.hasNewer
            ? (
              <p class="notice-bar around-newer">
                <a href={windowUrl(serverId, target)}>Newer messages: jump to the newest</a>
              </p>
            )
            : null}
        </div>
      </div>
      {channel !== null ? <NickList serverId={serverId} channel={channel} nick={live.nick} /> : null}
      <Composer
        serverId={serverId}
        target={target}
        draft={props.draft}
        error={props.error}
        onQueued={() => scrollerRef.current?.scrollTo({ top: 0 })}
        handle={composer}
        status={live.status}
        nicks={() => completionNicks(messages, memberNicks(serverId, channel), live.nick)}
      />
    </section>
  );
}

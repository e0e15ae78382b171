/**
 * One line of a window: time, who, and what happened, by message type.
 * Rendered on the server and in the browser alike (not an island itself).
 *
 * @module
 */
import { Component, type ComponentChildren } from "preact";
import type { MessageJson } from "../lib/messages.ts";
import { IrcText, sameIrcName } from "../lib/ircFormat.ts";
import { highlights } from "../lib/highlight.ts";
import { isSaid } from "../lib/unread.ts";
import { looksLikeArt } from "../lib/textArt.ts";
import type { TimeFormat } from "../lib/userSettings.ts";

/** Props of {@link MessageLine}. */
export interface MessageLineProps {
  message: MessageJson;
  /** The user's nick on this server, for own lines and mentions. */
  nick: string;
  /** Show times in the browser's time zone (after hydration) rather than UTC. */
  localTime: boolean;
  /** Whether this tab sent the line and the app took it. */
  delivered?: boolean;
  /** The line the window was opened at (a search result's link). */
  marked?: boolean;
  /** How times show (the user's setting; `24h` by default). */
  timeFormat?: TimeFormat;
  /** The user's highlight words, which mark a line as their nick does. */
  words?: readonly string[];
}

const NICK_COLOURS = 12;

/** The colour class of a nick: the same nick always gets the same one. */
export function nickColour(nick: string): string {
  let hash = 0;
  for (const c of nick.toLowerCase()) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return `nick-c${Math.abs(hash) % NICK_COLOURS}`;
}

/** An ISO time as `format` shows it (`HH:MM` by default), in UTC or the browser's time zone. */
export function formatTime(iso: string, local: boolean, format: TimeFormat = "24h"): string {
  const date = new Date(iso);
  const [h, m, s] = local
    ? [date.getHours(), date.getMinutes(), date.getSeconds()]
    : [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  const two = (n: number) => String(n).padStart(2, "0");
  if (format === "12h") return `${h % 12 === 0 ? 12 : h % 12}:${two(m)} ${h < 12 ? "AM" : "PM"}`;
  return format === "24h-seconds" ? `${two(h)}:${two(m)}:${two(s)}` : `${two(h)}:${two(m)}`;
}

/** The day of an ISO time (`YYYY-MM-DD`), in UTC or the browser's time zone: where a window's date separators go. */
export function dayOf(iso: string, local: boolean): string {
  const date = new Date(iso);
  const [y, m, d] = local
    ? [date.getFullYear(), date.getMonth() + 1, date.getDate()]
    : [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** A date separator's text: `Wednesday, 2 December 2026` (English, as the rest of the UI, in any locale). */
export function formatDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${weekday}, ${d} ${MONTHS[m - 1]} ${y}`;
}

/** The separator before the first line of `day` in a window. */
export function DaySeparator({ day }: { day: string }) {
  return (
    <li class="day-separator" role="separator">
      <time dateTime={day}>{formatDay(day)}</time>
    </li>
  );
}

function Nick({ name }: { name: string | null }) {
  return <span class={`nick ${nickColour(name ?? "")}`}>{name ?? "*"}</span>;
}

function reason(text: string): ComponentChildren {
  return text ? <span class="reason">({<IrcText text={text} />})</span> : null;
}

/**
 * The line of `message`. It is drawn again only when one of its props
 * changes (a message's object stays the same while it is shown), so a
 * change elsewhere in its window, such as a keystroke, leaves it alone.
 */
export class MessageLine extends Component<MessageLineProps> {
  override shouldComponentUpdate(next: MessageLineProps): boolean {
    const now = this.props;
    return next.message !== now.message || next.nick !== now.nick || next.localTime !== now.localTime ||
      next.delivered !== now.delivered || next.marked !== now.marked || next.timeFormat !== now.timeFormat ||
      next.words !== now.words;
  }

  override render() {
    return lineOf(this.props);
  }
}

function lineOf({ message, nick, localTime, delivered, marked, timeFormat, words }: MessageLineProps) {
  const own = sameIrcName(message.sender, nick);
  const mention = isSaid(message.message_type) && !own && highlights(message.content, nick, words);
  const highlightNick = own ? null : nick;
  const sender = <Nick name={message.sender} />;
  let body: ComponentChildren;
  switch (message.message_type) {
    case "privmsg":
      body = (
        <>
          <span class="who">{sender}</span> <IrcText text={message.content} nick={highlightNick} />
        </>
      );
      break;
    case "action":
      body = (
        <>
          <span class="who">* {sender}</span> <IrcText text={message.content} nick={highlightNick} />
        </>
      );
      break;
    case "notice":
      body = (
        <>
          <span class="who">-{sender}-</span> <IrcText text={message.content} nick={highlightNick} />
        </>
      );
      break;
    case "join":
      body = <>→ {sender} joined</>;
      break;
    case "part":
      body = <>← {sender} left {reason(message.content)}</>;
      break;
    case "quit":
      body = <>← {sender} quit {reason(message.content)}</>;
      break;
    case "nick":
      body = (
        <>
          {sender} is now known as <Nick name={message.content} />
        </>
      );
      break;
    case "topic":
      body = (
        <>
          {sender} changed the topic to: <IrcText text={message.content} />
        </>
      );
      break;
    case "kick": {
      const [kicked, ...why] = message.content.split(" ");
      body = (
        <>
          {sender} kicked <Nick name={kicked} /> {reason(why.join(" "))}
        </>
      );
      break;
    }
    case "mode":
      body = <>{sender} sets mode {message.content}</>;
      break;
    case "error":
      body = <IrcText text={message.content} />;
      break;
    default:
      body = (
        <>
          {message.sender ? <>{sender}{" "}</> : null}
          <IrcText text={message.content} />
        </>
      );
  }
  const classes = [
    "msg",
    `msg-${message.message_type}`,
    // A MOTD or an answer of several lines: kept as lines (IRC text has none).
    message.content.includes("\n") ? "msg-lines" : "",
    looksLikeArt(message.content) ? "msg-art" : "",
    own ? "own" : "",
    mention ? "mention-line" : "",
    marked ? "around-target" : "",
  ]
    .filter(Boolean).join(" ");
  return (
    <li class={classes} data-id={message.id}>
      <time
        dateTime={message.created_at}
        title={localTime ? new Date(message.created_at).toLocaleString() : message.created_at}
      >
        {formatTime(message.created_at, localTime, timeFormat)}
      </time>
      <span class="body">{body}</span>
      {delivered ? <span class="delivered" title="Delivered">✓</span> : null}
    </li>
  );
}

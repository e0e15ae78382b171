/**
 * IRC text as the user sees it: mIRC formatting codes as styled spans,
 * `http(s)` links clickable, the user's nick highlighted. Only ever rendered
 * as Preact text and attributes (nothing from IRC becomes markup), colours as
 * classes ({@link ircColourCss}) since the Content-Security-Policy forbids
 * inline styles; it runs on the server and in the browser alike.
 *
 * @module
 */
import { type ComponentChild, h } from "preact";

/** The control characters of mIRC formatting. */
const BOLD = "\x02";
const COLOUR = "\x03";
const HEX_COLOUR = "\x04";
const RESET = "\x0f";
const MONOSPACE = "\x11";
const REVERSE = "\x16";
const ITALIC = "\x1d";
const STRIKETHROUGH = "\x1e";
const UNDERLINE = "\x1f";

/** How a run of text is styled. Colours are palette indexes (0-98), `null` for the default. */
export interface IrcStyle {
  bold: boolean;
  italic: boolean;
  underline: boolean;
  strikethrough: boolean;
  monospace: boolean;
  reverse: boolean;
  fg: number | null;
  bg: number | null;
}

/** A run of text with one style. */
export interface IrcSpan {
  text: string;
  style: IrcStyle;
}

/** A piece of a line: plain styled text, a link, or a mention of the user's nick. */
export type IrcToken =
  | { kind: "text"; spans: IrcSpan[] }
  | { kind: "link"; href: string; spans: IrcSpan[] }
  | { kind: "mention"; spans: IrcSpan[] };

/**
 * The 99 colours of mIRC: 0-15 the classic ones, 16-98 the extended
 * palette (https://modern.ircdocs.horse/formatting#colors).
 */
export const IRC_PALETTE: readonly string[] = (
  "ffffff 000000 00007f 009300 ff0000 7f0000 9c009c fc7f00 ffff00 00fc00 009393 00ffff " +
  "0000fc ff00ff 7f7f7f d2d2d2 470000 472100 474700 324700 004700 00472c 004747 002747 " +
  "000047 2e0047 470047 47002a 740000 743a00 747400 517400 007400 007449 007474 004074 " +
  "000074 4b0074 740074 740045 b50000 b56300 b5b500 7db500 00b500 00b571 00b5b5 0063b5 " +
  "0000b5 7500b5 b500b5 b5006b ff0000 ff8c00 ffff00 b2ff00 00ff00 00ffa0 00ffff 008cff " +
  "0000ff a500ff ff00ff ff0098 ff5959 ffb459 ffff71 cfff60 6fff6f 65ffc9 6dffff 59b4ff " +
  "5959ff c459ff ff66ff ff59bc ff9c9c ffd39c ffff9c e2ff9c 9cff9c 9cffdb 9cffff 9cd3ff " +
  "9c9cff dc9cff ff9cff ff94d3 000000 131313 282828 363636 4d4d4d 656565 818181 9f9f9f " +
  "bcbcbc e2e2e2 ffffff"
).split(" ").map((hex) => `#${hex}`);

/** The CSS of the colour classes the rendered text uses. */
export function ircColourCss(): string {
  return IRC_PALETTE.map((hex, i) => `.irc-fg-${i}{color:${hex}}.irc-bg-${i}{background-color:${hex}}`)
    .join("\n") + "\n";
}

const PLAIN: IrcStyle = {
  bold: false,
  italic: false,
  underline: false,
  strikethrough: false,
  monospace: false,
  reverse: false,
  fg: null,
  bg: null,
};

/** Splits `text` at its formatting codes into styled runs; the codes themselves are dropped. */
export function parseIrcFormatting(text: string): IrcSpan[] {
  const spans: IrcSpan[] = [];
  let style: IrcStyle = { ...PLAIN };
  let run = "";
  const flush = () => {
    if (run === "") return;
    const last = spans[spans.length - 1];
    if (last && sameStyle(last.style, style)) last.text += run;
    else spans.push({ text: run, style: { ...style } });
    run = "";
  };
  const toggle = (key: "bold" | "italic" | "underline" | "strikethrough" | "monospace" | "reverse") => {
    flush();
    style = { ...style, [key]: !style[key] };
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    switch (c) {
      case BOLD:
        toggle("bold");
        break;
      case ITALIC:
        toggle("italic");
        break;
      case UNDERLINE:
        toggle("underline");
        break;
      case STRIKETHROUGH:
        toggle("strikethrough");
        break;
      case MONOSPACE:
        toggle("monospace");
        break;
      case REVERSE:
        toggle("reverse");
        break;
      case RESET:
        flush();
        style = { ...PLAIN };
        break;
      case COLOUR: {
        flush();
        const match = /^(\d{1,2})(?:,(\d{1,2}))?/.exec(text.slice(i + 1, i + 6));
        if (!match) {
          style = { ...style, fg: null, bg: null };
          break;
        }
        style = { ...style, fg: paletteIndex(Number(match[1])) };
        if (match[2] !== undefined) style.bg = paletteIndex(Number(match[2]));
        i += match[0].length;
        break;
      }
      case HEX_COLOUR: {
        flush();
        const match = /^([0-9a-f]{6})(?:,([0-9a-f]{6}))?/i.exec(text.slice(i + 1, i + 14));
        if (!match) {
          style = { ...style, fg: null, bg: null };
          break;
        }
        style = { ...style, fg: nearestColour(match[1]) };
        if (match[2] !== undefined) style.bg = nearestColour(match[2]);
        i += match[0].length;
        break;
      }
      default:
        // Other C0 controls (CTCP's \x01, bells) would only show as boxes; a
        // line break (a stored WHOIS answer or MOTD: IRC lines have none) is kept.
        if (c < " " && c !== "\t" && c !== "\n") break;
        run += c;
    }
  }
  flush();
  return spans;
}

/** `text` without its formatting codes. */
export function stripIrcFormatting(text: string): string {
  return parseIrcFormatting(text).map((s) => s.text).join("");
}

// 99 means "default colour" in mIRC.
function paletteIndex(n: number): number | null {
  return n >= 0 && n < 99 ? n : null;
}

// Inline colours are not allowed by the CSP: the closest palette colour stands in.
function nearestColour(hex: string): number {
  const [r, g, b] = rgb(hex);
  let best = 0;
  let bestDistance = Infinity;
  IRC_PALETTE.forEach((candidate, i) => {
    const [cr, cg, cb] = rgb(candidate.slice(1));
    const distance = (r - cr) ** 2 + (g - cg) ** 2 + (b - cb) ** 2;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  });
  return best;
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function sameStyle(a: IrcStyle, b: IrcStyle): boolean {
  return a.bold === b.bold && a.italic === b.italic && a.underline === b.underline &&
    a.strikethrough === b.strikethrough && a.monospace === b.monospace && a.reverse === b.reverse &&
    a.fg === b.fg && a.bg === b.bg;
}

/**
 * Folds a nick or text for comparison the way IRC servers do by default
 * (rfc1459: `[]\~` are the upper case of `{}|^`). Keeps the length, so
 * positions found in the folded text hold in the original.
 */
export function ircLower(text: string): string {
  return text.replace(/[A-Z[\]\\~]/g, (c) => {
    switch (c) {
      case "[":
        return "{";
      case "]":
        return "}";
      case "\\":
        return "|";
      case "~":
        return "^";
      default:
        return c.toLowerCase();
    }
  });
}

/** Whether two nicks (or channel names) are the same to IRC. */
export function sameIrcName(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && ircLower(a) === ircLower(b);
}

const NICK_CHAR = /[A-Za-z0-9[\]\\`_^{|}~-]/;

/** Where `nick` appears in `plain` as a whole word, as `[start, end)` ranges. */
function mentionRanges(plain: string, nick: string): [number, number][] {
  if (nick === "") return [];
  const haystack = ircLower(plain);
  const needle = ircLower(nick);
  const ranges: [number, number][] = [];
  let from = 0;
  while (true) {
    const at = haystack.indexOf(needle, from);
    if (at === -1) return ranges;
    const end = at + needle.length;
    const before = at === 0 ? "" : plain[at - 1];
    const after = end >= plain.length ? "" : plain[end];
    if (!NICK_CHAR.test(before) && !NICK_CHAR.test(after)) ranges.push([at, end]);
    from = end;
  }
}

/** Whether `text` (formatting codes and all) mentions `nick` as a whole word. */
export function mentionsNick(text: string, nick: string | null | undefined): boolean {
  return !!nick && mentionRanges(stripIrcFormatting(text), nick).length > 0;
}

// The plain text holds no control characters any more (see parseIrcFormatting).
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;

/** Where `plain` has http(s) links, with their targets. */
function linkRanges(plain: string): { start: number; end: number; href: string }[] {
  const links: { start: number; end: number; href: string }[] = [];
  for (const match of plain.matchAll(URL_PATTERN)) {
    let text = match[0];
    // Punctuation that ends a sentence is not part of the link, nor is a
    // closing bracket that the link did not open.
    while (text.length > 0) {
      const last = text[text.length - 1];
      if (/[.,;:!?'*]/.test(last)) text = text.slice(0, -1);
      else if (last === ")" && count(text, "(") < count(text, ")")) text = text.slice(0, -1);
      else if (last === "]" && count(text, "[") < count(text, "]")) text = text.slice(0, -1);
      else break;
    }
    const href = safeHttpUrl(text);
    if (href) links.push({ start: match.index, end: match.index + text.length, href });
  }
  return links;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** `text` as an absolute http(s) URL, or `undefined` when it is not one. */
export function safeHttpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

// Characters that change how text around them reads without showing
// themselves: bidi controls (U+202E makes `exe.pdf` of `fdp.exe`), zero
// widths, soft hyphens.
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/gu;

/**
 * The text a link shows: what IRC sent, styles kept, but honest about where
 * it goes. Invisible and bidi controls are dropped, and a host the browser
 * would read otherwise (a look-alike in another script, which it reads as
 * punycode; a full-width or case variant; `trusted.example@` user info
 * before the real host) is shown as the browser reads it: the href's host.
 */
function linkSpans(spans: IrcSpan[], href: string): IrcSpan[] {
  const text = spans.map((s) => s.text).join("");
  // A link's text always starts with its scheme and `//` (URL_PATTERN).
  const hostStart = text.indexOf("//") + 2;
  const rest = text.slice(hostStart).search(/[/?#\\]/);
  const hostEnd = rest === -1 ? text.length : hostStart + rest;
  const host = new URL(href).host;
  const keep = text.slice(hostStart, hostEnd).replace(INVISIBLE, "").toLowerCase() === host;
  const out: IrcSpan[] = [];
  const push = (piece: string, style: IrcStyle) => {
    const visible = piece.replace(INVISIBLE, "");
    if (visible) out.push({ text: visible, style });
  };
  let offset = 0;
  for (const span of spans) {
    const end = offset + span.text.length;
    if (keep || end <= hostStart || offset >= hostEnd) push(span.text, span.style);
    else {
      // The host goes where it stood, in the style it began with.
      push(span.text.slice(0, Math.max(0, hostStart - offset)), span.style);
      if (offset <= hostStart) push(host, span.style);
      push(span.text.slice(Math.max(0, hostEnd - offset)), span.style);
    }
    offset = end;
  }
  return out;
}

/**
 * The pieces of one line: its styled runs grouped into links, mentions of
 * `nick` (when given) and plain text. A link wins over a mention inside it.
 * A link's text is shown as its href's host reads (see {@link linkSpans}).
 */
export function tokenizeIrcText(text: string, nick?: string | null): IrcToken[] {
  const spans = parseIrcFormatting(text);
  const plain = spans.map((s) => s.text).join("");
  type Mark = { start: number; end: number } & ({ kind: "link"; href: string } | { kind: "mention" });
  const marks: Mark[] = linkRanges(plain).map((l) => ({ ...l, kind: "link" as const }));
  if (nick) {
    for (const [start, end] of mentionRanges(plain, nick)) {
      if (!marks.some((m) => start < m.end && end > m.start)) marks.push({ start, end, kind: "mention" });
    }
  }
  marks.sort((a, b) => a.start - b.start);

  const tokens: IrcToken[] = [];
  const slice = (start: number, end: number): IrcSpan[] => {
    const out: IrcSpan[] = [];
    let offset = 0;
    for (const span of spans) {
      const spanEnd = offset + span.text.length;
      const from = Math.max(start, offset);
      const to = Math.min(end, spanEnd);
      if (from < to) out.push({ text: span.text.slice(from - offset, to - offset), style: span.style });
      offset = spanEnd;
    }
    return out;
  };
  let position = 0;
  for (const mark of marks) {
    if (mark.start > position) tokens.push({ kind: "text", spans: slice(position, mark.start) });
    const markSpans = slice(mark.start, mark.end);
    tokens.push(
      mark.kind === "link" ? { kind: "link", href: mark.href, spans: linkSpans(markSpans, mark.href) } : {
        kind: "mention",
        spans: markSpans,
      },
    );
    position = mark.end;
  }
  if (position < plain.length) tokens.push({ kind: "text", spans: slice(position, plain.length) });
  return tokens;
}

/** The CSS classes of a style (empty for plain text). */
export function styleClasses(style: IrcStyle): string {
  const classes: string[] = [];
  if (style.bold) classes.push("irc-b");
  if (style.italic) classes.push("irc-i");
  if (style.underline) classes.push("irc-u");
  if (style.strikethrough) classes.push("irc-s");
  if (style.monospace) classes.push("irc-m");
  let { fg, bg } = style;
  if (style.reverse) {
    // Without colours, the theme's own colours swap (in CSS); with them,
    // the classes do, a missing one standing for white text or black ink.
    if (fg === null && bg === null) classes.push("irc-reverse");
    else [fg, bg] = [bg ?? 0, fg ?? 1];
  }
  if (fg !== null) classes.push(`irc-fg-${fg}`);
  if (bg !== null) classes.push(`irc-bg-${bg}`);
  return classes.join(" ");
}

function renderSpans(spans: IrcSpan[]): ComponentChild[] {
  return spans.map((span) => {
    const className = styleClasses(span.style);
    return className ? h("span", { class: className }, span.text) : span.text;
  });
}

/** Props of {@link IrcText}. */
export interface IrcTextProps {
  /** The raw IRC text, formatting codes included. */
  text: string;
  /** The user's nick, to highlight where it is mentioned. */
  nick?: string | null;
}

/** Renders one line of IRC text: styles, links and mentions. */
export function IrcText({ text, nick }: IrcTextProps): ComponentChild {
  const children = tokenizeIrcText(text, nick).map((token) => {
    switch (token.kind) {
      case "text":
        return renderSpans(token.spans);
      case "link":
        return h("a", {
          href: token.href,
          rel: "noopener noreferrer nofollow",
          target: "_blank",
          class: "irc-link",
          // Isolated: bidi controls around a link cannot reorder it.
          dir: "ltr",
        }, renderSpans(token.spans));
      case "mention":
        return h("mark", { class: "mention" }, renderSpans(token.spans));
    }
  });
  return h("span", { class: "irc-text" }, children);
}
